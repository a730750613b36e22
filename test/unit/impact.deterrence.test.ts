/**
 * What a lead did after a raid (afterRaid), on hand-built daily series:
 * means over the 28 days either side, the first quiet run, and the status.
 */
import { describe, expect, it } from 'vitest';
import { afterRaid, quietDays } from '../../src/impact/deterrence.ts';

const RAID = 100;
const span = { firstDay: 0, lastDay: 199 };
/** A series: `base` parcels a day, except the days listed. */
const series = (base: number, overrides: Record<number, number> = {}, quiet: [number, number][] = []) => (day: number) => {
  if (day in overrides) return overrides[day];
  if (quiet.some(([a, b]) => day >= a && day <= b)) return 0;
  return base;
};

describe('afterRaid', () => {
  it('a lead that kept shipping continued, with its means either side (raid day excluded)', () => {
    const a = afterRaid(series(4, { [RAID]: 100 }), RAID, span, false);
    expect(a).toEqual({ parcelsPerDayBefore: 4, parcelsPerDayAfter: 4, pausedDays: 0, status: 'continued' });
  });

  it('a lead quiet for 10 days from the day after the raid paused, and its after-mean counts the quiet days', () => {
    const a = afterRaid(series(5, {}, [[RAID + 1, RAID + 10]]), RAID, span, false);
    expect(a.status).toBe('paused');
    expect(a.pausedDays).toBe(10);
    expect(a.parcelsPerDayAfter).toBeCloseTo((18 * 5) / 28, 10);
  });

  it('a gap too short to tell from chance is not a pause; the first long one is', () => {
    // 1 parcel a day: a quiet run needs ln(100)/1 -> 5 days.
    expect(quietDays(1)).toBe(5);
    const a = afterRaid(series(1, {}, [[RAID + 2, RAID + 3], [RAID + 8, RAID + 15]]), RAID, span, false);
    expect(a.pausedDays).toBe(8);
    expect(a.status).toBe('paused');
  });

  it('quiet until the end of the data: stopped, or moved when the leads name a successor', () => {
    const stop = series(3, {}, [[RAID + 3, 199]]);
    expect(afterRaid(stop, RAID, span, false)).toMatchObject({ status: 'stopped', pausedDays: 97 });
    expect(afterRaid(stop, RAID, span, true)).toMatchObject({ status: 'moved', pausedDays: 97 });
  });

  it('a pause that starts more than 28 days after the raid is not the raid\'s', () => {
    const a = afterRaid(series(3, {}, [[RAID + 29, RAID + 60]]), RAID, span, false);
    expect(a).toMatchObject({ status: 'continued', pausedDays: 0 });
  });

  it('windows cut by the start or end of the data average over the days the data covers', () => {
    const a = afterRaid(series(2), 10, span, false);
    expect(a.parcelsPerDayBefore).toBe(2);
    const b = afterRaid(series(2), 195, span, false);
    expect(b.parcelsPerDayAfter).toBe(2);
  });
});
