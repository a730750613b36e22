import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addressKey, chineseNumeralToNumber, normalizeAddress } from '../../src/stages/networks/address.ts';
import { UnionFind } from '../../src/stages/networks/union-find.ts';

describe('address normalisation', () => {
  it('makes one operator\'s formatting variants of an address equal', () => {
    const variants = ['莆田市荔城区黄石镇东甲村12号', '黄石镇东甲村十二号', '福建省莆田市荔城区 黄石镇东甲村１２号', '黄石镇 东甲村 12 号'];
    expect(new Set(variants.map(normalizeAddress)).size).toBe(1);
  });

  it('keeps different addresses apart', () => {
    expect(normalizeAddress('黄石镇东甲村12号')).not.toBe(normalizeAddress('黄石镇东甲村13号'));
    expect(normalizeAddress('黄石镇东甲村12号')).not.toBe(normalizeAddress('黄石镇西甲村12号'));
  });

  it('reads Chinese numerals', () => {
    expect([ '十', '十二', '二十三', '一百零五', '九'].map(chineseNumeralToNumber)).toEqual([10, 12, 23, 105, 9]);
    expect(chineseNumeralToNumber('村')).toBeNull();
  });
});

describe('address key', () => {
  it('matches one place written with abbreviated prefixes, notes and remarks', () => {
    const variants = [
      '莆田市 荔城区 北高镇 后坑村 一百一十六号 后门',
      '福建省莆田市荔城区北高镇后坑村１１６号',
      '莆田荔城北高后坑村116号附近',
      '北高镇后坑村116号 (村委会对面)',
      '荔城区北高镇后坑村  116 号一楼',
    ];
    expect(new Set(variants.map(addressKey))).toEqual(new Set(['后坑村116号']));
  });

  it('keeps other houses and other places apart', () => {
    expect(addressKey('北高镇后坑村116号')).not.toBe(addressKey('北高镇后坑村117号'));
    expect(addressKey('北高镇后坑村116号')).not.toBe(addressKey('北高镇前坑村116号'));
    expect(addressKey('延寿路81号')).not.toBe(addressKey('延寿街81号'));
  });

  it('falls back to the normalised form when there is no place and house number', () => {
    expect(addressKey('Room 5, 12 Nanjing Rd')).toBe(normalizeAddress('Room 5, 12 Nanjing Rd'));
  });
});

describe('union-find', () => {
  it('groups exactly the connected components (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(20), fc.nat(20)), { maxLength: 40 }), (edges) => {
        const uf = new UnionFind();
        for (let i = 0; i <= 20; i++) uf.add(`s${i}`);
        for (const [a, b] of edges) uf.union(`s${a}`, `s${b}`);
        // Reference: repeated relaxation of labels.
        const label = Array.from({ length: 21 }, (_, i) => i);
        for (let changed = true; changed; ) {
          changed = false;
          for (const [a, b] of edges) {
            const m = Math.min(label[a], label[b]);
            if (label[a] !== m || label[b] !== m) {
              label[a] = label[b] = m;
              changed = true;
            }
          }
        }
        for (let a = 0; a <= 20; a++) {
          for (let b = 0; b <= 20; b++) {
            expect(uf.find(`s${a}`) === uf.find(`s${b}`)).toBe(label[a] === label[b]);
          }
        }
        expect(uf.groups().flat().length).toBe(21);
      }),
      { seed: 7, numRuns: 50 },
    );
  });
});
