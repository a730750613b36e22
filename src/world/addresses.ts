/**
 * Formatting variants of one real address, the way different people type it
 * into different shop accounts: with or without province and city, Chinese
 * or full-width numerals, stray spaces, a landmark suffix. Matching them is
 * the analysis's job; they all point at the same door.
 */
import type { Rng } from './random.ts';

export interface AddressParts {
  readonly province: string;
  readonly city: string;
  readonly district: string;
  readonly town: string;
  readonly place: string;
  readonly houseNo: number;
}

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** Chinese numerals for 1..999 (十二, 一百零五). */
export function chineseNumber(n: number): string {
  if (n < 10) return DIGITS[n];
  if (n < 20) return `十${n % 10 ? DIGITS[n % 10] : ''}`;
  if (n < 100) return `${DIGITS[Math.floor(n / 10)]}十${n % 10 ? DIGITS[n % 10] : ''}`;
  const h = Math.floor(n / 100);
  const rest = n % 100;
  if (rest === 0) return `${DIGITS[h]}百`;
  if (rest < 10) return `${DIGITS[h]}百零${DIGITS[rest]}`;
  return `${DIGITS[h]}百${rest < 20 ? '一' : ''}${chineseNumber(rest)}`;
}

/** Full-width digits (１２ for 12). */
export function fullWidth(n: number): string {
  return String(n).replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
}

const SUFFIXES = ['', '', '', '后门', '旁边', '(村委会对面)', '附近', '一楼'];

/** The canonical form of an address. */
export function canonicalAddress(p: AddressParts): string {
  return `${p.city}市${p.district}${p.town}${p.place}${p.houseNo}号`;
}

/** One formatting variant of the address, drawn at random. */
export function addressVariant(p: AddressParts, rng: Rng): string {
  const no = rng.weighted([String(p.houseNo), chineseNumber(p.houseNo), fullWidth(p.houseNo)], [6, 2, 2]);
  const suffix = rng.pick(SUFFIXES);
  const shortTown = p.town.replace(/街道|镇$/, '');
  switch (rng.int(0, 5)) {
    case 0:
      return `${p.city}市${p.district}${p.town}${p.place}${no}号${suffix}`;
    case 1:
      return `${p.town}${p.place}${no}号${suffix}`;
    case 2:
      return `${p.province}${p.city}市${p.district}${p.town}${p.place}${no}号${suffix}`;
    case 3:
      return `${p.city}市 ${p.district} ${p.town} ${p.place} ${no}号 ${suffix}`.trim();
    case 4:
      return `${p.city}${p.district.replace(/区$/, '')}${shortTown}${p.place}${no}号${suffix}`;
    default:
      return `${p.district}${p.town}${p.place}  ${no} 号${suffix}`;
  }
}
