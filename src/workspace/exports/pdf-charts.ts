/**
 * Bar charts drawn as PDF vectors: the lead's parcels by day (every day
 * between the first and last shown, quiet days as gaps) and by hour of day
 * (night hours, 22:00-06:00 as the results contract counts them, darker).
 */
import type { LeadDetail } from '../types.ts';
import { count, niceStep } from './format.ts';
import { COLOR, FONT, type Box, type Doc } from './pdf-layout.ts';

interface Bars {
  values: readonly number[];
  /** The axis label under bar i, or null for none. */
  label: (i: number) => string | null;
  color: (i: number) => string;
  /** Says what is missing when every value is 0. */
  empty: string;
}

const AXIS_W = 34;
const LABEL_H = 14;

/** Bars with a y axis of round ticks and light grid lines, in `box`. */
export function drawBars(doc: Doc, box: Box, bars: Bars): void {
  const plot = { x: box.x + AXIS_W, y: box.y + 4, w: box.w - AXIS_W, h: box.h - LABEL_H - 4 };
  const max = Math.max(0, ...bars.values);
  doc.save();
  if (max === 0) {
    doc.rect(plot.x, plot.y, plot.w, plot.h).lineWidth(0.5).strokeColor(COLOR.rule).stroke();
    doc.font(FONT).fontSize(8.5).fillColor(COLOR.muted).text(bars.empty, plot.x, plot.y + plot.h / 2 - 5, { width: plot.w, align: 'center' });
    doc.restore();
    return;
  }
  const step = niceStep(max / 4);
  const top = Math.ceil(max / step) * step;
  const yOf = (v: number) => plot.y + plot.h - (v / top) * plot.h;

  doc.font(FONT).fontSize(6.5);
  for (let v = 0; v <= top + step / 2; v += step) {
    const y = yOf(v);
    doc.moveTo(plot.x, y).lineTo(plot.x + plot.w, y).lineWidth(0.4).strokeColor(v === 0 ? COLOR.muted : COLOR.rule).stroke();
    doc.fillColor(COLOR.muted).text(count(v), box.x, y - 3.5, { width: AXIS_W - 4, align: 'right', lineBreak: false });
  }

  const slot = plot.w / bars.values.length;
  const barW = Math.max(0.8, slot * 0.78);
  bars.values.forEach((v, i) => {
    const x = plot.x + i * slot + (slot - barW) / 2;
    if (v > 0) doc.rect(x, yOf(v), barW, yOf(0) - yOf(v)).fillColor(bars.color(i)).fill();
    const label = bars.label(i);
    if (label !== null) {
      doc.fillColor(COLOR.muted).text(label, plot.x + i * slot + slot / 2 - 20, plot.y + plot.h + 3, { width: 40, align: 'center', lineBreak: false });
    }
  });
  doc.restore();
}

/** Every date from the first to the last in the list, those missing with 0 parcels. */
export function continuousDays(byDay: LeadDetail['parcels_by_day']): { date: string; parcels: number }[] {
  if (byDay.length === 0) return [];
  const known = new Map(byDay.map((d) => [d.date, d.parcels]));
  const dates = [...known.keys()].sort();
  const out: { date: string; parcels: number }[] = [];
  // Calendar dates stepped in UTC: no daylight-saving day is 23 or 25 hours long there.
  for (let t = Date.parse(`${dates[0]}T00:00:00Z`), end = Date.parse(`${dates[dates.length - 1]}T00:00:00Z`); t <= end; t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    out.push({ date, parcels: known.get(date) ?? 0 });
  }
  return out;
}

export function drawParcelsByDay(doc: Doc, box: Box, byDay: LeadDetail['parcels_by_day']): void {
  const days = continuousDays(byDay);
  const every = Math.max(1, Math.ceil(days.length / 8));
  drawBars(doc, box, {
    values: days.map((d) => d.parcels),
    label: (i) => (i % every === 0 ? days[i].date.slice(5) : null),
    color: () => COLOR.blue,
    empty: 'No parcels by day kept for this run.',
  });
}

/** Night as the results contract counts it: 22:00 to 06:00 local time. */
export const isNightHour = (h: number): boolean => h >= 22 || h < 6;

export function drawParcelsByHour(doc: Doc, box: Box, byHour: readonly number[]): void {
  const hours = Array.from({ length: 24 }, (_, h) => byHour[h] ?? 0);
  drawBars(doc, box, {
    values: hours,
    label: (h) => (h % 3 === 0 ? String(h).padStart(2, '0') : null),
    color: (h) => (isNightHour(h) ? COLOR.night : COLOR.day),
    empty: 'No parcels by hour kept for this run.',
  });
}
