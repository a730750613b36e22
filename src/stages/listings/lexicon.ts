/**
 * Words that matter in listing titles, from the trade rather than from any
 * one dataset: brand names with their Chinese names, abbreviations and
 * look-alike spellings; counterfeit jargon; words that mark honest
 * explanations of a low price (second-hand, clearance) or of a brand mention
 * (an accessory that fits the brand).
 */

import { distance } from 'fastest-levenshtein';

/** Canonical brand -> names and spellings a title may use (lower case; matched after `normalizeTitle`). */
export const BRAND_ALIASES: Record<string, readonly string[]> = {
  Nike: ['nike', '耐克', 'air jordan', 'jordan', 'aj', 'aj1', 'aj4', 'aj11', 'air force', 'af1', 'dunk', '乔丹aj', '空军一号'],
  Adidas: ['adidas', '阿迪达斯', '阿迪', 'yeezy', '椰子', 'ultraboost', '三叶草'],
  'New Balance': ['new balance', 'newbalance', 'nb', '新百伦', 'nb990', 'nb574', 'nb550', 'nb2002'],
  Puma: ['puma', '彪马'],
  Anta: ['anta', '安踏'],
  'Li-Ning': ['li-ning', 'li ning', 'lining', '李宁'],
  Converse: ['converse', '匡威'],
  Vans: ['vans', '万斯'],
  Asics: ['asics', '亚瑟士'],
  'Under Armour': ['under armour', '安德玛'],
  'The North Face': ['the north face', 'north face', 'northface', 'tnf', '北面'],
  Uniqlo: ['uniqlo', '优衣库'],
  Feihe: ['feihe', '飞鹤'],
  a2: ['a2奶粉', 'a2 platinum', 'a2至初', 'a2 milk'],
  Aptamil: ['aptamil', '爱他美'],
  Wyeth: ['wyeth', '惠氏', 'illuma', '启赋'],
  Friso: ['friso', '美素佳儿', '美素'],
  Bosch: ['bosch', '博世'],
  NGK: ['ngk'],
  Denso: ['denso', '电装'],
  Michelin: ['michelin', '米其林'],
  Castrol: ['castrol', '嘉实多'],
  Mobil: ['mobil', '美孚'],
  Midea: ['midea', '美的'],
  Gree: ['gree', '格力'],
  Dyson: ['dyson', '戴森'],
  Philips: ['philips', '飞利浦'],
  Haier: ['haier', '海尔'],
  Samsonite: ['samsonite', '新秀丽'],
  'Louis Vuitton': ['louis vuitton', 'louisvuitton', '路易威登', 'lv'],
  Gucci: ['gucci', '古驰'],
  Rimowa: ['rimowa', '日默瓦'],
  IKEA: ['ikea', '宜家'],
};

/**
 * Trade slang and near-homophones sellers use instead of a brand's name so
 * that keyword filters miss the listing (N家 and 勾子 for Nike, 驴家 for Louis
 * Vuitton...). A title using one names the brand in disguise.
 */
export const BRAND_SLANG: Record<string, readonly string[]> = {
  Nike: ['n家', '勾子', '钩子', '耐剋', '奈克', 'nlke'],
  Adidas: ['a家', 'adi', '三道杠', '阿迪达丝'],
  'New Balance': ['n字鞋', '新百仑', '新白伦'],
  'Louis Vuitton': ['驴家', 'l家'],
  Gucci: ['g家', '古奇'],
  Dyson: ['戴生'],
};

/** Look-alike spellings: digits and symbols standing in for letters, to dodge keyword filters. */
const LOOKALIKES: Record<string, string> = { '1': 'i', '0': 'o', '3': 'e', '4': 'a', '5': 's', '$': 's', '@': 'a', '!': 'i', '|': 'l' };

/**
 * Counterfeit trade jargon with a weight: how strongly the word alone says
 * "replica". Quality grades (纯原, 公司级, 顶级), replica words (高仿, 复刻, A货),
 * origin hints (莆田) and the 1:1 claim.
 */
