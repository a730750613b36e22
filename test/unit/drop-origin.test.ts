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
});
