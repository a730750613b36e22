/** Invisible characters made visible, for messages about values. */

/** Code points shown escaped: C0 and C1 controls, DEL, soft hyphen, zero-width and direction marks, BOM, the replacement character. */
export const INVISIBLE_CODES: readonly number[] = [
  ...range(0x00, 0x1f),
  ...range(0x7f, 0x9f),
  0xad,
  ...range(0x200b, 0x200f),
  ...range(0x2028, 0x202e),
  ...range(0x2060, 0x2064),
  0xfeff,
  0xfffd,
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const PATTERN = new RegExp(`[${INVISIBLE_CODES.map((c) => `\\u${c.toString(16).padStart(4, '0')}`).join('')}]`, 'g');

/** Shows invisible characters of a text as \uXXXX escapes (reasons must show what is wrong). */
export function visible(text: string): string {
  return text.replace(PATTERN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