export const JARGON: readonly (readonly [string, number])[] = [
  ['纯原', 2.5],
  ['公司级', 2.5],
  ['1:1', 2.5],
  ['1比1', 2.5],
  ['高仿', 3],
  ['复刻', 2],
  ['a货', 3],
  ['精仿', 3],
  ['莆田', 2],
  ['顶级版本', 2],
  ['顶级', 1.2],
  ['高版本', 2],
  ['原厂', 1],
  ['原单', 1.5],
  ['尾单', 1],
  ['真标', 2],
  ['过验', 2],
  ['平台版', 1.5],
  ['工厂货', 1],
  ['同款', 0.6],
  ['og版', 1.5],
  ['god版', 2.5],
  ['replica', 3],
  ['mirror quality', 3],
  ['top quality', 1],
];

/** Words that honestly explain a price below MSRP: second-hand, clearance, outlet, parallel import. */
export const RESALE_WORDS: readonly string[] = [
  '二手', '闲置', '99新', '95新', '9成新', '九成新', '清仓', '折扣', '特价', '断码', '库存', '代购', '海外', '港版', '日版', '美版',
  'outlet', 'used', 'second hand', 'pre-owned', 'clearance', 'discount',
];

/** Words that mark an accessory or a compatible part: the brand is named because the item fits it. */
export const ACCESSORY_WORDS: readonly string[] = [
  '适用于', '适用', '适配', '兼容', '配件', '鞋带', '鞋垫', '鞋盒', '滤网', '滤芯', '替换', '收纳', '保护套', '清洗剂', '贴纸',
  'compatible', 'for use with', 'replacement', 'accessory', 'fits ',
];

/** Words used by genuine sellers to assert authenticity; alone they prove nothing, but authorised stores use them. */
export const OFFICIAL_WORDS: readonly string[] = ['官方', '旗舰店', '正品', '授权', 'official', 'authentic'];

