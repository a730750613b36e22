import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isoLocal } from '../../src/time.ts';

describe('isoLocal', () => {
  it('writes the local wall time with the zone offset', () => {
    expect(isoLocal(new Date('2026-03-01T15:14:05Z'), 'Asia/Shanghai')).toBe('2026-03-01T23:14:05+08:00');
    expect(isoLocal(new Date('2026-03-01T15:14:05Z'), 'UTC')).toBe('2026-03-01T15:14:05+00:00');
    expect(isoLocal(new Date('2026-07-01T12:00:00Z'), 'Europe/Berlin')).toBe('2026-07-01T14:00:00+02:00');
  });

  it('round-trips to the same instant (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), fc.constantFrom('Asia/Shanghai', 'UTC', 'America/New_York', 'Asia/Kolkata'), (s, tz) => {
        const d = new Date(s * 1000);
        expect(new Date(isoLocal(d, tz)).getTime()).toBe(d.getTime());
      }),
      { seed: 3 },
    );
  });
});
