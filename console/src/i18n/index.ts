/**
 * Chinese and English, switchable at any time and remembered in the
 * browser. Dates and times are shown in the dataset's time zone (the run's
 * `timezone`, from the session), never the viewer's, so an analyst abroad
 * reads the same night hours as the officers on the ground.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { en, type Key } from './en.ts';
import { zh } from './zh.ts';

export type Lang = 'en' | 'zh';
export type { Key };
const DICTS: Record<Lang, Record<Key, string>> = { en, zh };
const STORE_KEY = 'dragnet.lang';

export function initialLang(): Lang {
  const saved = localStorage.getItem(STORE_KEY);
  if (saved === 'en' || saved === 'zh') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function saveLang(lang: Lang): void {
  localStorage.setItem(STORE_KEY, lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

export interface I18n {
  lang: Lang;
  /** The dataset's time zone (IANA). */
  tz: string;
  currency: string | null;
  t: (key: Key, vars?: Record<string, string | number>) => string;
  /** A translated word for a value from the API (a state, a status, a role), or the value itself when there is none. */
  term: (group: 'state' | 'status' | 'role' | 'aoi' | 'kind' | 'result' | 'category' | 'event' | 'transition' | 'after', value: string) => string;
  /** A date-time in the dataset's time zone: 2026-03-06 00:57. */
  dateTime: (iso: string | null | undefined) => string;
  /** A calendar date in the dataset's time zone. */
  date: (iso: string | null | undefined) => string;
  num: (n: number | null | undefined, digits?: number) => string;
  money: (n: number | null | undefined) => string;
  pct: (x: number | null | undefined) => string;
  setLang: (lang: Lang) => void;
}

export function makeI18n(lang: Lang, tz: string, currency: string | null, setLang: (l: Lang) => void): I18n {
  const dict = DICTS[lang];
  const locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
  const t = (key: Key, vars?: Record<string, string | number>) => {
    const s = dict[key] ?? en[key] ?? key;
    return vars ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : s;
  };
  // One formatter per kind: sv-SE writes ISO-like 2026-03-06 00:57 in any time zone, which reads the same in both languages.
  const dt = safeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const d = safeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
  const nf = new Map<number, Intl.NumberFormat>();
  const num = (n: number | null | undefined, digits = 0) => {
    if (n === null || n === undefined || Number.isNaN(n)) return '–';
    let f = nf.get(digits);
    if (!f) nf.set(digits, (f = new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits })));
    return f.format(n);
  };
  const moneyFmt = currency ? new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 }) : null;
  return {
    lang,
    tz,
    currency,
    t,
    term: (group, value) => {
      const key = `${group}.${value}` as Key;
      return key in dict ? dict[key] : value;
    },
    dateTime: (iso) => (iso ? format(dt, iso) : '–'),
    date: (iso) => (iso ? (/^\d{4}-\d{2}-\d{2}$/.test(iso) ? iso : format(d, iso)) : '–'),
    num,
    money: (n) => (n === null || n === undefined ? '–' : moneyFmt ? moneyFmt.format(n) : num(n)),
    pct: (x) => (x === null || x === undefined ? '–' : `${num(x * 100, 0)}%`),
    setLang,
  };
}

function safeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat(locale, options);
  } catch {
    // An unknown zone name in the data: UTC, rather than no page.
    return new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' });
  }
}

function format(f: Intl.DateTimeFormat, iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : f.format(t);
}

export const I18nContext = createContext<I18n>(makeI18n('en', 'UTC', null, () => undefined));
export const useI18n = () => useContext(I18nContext);
