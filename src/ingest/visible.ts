/** Invisible characters made visible, for messages about values. */

/**
 * Code points shown escaped, and refused in ids: C0 and C1 controls, DEL,
 * soft hyphen and other format characters, odd spaces (en to hair spaces,
 * ideographic space, Hangul fillers), zero-width and direction marks, BOM,
 * interlinear annotation marks, the replacement character.
 */
export const INVISIBLE_CODES: readonly number[] = [
  ...range(0x00, 0x1f),
  ...range(0x7f, 0xa0),
  0xad,
  0x34f,
  0x61c,
  0x115f,
  0x1160,
  0x17b4,
  0x17b5,
  0x180e,
  ...range(0x2000, 0x200f),
  ...range(0x2028, 0x202f),
  ...range(0x205f, 0x206f),
  0x3000,
  0x3164,
  0xfeff,
  0xffa0,
  ...range(0xfff9, 0xfffb),
  0xfffd,
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const hex4 = (code: number) => code.toString(16).padStart(4, '0');

/** The characters as an RE2 (DuckDB) character class. */
export const INVISIBLE_RE2_CLASS = `[${INVISIBLE_CODES.map((c) => `\\x{${hex4(c)}}`).join('')}]`;

const PATTERN = new RegExp(`[${INVISIBLE_CODES.map((c) => `\\u${hex4(c)}`).join('')}]`, 'g');

/** Shows invisible characters of a text as \uXXXX escapes (reasons must show what is wrong). */
export function visible(text: string): string {
  return text.replace(PATTERN, (c) => `\\u${hex4(c.charCodeAt(0))}`);
}