/** Lower-cases, folds full-width characters (NFKC) and collapses spaces, so matching sees one spelling. */
export function normalizeTitle(title: string): string {
  return title.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Replaces look-alike characters inside latin words (N1KE -> nike), leaving real numbers alone. */
export function foldLookalikes(text: string): string {
  return text.replace(/[a-z0-9$@!|]+/g, (word) => (/[a-z]/.test(word) ? [...word].map((ch) => LOOKALIKES[ch] ?? ch).join('') : word));
}

export interface BrandMention {
  brand: string;
  /** True when the brand was only found after folding look-alike characters (N1KE, AD1DAS). */
  disguised: boolean;
}

/** An alias compiled once: CJK aliases match anywhere, latin ones on word boundaries. */
interface Alias {
  text: string;
  cjk: boolean;
}

interface BrandEntry {
  brand: string;
  aliases: readonly Alias[];
  slang: readonly Alias[];
  /** Latin aliases of five letters or more, the ones a one-letter misspelling may stand for. */
  long: readonly string[];
}

const compileAlias = (text: string): Alias => ({ text, cjk: /[\u4e00-\u9fff]/.test(text) });

/** The brand tables compiled once, in BRAND_ALIASES's order (the order mentions are reported in). */
const BRANDS: readonly BrandEntry[] = Object.entries(BRAND_ALIASES).map(([brand, aliases]) => ({
  brand,
  aliases: aliases.map(compileAlias),
  slang: (BRAND_SLANG[brand] ?? []).map(compileAlias),
  long: aliases.filter((a) => /^[a-z]{5,}$/.test(a)),
}));

/** Brands a title names, canonicalised, with whether the spelling was disguised. */
export function brandMentions(title: string): BrandMention[] {
  return brandMentionsIn(normalizeTitle(title));
}

/** brandMentions of a title already through `normalizeTitle`. */
export function brandMentionsIn(plain: string): BrandMention[] {
  const folded = foldLookalikes(plain);
  let words: readonly string[] | undefined;
  const found: BrandMention[] = [];
  for (const entry of BRANDS) {
    const inPlain = entry.aliases.some((a) => containsAlias(plain, a));
    const disguised =
      !inPlain &&
      (entry.slang.some((a) => containsAlias(plain, a)) ||
        // Folding changed nothing: the folded text holds what the plain one does (nothing, here).
        (folded !== plain && entry.aliases.some((a) => containsAlias(folded, a))) ||
        misspells((words ??= folded.match(/[a-z]{5,}/g) ?? []), entry));
    if (inPlain || disguised) found.push({ brand: entry.brand, disguised });
  }
  return found;
}

/** Whether a word is one letter off one of a brand's long aliases, remembered per word (titles reuse few words). */
const misspelt = new Map<string, Set<string>>();
const MISSPELT_CACHE = 100_000;

/**
 * A one-letter misspelling of a long latin brand name (Adibas, Nkie):
 * close enough for buyers to read the brand, different enough to dodge an
 * exact keyword filter. Short names are left alone: at four letters one edit
 * reaches ordinary words.
 */
function misspells(words: readonly string[], entry: BrandEntry): boolean {
  if (entry.long.length === 0) return false;
  return words.some((w) => misspeltBrands(w).has(entry.brand));
}

/** The brands a word is a one-letter misspelling of. */
function misspeltBrands(word: string): Set<string> {
  let brands = misspelt.get(word);
  if (brands) return brands;
  brands = new Set();
  for (const entry of BRANDS) {
    if (entry.long.some((a) => word !== a && Math.abs(word.length - a.length) <= 1 && distance(word, a) === 1)) brands.add(entry.brand);
  }
  if (misspelt.size >= MISSPELT_CACHE) misspelt.clear();
  misspelt.set(word, brands);
  return brands;
}

/** A latin letter a-z (the code of one UTF-16 unit; NaN past the end of the text is none). */
const isLatin = (code: number) => code >= 97 && code <= 122;

/** Latin aliases must match on word boundaries ("lv" is not in "silver"); CJK aliases match anywhere. */
function containsAlias(text: string, alias: Alias): boolean {
  if (alias.cjk) return text.includes(alias.text);
  let from = 0;
  for (;;) {
    const at = text.indexOf(alias.text, from);
    if (at < 0) return false;
    if (!isLatin(at === 0 ? NaN : text.charCodeAt(at - 1)) && !isLatin(text.charCodeAt(at + alias.text.length))) return true;
    from = at + 1;
  }
}

/** Canonical brand for a brand field as the platform extracted it (any alias or spelling), or the field itself. */
export function canonicalBrand(field: string): string {
  let brand = canonical.get(field);
  if (brand === undefined) {
    brand = canonicalUncached(field);
    if (canonical.size >= MISSPELT_CACHE) canonical.clear();
    canonical.set(field, brand);
  }
  return brand;
}

/** canonicalBrand's answers: brand fields repeat a few spellings over and over. */
const canonical = new Map<string, string>();

function canonicalUncached(field: string): string {
  const mentions = brandMentions(field);
  if (mentions[0]) return mentions[0].brand;
  // Run-together spellings of multi-word names (NewBalance, LouisVuitton).
  const squashed = normalizeTitle(field).replace(/[\s\-_.]/g, '');
  for (const [brand, aliases] of Object.entries(BRAND_ALIASES)) {
    if (aliases.some((a) => a.replace(/[\s\-_.]/g, '') === squashed)) return brand;
  }
  return field.trim();
}

/** Sum of jargon weights found in a title, and the words found. */
export function jargonScore(title: string): { score: number; words: string[] } {
  return jargonScoreIn(normalizeTitle(title));
}

/** jargonScore of a title already through `normalizeTitle`. */
export function jargonScoreIn(text: string): { score: number; words: string[] } {
  let score = 0;
  const words: string[] = [];
  for (const [word, weight] of JARGON) {
    if (text.includes(word)) {
      score += weight;
      words.push(word);
    }
  }
  return { score, words };
}

export function hasAny(title: string, words: readonly string[]): boolean {
  return hasAnyIn(normalizeTitle(title), words);
}

/** hasAny for a title already through `normalizeTitle`. */
export function hasAnyIn(text: string, words: readonly string[]): boolean {
  return words.some((w) => text.includes(w));
}
