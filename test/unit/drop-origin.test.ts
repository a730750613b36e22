import { describe, expect, it } from 'vitest';
import { denAddresses } from '../../src/stages/leads/drop-origin.ts';

const rows = (list: Array<[string, string, number]>) => list.map(([address, seller_id, n]) => ({ address, seller_id, n }));

describe('den addresses among the sender addresses at a station', () => {
  it('takes the addresses several accounts write, in their variants, over each account\'s own fakes', () => {
    const found = denAddresses(
      rows([
        ['莆田市荔城区北高镇后坑村116号', 'A', 40],
        ['北高镇后坑村116号后门', 'B', 35],
        ['莆田市涵江区沙头村51号', 'A', 60], // A's favourite fake: more waybills than either real variant
        ['莆田市城厢区华林路741号', 'B', 30],
        ['莆田荔城西天尾岭磨村217号', 'C', 20],
        ['荔城区西天尾镇岭磨村 217 号一楼', 'D', 20],
      ]),
    );
    expect(found.map((a) => a.key)).toEqual(['后坑村116号', '岭磨村217号']);
    expect(found[0].sellers).toEqual(['A', 'B']);
    expect(found[0].n).toBe(75);
  });

  it('falls back to one account\'s address only when it clearly leads', () => {
    expect(denAddresses(rows([['后坑村116号', 'A', 50], ['沙头村51号', 'A', 10]])).map((a) => a.key)).toEqual(['后坑村116号']);
    expect(denAddresses(rows([['后坑村116号', 'A', 30], ['沙头村51号', 'A', 25]]))).toEqual([]);
    expect(denAddresses(rows([['后坑村116号', 'A', 3]]))).toEqual([]);
  });

  it("places a den on its second day: three waybills from two accounts are enough, one account's three are not", () => {
    // A station's first two days: each account's own fakes, and the den written by two of them.
    const day2 = rows([
      ['莆田市荔城区新度镇新园村49号', 'A', 2],
      ['莆田市 荔城区 新度镇 新园村 四十九号', 'B', 1],
      ['莆田市涵江区三江口镇前尾村97号', 'A', 1],
      ['莆田市荔城区东圳路36号书香鞋城3层', 'B', 1],
      ['莆田市城厢区龙桥街道西头村135号', 'C', 1],
    ]);
    expect(denAddresses(day2).map((a) => [a.key, a.n, a.sellers])).toEqual([['新园村49号', 3, ['A', 'B']]]);
    expect(denAddresses(rows([['新园村49号', 'A', 3], ['前尾村97号', 'B', 1], ['西头村135号', 'C', 1]]))).toEqual([]);
    expect(denAddresses(rows([['新园村49号', 'A', 1], ['新园村49号', 'B', 1], ['前尾村97号', 'C', 1]]))).toEqual([]);
  });
});
