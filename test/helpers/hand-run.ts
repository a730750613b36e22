/**
 * A run's output written by hand: run.json and leads.geojson in the results
 * contract, no database, so that a test decides every lead's place, status,
 * accounts and successor. `registerRun` reads it like any finished run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LeadRecord } from '../../src/workspace/types.ts';

export type HandLead = Omit<LeadRecord, 'run_id'>;

/** A lead with plausible defaults; `over` sets what the test cares about. */
export function handLead(over: Partial<HandLead> & Pick<HandLead, 'lead_id' | 'lat' | 'lng'>): HandLead {
  return {
    rank: 1,
    score: 0.8,
    radius_m: 40,
    seller_ids: [],
    network_ids: [],
    waybills: 120,
    night_share: 0.7,
    first_seen: '2026-01-01T10:00:00+08:00',
    last_seen: '2026-02-01T02:00:00+08:00',
    status: 'active',
    successor_lead_id: null,
    brands: ['Nike'],
    categories: ['shoes'],
    est_value: 10_000,
    evidence: ['night pickups'],
    ...over,
  };
}

/** Writes OUT/run.json and OUT/leads.geojson (ranks in the order given); returns OUT. */
export function writeHandRun(out: string, leads: HandLead[], runJson: Record<string, unknown> = {}): string {
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'run.json'),
    JSON.stringify({ dataset_name: 'hand-made', method: 'dragnet', started_at: '2026-03-01T00:00:00Z', timezone: 'Asia/Shanghai', currency: 'CNY', database: null, ...runJson }),
  );
  const features = leads.map((l, i) => {
    const { lat, lng, ...props } = l;
    return { type: 'Feature', geometry: { type: 'Point', coordinates: [lng, lat] }, properties: { ...props, rank: i + 1 } };
  });
  writeFileSync(join(out, 'leads.geojson'), JSON.stringify({ type: 'FeatureCollection', features }));
  return out;
}

/** A point `metres` east of (lat, lng). */
export function east(lat: number, lng: number, metres: number): { lat: number; lng: number } {
  return { lat, lng: lng + metres / (111_320 * Math.cos((lat * Math.PI) / 180)) };
}

/** A CSV file's text: header then rows, cells quoted where they must be. */
export function csv(header: string[], rows: (string | number | null)[][]): string {
  const q = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(q).join(',')).join('\n') + '\n';
}

/** The impact/ files of the results contract (section impact/), each as header and rows; a file not given is not written. */
export interface HandImpact {
  deterrence?: [outcome_id: string, lead_id: string, distance_m: number, before: number, after: number, paused_days: number, status_after: string][];
  resurfacings?: [from: string, to: string, network_id: string, quiet_from: string, resumed_at: string, distance_m: number, evidence: string][];
  candidates?: [seller_id: string, factory_id: string, score: number, evidence: string][];
  turnover?: [belt_id: string, date: string, category: string, turnover: number, orders: number][];
  /** The optional capacity_at_risk.csv (not in the contract; see src/workspace/impact-files.ts). */
  capacity?: [factory_id: string, seller_id: string, lead_id: string, network_id: string, link: string, evidence: string][];
}

export const IMPACT_HEADERS = {
  deterrence: ['outcome_id', 'lead_id', 'distance_m', 'parcels_per_day_before', 'parcels_per_day_after', 'paused_days', 'status_after'],
  resurfacings: ['from_lead_id', 'to_lead_id', 'network_id', 'quiet_from', 'resumed_at', 'distance_m', 'evidence'],
  candidates: ['seller_id', 'factory_id', 'score', 'evidence'],
  turnover: ['belt_id', 'date', 'category', 'turnover', 'orders'],
  capacity: ['factory_id', 'seller_id', 'lead_id', 'network_id', 'link', 'evidence'],
} as const;

const IMPACT_NAMES = { deterrence: 'deterrence.csv', resurfacings: 'resurfacings.csv', candidates: 'candidates.csv', turnover: 'turnover.csv', capacity: 'capacity_at_risk.csv' };

