import { describe, expect, it } from 'vitest';
import { monthRange } from '../../console/src/months.ts';

describe('monthRange', () => {
  it('fills the months between the first and the last, across a year end', () => {
    expect(monthRange(['2026-02', '2025-11'])).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });
  it('gives one month for one, and none for none', () => {
    expect(monthRange(['2026-03'])).toEqual(['2026-03']);
    expect(monthRange([])).toEqual([]);
  });
});
