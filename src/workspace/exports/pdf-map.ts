/**
 * The site map of the case file, drawn as vectors in a local equirectangular
 * projection around the lead (no tiles: nothing is fetched, and a printed
 * file does not depend on a map service). It shows the lead with its radius,
 * the courier handover points sized by parcels, the site's positions in
 * earlier runs joined in order, the raid location when there was one, a
 * metre grid, a scale bar and a north arrow.
 */
import type { CaseFile } from '../types.ts';
import { count, niceStep } from './format.ts';
import { COLOR, FONT, BOLD, type Box, type Doc } from './pdf-layout.ts';
import { localProjection } from './projection.ts';

/** The smallest span shown, so that a lead of radius 0 still gets a readable map. */
const MIN_SPAN_M = 300;
const PAD = 0.14;

interface Pt {
  x: number;
  y: number;
}

export function drawSiteMap(doc: Doc, box: Box, file: CaseFile): void {
  const { lead } = file;
  const proj = localProjection(lead.lat, lead.lng);
  const handovers = file.detail.handover_points.map((h) => ({ ...proj.toMetres(h.lat, h.lng), parcels: h.parcels }));
  const history = file.site_history.map((s) => ({ ...proj.toMetres(s.lat, s.lng), s }));
  const outcome = file.case.outcome;
  const raid = outcome && outcome.lat !== null && outcome.lng !== null ? proj.toMetres(outcome.lat, outcome.lng) : null;

  // The extent in metres: the radius circle and every point, padded, centred in the box at one scale for x and y.
  const all: Pt[] = [{ x: -lead.radius_m, y: -lead.radius_m }, { x: lead.radius_m, y: lead.radius_m }, ...handovers, ...history, ...(raid ? [raid] : [])];
  const minX = Math.min(...all.map((p) => p.x));
  const maxX = Math.max(...all.map((p) => p.x));
  const minY = Math.min(...all.map((p) => p.y));
  const maxY = Math.max(...all.map((p) => p.y));
  const spanX = Math.max(maxX - minX, MIN_SPAN_M) * (1 + 2 * PAD);
  const spanY = Math.max(maxY - minY, MIN_SPAN_M) * (1 + 2 * PAD);
  const scale = Math.min(box.w / spanX, box.h / spanY); // points per metre
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const at = (p: Pt): Pt => ({ x: box.x + box.w / 2 + (p.x - cx) * scale, y: box.y + box.h / 2 - (p.y - cy) * scale });

  doc.save();
  doc.rect(box.x, box.y, box.w, box.h).fillColor('#f7f8fa').fill();
  doc.rect(box.x, box.y, box.w, box.h).clip();

  // Grid every `step` metres, anchored on the lead.
  const step = niceStep(box.w / scale / 6);
  doc.lineWidth(0.35).strokeColor('#dfe3e8');
  const west = cx - box.w / 2 / scale;
  const east = cx + box.w / 2 / scale;
  const south = cy - box.h / 2 / scale;
  const north = cy + box.h / 2 / scale;
  for (let x = Math.ceil(west / step) * step; x <= east; x += step) {
    const p = at({ x, y: 0 });
    doc.moveTo(p.x, box.y).lineTo(p.x, box.y + box.h).stroke();
  }
  for (let y = Math.ceil(south / step) * step; y <= north; y += step) {
    const p = at({ x: 0, y });
    doc.moveTo(box.x, p.y).lineTo(box.x + box.w, p.y).stroke();
  }

  // Radius circle.
  const c = at({ x: 0, y: 0 });
  const r = Math.max(lead.radius_m * scale, 1);
  doc.circle(c.x, c.y, r).fillOpacity(0.07).fillColor(COLOR.accent).fill();
  doc.fillOpacity(1);
  doc.circle(c.x, c.y, r).lineWidth(1).dash(4, { space: 3 }).strokeColor(COLOR.accent).stroke();
  doc.undash();

  // Handover points: area proportional to parcels.
  doc.font(FONT).fontSize(6.5);
  const maxParcels = Math.max(1, ...handovers.map((h) => h.parcels));
  handovers.forEach((h, i) => {
    const p = at(h);
    const rr = 2 + 8 * Math.sqrt(h.parcels / maxParcels);
    doc.circle(p.x, p.y, rr).fillOpacity(0.55).fillColor(COLOR.blue).fill();
    doc.fillOpacity(1);
    doc.circle(p.x, p.y, rr).lineWidth(0.6).strokeColor('#164f96').stroke();
    if (i < 5) doc.fillColor('#164f96').text(count(h.parcels), p.x + rr + 2, p.y - 3, { lineBreak: false });
  });

  // Earlier positions, oldest first, joined in order; over the handover points so that their labels stay readable.
  if (history.length >= 2) {
    const pts = history.map(at);
    doc.moveTo(pts[0].x, pts[0].y);
    for (const p of pts.slice(1)) doc.lineTo(p.x, p.y);
    doc.lineWidth(1.1).strokeColor('#6b7480').dash(3, { space: 2 }).stroke();
    doc.undash();
  }
  history.forEach((h, i) => {
    const p = at(h);
    doc.circle(p.x, p.y, 3.2).fillColor('#ffffff').fill();
    doc.circle(p.x, p.y, 3.2).lineWidth(1).strokeColor('#6b7480').stroke();
    // The lead's own run is named in the lead's label instead.
    if (h.s.lead_id === lead.lead_id) return;
    haloText(doc, `${i + 1}. ${h.s.run_label}: ${h.s.lead_id}`, p.x - 5, p.y - 10, '#4a525c', 'right');
  });

  if (raid) {
    const p = at(raid);
    doc.moveTo(p.x - 5, p.y - 5).lineTo(p.x + 5, p.y + 5).moveTo(p.x - 5, p.y + 5).lineTo(p.x + 5, p.y - 5).lineWidth(2).strokeColor('#000000').stroke();
    doc.fillColor('#000000').text('raid', p.x + 7, p.y - 3, { lineBreak: false });
  }

  // The lead last, on top.
  doc.circle(c.x, c.y, 4.5).fillColor(COLOR.accent).fill();
  doc.circle(c.x, c.y, 4.5).lineWidth(1.2).strokeColor('#ffffff').stroke();
  const own = file.site_history.findIndex((s) => s.lead_id === lead.lead_id);
  const leadLabel = own >= 0 ? `${lead.lead_id} (${own + 1}. ${file.site_history[own].run_label})` : lead.lead_id;
  doc.font(BOLD).fontSize(8);
  haloText(doc, leadLabel, c.x + 7, c.y + 4, COLOR.accent, 'left');

  drawScaleBar(doc, box, scale);
  drawNorthArrow(doc, box);
  doc.restore();
  doc.rect(box.x, box.y, box.w, box.h).lineWidth(0.7).strokeColor(COLOR.muted).stroke();
  drawLegend(doc, { x: box.x, y: box.y + box.h + 5, w: box.w, h: 12 }, step, file);
}

