/**
 * Normalises free-text Chinese (or mixed) addresses so that the formatting
 * variants one operator writes of one address compare equal: full-width
 * characters, spaces and punctuation, Chinese numerals, and the province /
 * city / district prefix that some variants carry and others drop.
 */

const DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** Converts a Chinese numeral of up to 9999 (十二, 二十三, 一百零五) to digits. */
export function chineseNumeralToNumber(text: string): number | null {
  let total = 0;
  let current = 0;
  let seen = false;
  for (const ch of text) {
    if (ch in DIGITS) {
      current = DIGITS[ch];
      seen = true;
    } else if (ch === '十' || ch === '百' || ch === '千') {
      const unit = ch === '十' ? 10 : ch === '百' ? 100 : 1000;
      total += (current || 1) * unit;
      current = 0;
      seen = true;
    } else {
      return null;
    }
  }
  return seen ? total + current : null;
}

const ADMIN_PREFIX = /^.*?(省|自治区|市|自治州|地区|盟)/u;

/** Canonical form of an address for exact matching; '' when nothing is left. */
export function normalizeAddress(address: string): string {
  let s = address.normalize('NFKC').toLowerCase();
  s = s.replace(/[\s,，。.、;；:：#\-—_()（）[\]【】"'“”]/gu, '');
  s = s.replace(/[零〇一二两三四五六七八九十百千]+(?=[号栋楼层室单元巷弄组排座幢户])/gu, (m) => {
    const n = chineseNumeralToNumber(m);
    return n === null ? m : String(n);
  });
  // Drop administrative prefixes (province, city, district) that variants add or omit.
  for (let i = 0; i < 3; i++) {
    const next = s.replace(ADMIN_PREFIX, '');
    if (next === s || next.length < 4) break;
    s = next;
  }
  s = s.replace(/^[^区县]{1,6}(区|县)(?=.{4,})/u, '');
  return s;
}

/** Notes written after or beside an address that do not change where it is (后门 back door, 附近 nearby, ...). */
const QUALIFIERS = /(后门|侧门|前门|门口|附近|旁边|对面|隔壁|楼下|一楼|底楼|1楼)+$/u;
/** The last place name (two characters and its kind) and house number of an address: 后坑村116号, 延寿路81号. */
const HOUSE = /[\p{Script=Han}]{2}(?:村|社区|小区|新村|花园|广场|公寓|大厦|城|园|苑|湾|路|街|道|巷|弄|里)\d+号/gu;

/**
 * A coarser key than `normalizeAddress` for matching one place written in
 * different ways: the place name and house number, with everything around
 * them (administrative prefixes, full or abbreviated; notes such as 后门 or
 * 附近; remarks in brackets) dropped. Addresses with no such core fall back to
 * their normalised form.
 */
export function addressKey(address: string): string {
  const withoutRemarks = address.normalize('NFKC').replace(/[(（[【][^)）\]】]*[)）\]】]/gu, '');
  const normal = normalizeAddress(withoutRemarks).replace(QUALIFIERS, '');
  const houses = normal.match(HOUSE);
  return houses ? houses[houses.length - 1] : normal;
}
