/** 64-bit perceptual hashes as two 32-bit halves, so Hamming distance needs no BigInt. */

/** Parses 16 hex digits; null for anything else. */
export function parsePhash(hex: string): [number, number] | null {
  if (!/^[0-9a-fA-F]{16}$/.test(hex)) return null;
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8), 16) >>> 0];
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Number of differing bits between two hashes. */
export function hamming64(a: readonly [number, number], b: readonly [number, number]): number {
  return popcount32((a[0] ^ b[0]) >>> 0) + popcount32((a[1] ^ b[1]) >>> 0);
}
