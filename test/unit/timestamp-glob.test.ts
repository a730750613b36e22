import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Database, literal } from '../../src/engine/database.ts';
import { COMMON_TIMESTAMP_GLOB, TIMESTAMP_PATTERN } from '../../src/ingest/validate.ts';

/**
 * The GLOB is a shortcut in front of the pattern: a timestamp it takes must
 * be one the pattern takes, or a malformed value would be typed. Texts are
 * grown from well-formed timestamps with characters swapped for look-alikes
 * (other digits, letters, blanks, signs, Unicode digits), so that many sit on
 * either side of both.
 */
const swaps = fc.constantFrom('0', '1', '3', '4', '5', '6', '9', '-', '+', ':', 'T', 't', ' ', 'Z', 'x', '\u0663', '.', '');
const text = fc
  .record({
    y: fc.integer({ min: 0, max: 9999 }),
    mo: fc.integer({ min: 0, max: 19 }),
    d: fc.integer({ min: 0, max: 39 }),
    h: fc.integer({ min: 0, max: 29 }),
    mi: fc.integer({ min: 0, max: 69 }),
    s: fc.integer({ min: 0, max: 69 }),
    sign: fc.constantFrom('+', '-'),
    oh: fc.integer({ min: 0, max: 25 }),
    om: fc.integer({ min: 0, max: 69 }),
    edits: fc.array(fc.tuple(fc.nat(30), swaps), { maxLength: 3 }),
  })
  .map(({ y, mo, d, h, mi, s, sign, oh, om, edits }) => {
    const p2 = (n: number) => String(n).padStart(2, '0');
    let t = `${String(y).padStart(4, '0')}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(s)}${sign}${p2(oh)}:${p2(om)}`;
    for (const [at, c] of edits) t = t.slice(0, at % t.length) + c + t.slice((at % t.length) + 1);
    return t;
  });

describe('the common timestamps GLOB', () => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open(':memory:');
  });
  afterAll(() => db.close());

  const judge = async (texts: string[]) =>
    db.all<{ t: string; glob: boolean; pattern: boolean }>(
      `SELECT t, t GLOB ${literal(COMMON_TIMESTAMP_GLOB)} AS glob, regexp_matches(t, ${literal(TIMESTAMP_PATTERN)}) AS pattern
       FROM unnest(${`[${texts.map(literal).join(', ')}]`}::VARCHAR[]) u(t)`,
    );

  it('takes only texts the timestamp pattern takes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 200 }), async (texts) => {
        for (const r of await judge(texts)) expect(r.glob && !r.pattern, r.t).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('takes the commonest form and leaves the rest to the pattern', async () => {
    const rows = await judge([
      '2025-12-01T12:50:25+08:00',
      '2025-12-01T12:50:25-05:30',
      '2025-12-01T12:50:25+13:00', // a valid offset past the GLOB: the pattern's
      '2025-12-01 12:50:25+08:00',
      '2025-12-01T12:50:25Z',
      '2025-12-01T12:50:25+25:00', // neither
      '-025-12-01T12:50:25+08:00',
    ]);
    expect(rows.map((r) => [r.glob, r.pattern])).toEqual([
      [true, true],
      [true, true],
      [false, true],
      [false, true],
      [false, true],
      [false, false],
      [false, false],
    ]);
  });
});
