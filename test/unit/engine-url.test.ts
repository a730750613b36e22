import { describe, expect, it } from 'vitest';
import { parseEngineUrl } from '../../src/engine/clickhouse.ts';
import { decodeRows, encodeRows, type BinaryColumn } from '../../src/engine/row-binary.ts';

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

describe('RowBinary', () => {
  const columns: BinaryColumn[] = [
    { name: 's', type: 'String' },
    { name: 'ns', type: 'String', nullable: true },
    { name: 'f', type: 'Float64', nullable: true },
    { name: 'i', type: 'Int64' },
    { name: 'b', type: 'UInt8' },
  ];
  const long = '莆田'.repeat(100);
  const rows = [
    ['a', null, 0.1 + 0.2, -5, 1],
    [long, 'x', null, 1_700_000_000_123_456, 0],
    ['', '', -0, 0, 255],
  ];

  it('round-trips rows exactly, whatever the chunking', async () => {
    const buf = encodeRows(columns, rows);
    for (const size of [1, 3, 7, buf.length]) {
      const chunks = async function* () {
        for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
      };
      const back = [];
      for await (const batch of decodeRows(columns, chunks())) back.push(...batch);
      expect(back).toEqual(rows);
    }
  });

  it('refuses a stream that ends inside a row', async () => {
    const buf = encodeRows(columns, rows).subarray(0, 10);
    const read = async () => {
      for await (const _ of decodeRows(columns, (async function* () { yield buf; })())) void _;
    };
    await expect(read()).rejects.toThrow(/ended inside a row/);
  });
});
