import { describe, expect, it } from 'vitest';
import { brandMentions, canonicalBrand, foldLookalikes, jargonScore, hasAny, RESALE_WORDS, ACCESSORY_WORDS } from '../../src/stages/listings/lexicon.ts';
import { priceLogOdds } from '../../src/stages/listings/listings.ts';
import { hamming64, parsePhash } from '../../src/stages/listings/phash.ts';

describe('listing lexicon', () => {
  it('finds brands under Chinese names, abbreviations and look-alike spellings', () => {
    expect(brandMentions('耐克 Air Jordan 1 纯原')).toEqual([{ brand: 'Nike', disguised: false }]);
    expect(brandMentions('N1KE dunk low')).toEqual([{ brand: 'Nike', disguised: false }]);
    expect(brandMentions('N1KE 低帮 板鞋')).toEqual([{ brand: 'Nike', disguised: true }]);
    expect(brandMentions('AD1DAS 三叶草').map((m) => m.brand)).toEqual(['Adidas']);
    expect(canonicalBrand('阿迪达斯')).toBe('Adidas');
    expect(canonicalBrand('OwnBrand')).toBe('OwnBrand');
  });

  it('matches latin aliases on word boundaries only', () => {
    expect(brandMentions('silver necklace')).toEqual([]);
    expect(brandMentions('LV 老花 包').map((m) => m.brand)).toEqual(['Louis Vuitton']);
  });

  it('folds look-alikes inside words but leaves numbers alone', () => {
    expect(foldLookalikes('n1ke 2026 size 42')).toBe('nike 2026 size 42');
  });

  it('weighs counterfeit jargon and spots honest explanations', () => {
    expect(jargonScore('纯原 公司级 1:1').score).toBeGreaterThan(jargonScore('同款').score);
    expect(jargonScore('Nike Air Max 官方正品').score).toBe(0);
    expect(hasAny('99新 二手 耐克', RESALE_WORDS)).toBe(true);
    expect(hasAny('适用于Nike 鞋带', ACCESSORY_WORDS)).toBe(true);
  });

  it('reads far-below-MSRP prices as evidence, softened for resale only at moderate discounts', () => {
    expect(priceLogOdds(0.1, false)).toBeGreaterThan(3);
    expect(priceLogOdds(1.0, false)).toBeLessThan(0);
    expect(priceLogOdds(0.5, true)).toBeLessThan(priceLogOdds(0.5, false));
    expect(priceLogOdds(0.1, true)).toBe(priceLogOdds(0.1, false));
  });

  it('computes Hamming distance of perceptual hashes', () => {
    const a = parsePhash('8f3c0a1b2d4e6f70')!;
    expect(hamming64(a, parsePhash('8f3c0a1b2d4e6f71')!)).toBe(1);
    expect(hamming64(a, a)).toBe(0);
    expect(hamming64(parsePhash('0000000000000000')!, parsePhash('ffffffffffffffff')!)).toBe(64);
    expect(parsePhash('xyz')).toBeNull();
  });
});

describe('brand spellings', () => {
  it('reads one-letter misspellings of long names as disguised mentions, not short words', () => {
    expect(brandMentions('Adibas 运动鞋')).toEqual([{ brand: 'Adidas', disguised: true }]);
    expect(brandMentions('adidas 运动鞋')).toEqual([{ brand: 'Adidas', disguised: false }]);
    expect(brandMentions('vanss')).toEqual([]);
    expect(brandMentions('house shoes')).toEqual([]);
  });

  it('canonicalises run-together and abbreviated brand fields', () => {
    expect(canonicalBrand('NewBalance')).toBe('New Balance');
    expect(canonicalBrand('NB')).toBe('New Balance');
    expect(canonicalBrand('TNF')).toBe('The North Face');
  });
});

describe('brand slang', () => {
  it('reads trade slang as a disguised mention and canonicalises it', () => {
    expect(brandMentions('N家 低帮板鞋')).toEqual([{ brand: 'Nike', disguised: true }]);
    expect(canonicalBrand('勾子')).toBe('Nike');
  });
});