/** A label on a white backing, so that it stays readable over grid lines and symbols; `right` ends it at x. */
function haloText(doc: Doc, text: string, x: number, y: number, color: string, align: 'left' | 'right'): void {
  const w = doc.widthOfString(text);
  const h = doc.currentLineHeight();
  const left = align === 'left' ? x : x - w;
  doc.rect(left - 1.5, y - 0.5, w + 3, h + 1).fillOpacity(0.85).fillColor('#ffffff').fill();
  doc.fillOpacity(1).fillColor(color).text(text, left, y, { lineBreak: false });
}

/** A bar of round length, about a quarter of the map wide, in alternating black and white halves. */
function drawScaleBar(doc: Doc, box: Box, scale: number): void {
  const metres = niceStep(box.w / 4 / scale);
  const len = metres * scale;
  const x = box.x + 12;
  const y = box.y + box.h - 16;
  doc.rect(x - 4, y - 11, len + 30, 22).fillOpacity(0.8).fillColor('#ffffff').fill();
  doc.fillOpacity(1);
  doc.rect(x, y, len / 2, 4).fillColor('#000000').fill();
  doc.rect(x + len / 2, y, len / 2, 4).fillColor('#ffffff').fill();
  doc.rect(x, y, len, 4).lineWidth(0.6).strokeColor('#000000').stroke();
  const label = metres >= 1000 ? `${metres / 1000} km` : `${metres} m`;
  doc.font(FONT).fontSize(6.5).fillColor('#000000');
  doc.text('0', x - 2, y - 9, { lineBreak: false });
  doc.text(label, x + len - 4, y - 9, { lineBreak: false });
}

function drawNorthArrow(doc: Doc, box: Box): void {
  const x = box.x + box.w - 18;
  const y = box.y + 12;
  doc.polygon([x, y], [x + 6, y + 18], [x, y + 14]).fillColor('#000000').fill();
  doc.polygon([x, y], [x - 6, y + 18], [x, y + 14]).fillColor('#ffffff').fill();
  doc.polygon([x, y], [x + 6, y + 18], [x, y + 14], [x - 6, y + 18]).lineWidth(0.6).strokeColor('#000000').stroke();
  doc.font(BOLD).fontSize(8).fillColor('#000000').text('N', x - 3, y + 19, { lineBreak: false });
}

function drawLegend(doc: Doc, at: Box, gridM: number, file: CaseFile): void {
  const { lead } = file;
  let x = at.x;
  const y = at.y + 4;
  const item = (draw: () => void, text: string) => {
    draw();
    doc.font(FONT).fontSize(7).fillColor(COLOR.ink).text(text, x + 10, y - 3.5, { lineBreak: false });
    x += 10 + doc.widthOfString(text) + 14;
  };
  item(() => doc.circle(x + 4, y, 3.5).fillColor(COLOR.accent).fill(), `lead ${lead.lead_id}`);
  item(() => doc.circle(x + 4, y, 3.5).lineWidth(1).dash(2, { space: 1.5 }).strokeColor(COLOR.accent).stroke().undash(), `radius ${count(lead.radius_m)} m`);
  item(() => doc.circle(x + 4, y, 3.5).fillColor(COLOR.blue).fill(), 'handover point (size = parcels)');
  if (file.site_history.length > 0) {
    item(() => doc.circle(x + 4, y, 3).lineWidth(1).strokeColor('#6b7480').stroke(), 'site in earlier runs, in order');
  }
  doc.font(FONT).fontSize(6.5).fillColor(COLOR.muted).text(
    `Local equirectangular projection centred on ${lead.lat.toFixed(5)}, ${lead.lng.toFixed(5)} (WGS84 lat, lng); grid every ${count(gridM)} m; north up.`,
    at.x,
    at.y + 12,
    { width: at.w },
  );
}
