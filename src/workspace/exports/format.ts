/** How the case file writes times, numbers and money for a reader: local time with its offset, grouped digits. */
import { isoLocal } from '../../time.ts';

/** `2026-03-01 23:14:05 +08:00`: an instant in the dataset's time zone, offset shown so no one has to guess. */
export function localTime(iso: string, timeZone: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const s = isoLocal(t, timeZone);
  return `${s.slice(0, 10)} ${s.slice(11, 19)} ${s.slice(19)}`;
}

/** `2026-03-01 23:14`: the same without seconds and offset, for tight table cells. */
export function localMinute(iso: string, timeZone: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const s = isoLocal(t, timeZone);
  return `${s.slice(0, 10)} ${s.slice(11, 16)}`;
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12,345 */
export const count = (n: number): string => grouped.format(n);

/** 0.873 -> `87%` */
export const percent = (share: number): string => `${Math.round(share * 100)}%`;

/** 1234.5 with `CNY` -> `CNY 1,234.50` */
export function money(amount: number, currency: string): string {
  return `${currency} ${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A 1, 2 or 5 times a power of ten near `approx`: for grid steps, scale bars and axis ticks. */
export function niceStep(approx: number): number {
  if (!(approx > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(approx));
  const f = approx / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}
