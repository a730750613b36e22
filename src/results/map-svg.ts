/**
 * A static SVG map of one run: parcels as faint dots (night pickups darker),
 * leads as rings of their radius_m with their rank, and, when a ground truth
 * is given, the true sites as crosses. Self-contained: no tiles, fonts or
 * scripts from outside, so it opens anywhere and can sit in the README.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Database } from '../engine/database.ts';
import type { Lead } from '../stages/leads/leads.ts';

export interface MapOptions {
  dbPath: string;
  leads: readonly Lead[];
  truthDir?: string;
  /** Leads drawn (the first n by rank). */
  top?: number;
  /** Parcels sampled for the background. */
  sample?: number;
}

const SIZE = 900;
const M_PER_DEG = 111_320;

export async function writeMapSvg(path: string, options: MapOptions): Promise<void> {
  const db = await Database.open(options.dbPath);
  let points: Array<{ lat: number; lng: number; night: boolean }>;
  try {
    points = await db.all(
      `SELECT lat, lng, night FROM pickup_points WHERE quality = 1 USING SAMPLE reservoir(${options.sample ?? 20_000} ROWS) REPEATABLE (7)`,
    );
  } finally {
    db.close();
  }
  const sites = options.truthDir && existsSync(join(options.truthDir, 'sites.csv'))
    ? (parse(readFileSync(join(options.truthDir, 'sites.csv')), { columns: true }) as Array<{ lat: string; lng: string; status: string }>)
    : [];
  const leads = options.leads.slice(0, options.top ?? 40);

  // Frame: the 1st-99th percentile box of the parcels, so a few stray fixes do not shrink the city.
  const q = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))] ?? 0;
  const lats = points.map((p) => p.lat);
  const lngs = points.map((p) => p.lng);
  const [lat0, lat1, lng0, lng1] = [q(lats, 0.01), q(lats, 0.99), q(lngs, 0.01), q(lngs, 0.99)];
  const kx = Math.cos(((lat0 + lat1) / 2) * (Math.PI / 180));
  const spanM = Math.max((lat1 - lat0) * M_PER_DEG, (lng1 - lng0) * M_PER_DEG * kx, 1);
  const scale = (SIZE - 40) / spanM;
  const X = (lng: number) => 20 + (lng - lng0) * M_PER_DEG * kx * scale;
  const Y = (lat: number) => SIZE - 20 - (lat - lat0) * M_PER_DEG * scale;
  const f = (n: number) => n.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE + 40}" viewBox="0 0 ${SIZE} ${SIZE + 40}" font-family="sans-serif">`);
  out.push(`<rect width="100%" height="100%" fill="#fbfaf7"/>`);
  out.push(`<g>`);
  for (const p of points) {
    out.push(`<circle cx="${f(X(p.lng))}" cy="${f(Y(p.lat))}" r="0.9" fill="${p.night ? '#4a5d8a' : '#b9b9b0'}" fill-opacity="${p.night ? 0.5 : 0.35}"/>`);
  }
  out.push(`</g><g>`);
  for (const s of sites) {
    const x = X(Number(s.lng));
    const y = Y(Number(s.lat));
    out.push(`<path d="M${f(x - 5)},${f(y - 5)}L${f(x + 5)},${f(y + 5)}M${f(x - 5)},${f(y + 5)}L${f(x + 5)},${f(y - 5)}" stroke="#111" stroke-width="1.6"/>`);
  }
  out.push(`</g><g>`);
  for (const l of [...leads].reverse()) {
    const x = X(l.lng);
    const y = Y(l.lat);
    const r = Math.max(4, l.radius_m * scale);
    const colour = l.status === 'active' ? '#d7301f' : l.status === 'moved' ? '#e6850e' : '#8c6bb1';
    out.push(`<circle cx="${f(x)}" cy="${f(y)}" r="${f(r)}" fill="${colour}" fill-opacity="0.18" stroke="${colour}" stroke-width="1.5"/>`);
    out.push(`<text x="${f(x + r + 2)}" y="${f(y - 2)}" font-size="11" fill="${colour}">${l.rank}</text>`);
  }
  out.push(`</g>`);
  const scaleBarM = 1000;
  out.push(`<line x1="20" y1="${SIZE + 15}" x2="${f(20 + scaleBarM * scale)}" y2="${SIZE + 15}" stroke="#333" stroke-width="2"/>`);
  out.push(`<text x="20" y="${SIZE + 32}" font-size="12" fill="#333">1 km</text>`);
  out.push(
    `<text x="${SIZE - 20}" y="${SIZE + 32}" font-size="12" fill="#333" text-anchor="end">` +
      `dots: parcels (blue = 22:00-06:00) · rings: leads with radius_m (red active, orange moved, purple dormant)` +
      (sites.length ? ' · ×: true sites' : '') +
      `</text>`,
  );
  out.push(`</svg>`);
  writeFileSync(path, out.join('\n') + '\n');
}
