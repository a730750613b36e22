import { describe, expect, it } from 'vitest';
import { parseEngineUrl } from '../../src/engine/clickhouse.ts';
import { duckdbSelect } from '../../src/engine/transfer.ts';
import { withDatabase } from '../helpers/db.ts';

describe('parseEngineUrl', () => {
  it('reads hosts, database, cluster and credentials', () => {
    expect(parseEngineUrl('clickhouse://ch1:8123,ch2:8123/logs?cluster=national')).toEqual({
      hosts: ['http://ch1:8123', 'http://ch2:8123'],
      database: 'logs',
      cluster: 'national',
      username: undefined,
      password: undefined,
    });
    expect(parseEngineUrl('clickhouse://me:p%40ss@127.0.0.1:8123/d')).toMatchObject({ hosts: ['http://127.0.0.1:8123'], username: 'me', password: 'p@ss' });
  });

  it.each([
    ['http://ch:8123/db', /not a clickhouse:\/\/ address/],
    ['clickhouse://ch/db', /"ch" is not HOST:PORT/],
    ['clickhouse://ch:8123/my-db', /plain name/],
    ['clickhouse://ch:8123,ch2:8123/db', /several hosts need \?cluster=NAME/],
    ['clickhouse://ch:8123/db?shards=2', /unknown option shards/],
    ['clickhouse://ch:8123/db?cluster=a;DROP', /cluster must be a plain name/],
  ])('refuses %s', (url, message) => {
    expect(() => parseEngineUrl(url)).toThrow(message);
  });
});

describe('doubles sent as mantissa and exponent', () => {
  it('encode exactly in DuckDB, whatever log2 rounds to', async () => {
    const values = [0, 0.1, 0.1 + 0.2, -0.30000000000000004, 25.465156, 119.056346, -179.99999999999997, 90, 1, 2, 4, 0.5,
      2 ** 53, 2 ** -40, 1 - 2 ** -53, 1 + 2 ** -52, 123456.789, 1e15 + 0.5, 1e-290, 1.7976931348623157e308];
    for (let i = 0; i < 200; i++) values.push((Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 12 - 4));
    await withDatabase(async (db) => {
      await db.run(`CREATE TABLE v (i INTEGER, x DOUBLE)`);
      await db.append('v', values.map((x, i) => [i, x]));
      const rows = await db.all<{ i: number; m: number; e: number }>(
        `SELECT i, ${duckdbSelect([{ name: 'x', type: 'Float64' }]).replace(/, (?=CASE)/, ' AS m, ')} AS e FROM v ORDER BY i`,
      );
      for (const { i, m, e } of rows) {
        expect(Number.isInteger(m), `m of ${values[i]}`).toBe(true);
        expect(Math.abs(m)).toBeLessThan(2 ** 55);
        expect(m * 2 ** e, String(values[i])).toBe(values[i]);
      }
      // Below the floor a value rounds, and does not fail.
      const [tiny] = await db.all<{ m: number; e: number }>(`SELECT ${duckdbSelect([{ name: 'x', type: 'Float64', from: '1e-300::DOUBLE' }]).replace(/, (?=CASE)/, ' AS m, ')} AS e`);
      expect(tiny.e).toBe(-1020);
      expect(Math.abs(tiny.m * 2 ** tiny.e - 1e-300) / 1e-300).toBeLessThan(1e-6);
    });
  });
});
