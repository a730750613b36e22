/** Calendar months as the console's charts label them (YYYY-MM). */

/** Every month from the first to the last (YYYY-MM), so that a gap in the data shows as months without turnover, not as a shorter axis. */
export function monthRange(months: readonly string[]): string[] {
  const sorted = [...months].sort();
  if (sorted.length === 0) return [];
  const [y0, m0] = sorted[0].split('-').map(Number);
  const [y1, m1] = sorted[sorted.length - 1].split('-').map(Number);
  const out: string[] = [];
  for (let i = y0 * 12 + m0 - 1; i <= y1 * 12 + m1 - 1; i++) out.push(`${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
  return out;
}
