/**
 * The accounts of the case as a network drawn in vectors: accounts on a
 * circle (size by parcels, colour by seller network, labelled with shop
 * name and seller id), and each identifier two or more of them share as a
 * small square inside, joined to those accounts and labelled with its kind.
 */
import type { CaseFile } from '../types.ts';
import { COLOR, FONT, BOLD, type Box, type Doc } from './pdf-layout.ts';

const NETWORK_COLORS = ['#b42318', '#1f6fd0', '#0e8a5f', '#b5630f', '#6941c6', '#c11574', '#3e7b8c', '#7a5c2e'];
const KIND_COLORS: Record<string, string> = {
  phone_hash: '#b5630f',
  sender_phone_hash: '#b5630f',
  device_id: '#6941c6',
  bank_hash: '#0e8a5f',
  id_hash: '#c11574',
  return_address: '#3e7b8c',
  sender_address: '#3e7b8c',
  ship_place: '#7a5c2e',
};

/** Room kept around the circle for the account labels. */
const LABEL_ROOM = 74;
/** How far apart identifier squares must sit so that their labels do not overlap. */
const IDENT_GAP_X = 110;
const IDENT_GAP_Y = 24;

interface Pt {
  x: number;
  y: number;
}

/** Short form of an identifier value for a label: hashes cut to 8 characters. */
export function shortValue(value: string): string {
  return [...value].length > 12 ? `${[...value].slice(0, 8).join('')}…` : value;
}

export function drawNetwork(doc: Doc, box: Box, file: CaseFile): void {
  const { accounts, identifiers } = file.detail;
  doc.save();
  doc.rect(box.x, box.y, box.w, box.h).fillColor('#fbfbfc').fill();
  doc.rect(box.x, box.y, box.w, box.h).lineWidth(0.5).strokeColor(COLOR.rule).stroke();
  if (accounts.length === 0) {
    doc.font(FONT).fontSize(9).fillColor(COLOR.muted).text('No linked accounts in this case file.', box.x, box.y + box.h / 2 - 5, { width: box.w, align: 'center' });
    doc.restore();
    return;
  }

  const centre = { x: box.x + box.w / 2, y: box.y + box.h / 2 };
  const radius = Math.max(30, Math.min(box.w / 2 - LABEL_ROOM - 30, box.h / 2 - 40));
  const pos = new Map<string, Pt & { angle: number }>();
  accounts.forEach((a, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / accounts.length;
    pos.set(a.seller_id, { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle), angle });
  });

  // Identifiers at the centroid of their accounts, pulled inward, then pushed apart where they crowd.
  const shared = identifiers
    .map((ident) => ({ ident, members: ident.seller_ids.filter((s) => pos.has(s)) }))
    .filter((x) => x.members.length >= 2);
  const identPos: Pt[] = shared.map(({ members }) => {
    const mx = members.reduce((s, m) => s + pos.get(m)!.x, 0) / members.length;
    const my = members.reduce((s, m) => s + pos.get(m)!.y, 0) / members.length;
    return { x: centre.x + (mx - centre.x) * 0.62, y: centre.y + (my - centre.y) * 0.62 };
  });
  spreadApart(identPos, IDENT_GAP_X, IDENT_GAP_Y);

  shared.forEach(({ ident, members }, i) => {
    const color = KIND_COLORS[ident.kind] ?? COLOR.muted;
    for (const m of members) {
      const p = pos.get(m)!;
      doc.moveTo(identPos[i].x, identPos[i].y).lineTo(p.x, p.y).lineWidth(1).strokeColor(color).strokeOpacity(0.75).stroke();
    }
  });
  doc.strokeOpacity(1);

  const maxParcels = Math.max(1, ...accounts.map((a) => a.parcels));
  const networks = [...new Set(accounts.map((a) => a.network_id))];
  for (const a of accounts) {
    const p = pos.get(a.seller_id)!;
    const r = 5 + 7 * Math.sqrt(a.parcels / maxParcels);
    const color = NETWORK_COLORS[networks.indexOf(a.network_id) % NETWORK_COLORS.length];
    doc.circle(p.x, p.y, r).fillColor(color).fill();
    doc.circle(p.x, p.y, r).lineWidth(1).strokeColor('#ffffff').stroke();
    labelAccount(doc, p, r, a.shop_name ?? '(no shop name)', `${a.seller_id} · score ${a.score.toFixed(2)}`);
  }

  shared.forEach(({ ident }, i) => {
    const p = identPos[i];
    const color = KIND_COLORS[ident.kind] ?? COLOR.muted;
    doc.rect(p.x - 3.5, p.y - 3.5, 7, 7).fillColor(color).fill();
    doc.rect(p.x - 3.5, p.y - 3.5, 7, 7).lineWidth(0.8).strokeColor('#ffffff').stroke();
    const text = `${ident.kind} ${shortValue(ident.value)}`;
    doc.font(FONT).fontSize(6.2);
    const w = doc.widthOfString(text);
    doc.rect(p.x - w / 2 - 1.5, p.y + 5, w + 3, 8.5).fillOpacity(0.85).fillColor('#ffffff').fill();
    doc.fillOpacity(1).fillColor(color).text(text, p.x - w / 2, p.y + 5.5, { lineBreak: false });
  });

  // Legend of networks, top left.
  let y = box.y + 8;
  doc.font(FONT).fontSize(7);
  networks.forEach((n, i) => {
    doc.circle(box.x + 12, y + 3.5, 3.5).fillColor(NETWORK_COLORS[i % NETWORK_COLORS.length]).fill();
    doc.fillColor(COLOR.ink).text(`network ${n}`, box.x + 20, y, { lineBreak: false });
    y += 11;
  });
  doc.restore();
}

/** Two lines beside an account node, on the side away from the centre. */
function labelAccount(doc: Doc, p: Pt & { angle: number }, r: number, line1: string, line2: string): void {
  const cos = Math.cos(p.angle);
  const sin = Math.sin(p.angle);
  const w = LABEL_ROOM + 24;
  const gap = r + 4;
  const align = cos > 0.3 ? 'left' : cos < -0.3 ? 'right' : 'center';
  const x = align === 'left' ? p.x + gap : align === 'right' ? p.x - gap - w : p.x - w / 2;
  const y = align === 'center' ? (sin < 0 ? p.y - gap - 19 : p.y + gap) : p.y - 9;
  doc.font(BOLD).fontSize(7.5).fillColor(COLOR.ink).text(line1, x, y, { width: w, align, lineBreak: false, ellipsis: true, height: 10 });
  doc.font(FONT).fontSize(6.5).fillColor(COLOR.muted).text(line2, x, y + 10, { width: w, align, lineBreak: false });
}

/**
 * Moves identifier squares whose labels (about `gapX` wide, `gapY` tall)
 * would overlap apart vertically, a few rounds; labels stacked one above
 * the other stay readable where a sideways push would run into the accounts.
 */
function spreadApart(points: Pt[], gapX: number, gapY: number): void {
  for (let round = 0; round < 60; round++) {
    let moved = false;
    for (let i = 0; i < points.length; i++) {
      for (let j = i + 1; j < points.length; j++) {
        const dx = points[j].x - points[i].x;
        const dy = points[j].y - points[i].y;
        if (Math.abs(dx) >= gapX || Math.abs(dy) >= gapY) continue;
        // Equal heights: the later one goes down, so the result does not depend on rounding.
        const dir = dy >= 0 ? 1 : -1;
        const push = (gapY - Math.abs(dy)) / 2 + 0.01;
        points[i].y -= dir * push;
        points[j].y += dir * push;
        moved = true;
      }
    }
    if (!moved) return;
  }
}