/** Writes OUT/impact/*.csv as a run would (by hand: the test decides every row). */
export function writeHandImpact(out: string, impact: HandImpact): void {
  mkdirSync(join(out, 'impact'), { recursive: true });
  for (const [k, rows] of Object.entries(impact) as [keyof HandImpact, (string | number)[][]][]) {
    writeFileSync(join(out, 'impact', IMPACT_NAMES[k]), csv([...IMPACT_HEADERS[k]], rows));
  }
}

export interface HandProgramme {
  belts?: { belt_id: string; name: string; city?: string; province?: string; categories?: string[]; lat?: number; lng?: number }[];
  factories?: { factory_id: string; belt_id: string; name?: string; categories?: string[]; oem_brands?: string[]; capacity_per_month?: number; lat?: number; lng?: number; enrolled_at?: string | null }[];
  factory_accounts?: { factory_id: string; seller_id: string }[];
  outcomes?: { outcome_id: string; lat: number; lng: number; date: string; result: 'confirmed' | 'nothing_found'; seized_value?: number | null; arrests?: number | null }[];
}

/**
 * The run's database with only the dataset's programme tables and outcomes
 * (typed as ingest leaves them), so that registering the run reads them;
 * sets run.json's `database`. Lead details stay empty (no pickups).
 */
export async function writeHandDatabase(out: string, p: HandProgramme): Promise<string> {
  const { Database } = await import('../../src/engine/database.ts');
  const file = join(out, 'dragnet.duckdb');
  const db = await Database.open(file);
  const s = (v: string | null | undefined) => (v === null || v === undefined ? 'NULL' : `'${v.replace(/'/g, "''")}'`);
  const n = (v: number | null | undefined) => (v === null || v === undefined ? 'NULL' : String(v));
  const list = (v: string[] | undefined) => (v ? `[${v.map(s).join(', ')}]::VARCHAR[]` : 'NULL');
  try {
    await db.run(`CREATE TABLE belts (belt_id VARCHAR, name VARCHAR, city VARCHAR, province VARCHAR, categories VARCHAR[], aoi_ids VARCHAR[], lat DOUBLE, lng DOUBLE)`);
    await db.run(`CREATE TABLE factories (factory_id VARCHAR, belt_id VARCHAR, name VARCHAR, categories VARCHAR[], oem_brands VARCHAR[], capacity_per_month BIGINT, lat DOUBLE, lng DOUBLE, enrolled_at DATE)`);
    await db.run(`CREATE TABLE factory_accounts (factory_id VARCHAR, seller_id VARCHAR, since DATE)`);
    await db.run(`CREATE TABLE outcomes (outcome_id VARCHAR, lat DOUBLE, lng DOUBLE, date DATE, result VARCHAR, seized_value DOUBLE, arrests BIGINT, note VARCHAR)`);
    for (const b of p.belts ?? []) await db.run(`INSERT INTO belts VALUES (${s(b.belt_id)}, ${s(b.name)}, ${s(b.city)}, ${s(b.province)}, ${list(b.categories)}, NULL, ${n(b.lat)}, ${n(b.lng)})`);
    for (const f of p.factories ?? []) {
      await db.run(`INSERT INTO factories VALUES (${s(f.factory_id)}, ${s(f.belt_id)}, ${s(f.name)}, ${list(f.categories)}, ${list(f.oem_brands)}, ${n(f.capacity_per_month)}, ${n(f.lat)}, ${n(f.lng)}, ${f.enrolled_at ? `DATE ${s(f.enrolled_at)}` : 'NULL'})`);
    }
    for (const a of p.factory_accounts ?? []) await db.run(`INSERT INTO factory_accounts VALUES (${s(a.factory_id)}, ${s(a.seller_id)}, NULL)`);
    for (const o of p.outcomes ?? []) await db.run(`INSERT INTO outcomes VALUES (${s(o.outcome_id)}, ${o.lat}, ${o.lng}, DATE ${s(o.date)}, ${s(o.result)}, ${n(o.seized_value)}, ${n(o.arrests)}, NULL)`);
  } finally {
    db.close();
  }
  const runFile = join(out, 'run.json');
  writeFileSync(runFile, JSON.stringify({ ...JSON.parse(readFileSync(runFile, 'utf8')), database: file }));
  return file;
}
