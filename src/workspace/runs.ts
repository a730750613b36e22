/**
 * Registering an analysis run in the workspace: its run.json and
 * leads.geojson (the public record of the run, results contract) are read
 * and checked, each lead's detail (parcels by day and hour, handover points,
 * accounts, shared identifiers, listings) is computed from the run's
 * database when it kept one, and the open cases follow their sites into the
 * new run (cases.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LeadCollectionSchema, RESULT_FILES } from '../contract/results.ts';
import { Database } from '../engine/database.ts';
import { UserError } from '../errors.ts';
import { audit, type Actor } from './audit.ts';
import { followCases, type FollowReport } from './follow.ts';
import { flagResurfacings, readRunImpact, storeRunImpact, type FlaggedCase } from './impact-files.ts';
import { json, now, parseJson, type Workspace } from './store.ts';
import type { LeadDetail, LeadRecord } from './types.ts';

export interface RunRecord {
  run_id: number;
  out_dir: string;
  label: string;
  dataset_name: string | null;
  method: string | null;
  started_at: string | null;
  data_end: string | null;
  timezone: string;
  currency: string | null;
  leads: number;
  imported_at: string;
}

/** Handover points and listings kept per lead in its detail. */
const MAX_POINTS = 60;
const MAX_LISTINGS = 60;

interface RunJson {
  dataset_name?: string;
  method?: string;
  started_at?: string;
  timezone?: string;
  currency?: string;
  database?: string | null;
}

export interface RegisterReport {
  run: RunRecord;
  follow: FollowReport;
  /** Whether lead details came from the run's database. */
  detailed: boolean;
  /** Rows imported from OUT/impact/ and the run's programme tables and outcomes, by table. */
  impact: Record<string, number>;
  /** Cases whose operation resurfaced at a new site in this run (flagged, owner notified). */
  resurfaced: FlaggedCase[];
}

/** Reads OUT (a finished run) and registers it; returns the new run and what happened to open cases. */
export async function registerRun(ws: Workspace, actor: Actor, outDir: string, label?: string): Promise<RegisterReport> {
  const out = resolve(outDir);
  const runFile = join(out, RESULT_FILES.run);
  const leadsFile = join(out, RESULT_FILES.leads);
  for (const f of [runFile, leadsFile]) {
    if (!existsSync(f)) throw new UserError(`${out} is not the output of a finished run: ${f} is missing`);
  }
  let runJson: RunJson;
  let collection;
  try {
    runJson = JSON.parse(readFileSync(runFile, 'utf8')) as RunJson;
    collection = LeadCollectionSchema.parse(JSON.parse(readFileSync(leadsFile, 'utf8')));
  } catch (err) {
    throw new UserError(`${out}: run.json or leads.geojson does not follow the results contract: ${(err as Error).message.slice(0, 400)}`);
  }
  const timezone = runJson.timezone ?? 'UTC';
  const leads: LeadRecord[] = collection.features.map((f) => ({
    ...(f.properties as Omit<LeadRecord, 'run_id' | 'lat' | 'lng'>),
    first_seen: f.properties.first_seen ?? '',
    last_seen: f.properties.last_seen ?? '',
    run_id: 0,
    lng: f.geometry.coordinates[0],
    lat: f.geometry.coordinates[1],
  }));
  const dbFile = runJson.database && existsSync(runJson.database) ? runJson.database : existsSync(join(out, 'dragnet.duckdb')) ? join(out, 'dragnet.duckdb') : null;
  const details = dbFile ? await leadDetails(dbFile, timezone) : new Map<string, LeadDetail>();
  const impact = await readRunImpact(out, dbFile);
  const dataEnd = leads.reduce<string | null>((m, l) => (l.last_seen && (!m || l.last_seen > m) ? l.last_seen : m), null);

  return ws.tx(() => {
    const { lastInsertRowid } = ws.sql
      .prepare(
        `INSERT INTO runs (out_dir, label, dataset_name, method, started_at, data_end, timezone, currency, leads, run_json, imported_at)
         VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(out, runJson.dataset_name ?? null, runJson.method ?? null, runJson.started_at ?? null, dataEnd, timezone, runJson.currency ?? null, leads.length, json(runJson), now());
    const runId = Number(lastInsertRowid);
    ws.prepare(`UPDATE runs SET label = ? WHERE run_id = ?`).run(label ?? `run ${runId}${dataEnd ? ` (data to ${dataEnd.slice(0, 10)})` : ''}`, runId);
    const insert = ws.prepare(
      `INSERT INTO leads (run_id, lead_id, rank, score, lat, lng, radius_m, status, successor_lead_id, waybills, night_share,
         first_seen, last_seen, est_value, seller_ids, network_ids, brands, categories, evidence, item)
       VALUES (@run_id, @lead_id, @rank, @score, @lat, @lng, @radius_m, @status, @successor_lead_id, @waybills, @night_share,
         @first_seen, @last_seen, @est_value, @seller_ids, @network_ids, @brands, @categories, @evidence, @item)`,
    );
    const addDetail = ws.prepare(`INSERT INTO lead_details (run_id, lead_id, detail) VALUES (?, ?, ?)`);
    const brand = ws.prepare(`INSERT OR IGNORE INTO lead_brands (run_id, lead_id, brand) VALUES (?, ?, ?)`);
    for (const l of leads) {
      const detail = details.get(l.lead_id);
      insert.run({
        ...l,
        run_id: runId,
        seller_ids: json(l.seller_ids),
        network_ids: json(l.network_ids),
        brands: json(l.brands),
        categories: json(l.categories),
        evidence: json(l.evidence),
        // The lead as the API lists it, serialised once: a page of leads is then joined, not rebuilt.
        item: json({ ...l, run_id: runId }),
      });
      if (detail) addDetail.run(runId, l.lead_id, json(detail));
      for (const b of l.brands) brand.run(runId, l.lead_id, b);
    }
    const impactCounts = storeRunImpact(ws, runId, impact);
    const run = getRun(ws, runId)!;
    audit(ws, actor, { action: 'run.register', object_type: 'run', object_id: runId, detail: { out_dir: out, leads: leads.length, detailed: dbFile !== null, impact: impactCounts } });
    const follow = followCases(ws, actor, runId);
    const resurfaced = flagResurfacings(ws, actor, runId);
    return { run, follow, detailed: dbFile !== null, impact: impactCounts, resurfaced };
  });
}

/** A run's columns as RunRecord has them (run_json stays in the store). */
const RUN_COLUMNS = 'run_id, out_dir, label, dataset_name, method, started_at, data_end, timezone, currency, leads, imported_at';

export function getRun(ws: Workspace, runId: number): RunRecord | undefined {
  return ws.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_id = ?`).get(runId) as
    | RunRecord
    | undefined;
}

export function latestRun(ws: Workspace): RunRecord | undefined {
  const r = ws.prepare(`SELECT max(run_id) AS id FROM runs`).get() as { id: number | null };
  return r.id === null ? undefined : getRun(ws, r.id);
}

export function listRuns(ws: Workspace): RunRecord[] {
  return ws.prepare(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY run_id`).all() as RunRecord[];
}

export interface LeadRow {
  run_id: number;
  lead_id: string;
  rank: number;
  score: number;
  lat: number;
  lng: number;
  radius_m: number;
  status: LeadRecord['status'];
  successor_lead_id: string | null;
  waybills: number;
  night_share: number;
  first_seen: string;
  last_seen: string;
  est_value: number;
  seller_ids: string;
  network_ids: string;
  brands: string;
  categories: string;
  evidence: string;
  detail?: string | null;
}

export const toLead = (r: LeadRow): LeadRecord => ({
  run_id: r.run_id,
  lead_id: r.lead_id,
  rank: r.rank,
  score: r.score,
  lat: r.lat,
  lng: r.lng,
  radius_m: r.radius_m,
  seller_ids: parseJson(r.seller_ids),
  network_ids: parseJson(r.network_ids),
  waybills: r.waybills,
  night_share: r.night_share,
  first_seen: r.first_seen,
  last_seen: r.last_seen,
  status: r.status,
  successor_lead_id: r.successor_lead_id,
  brands: parseJson(r.brands),
  categories: parseJson(r.categories),
  est_value: r.est_value,
  evidence: parseJson(r.evidence),
});

const LEAD_COLUMNS = `run_id, lead_id, rank, score, lat, lng, radius_m, status, successor_lead_id, waybills, night_share,
  first_seen, last_seen, est_value, seller_ids, network_ids, brands, categories, evidence`;
export { LEAD_COLUMNS };

export function getLead(ws: Workspace, runId: number, leadId: string): LeadRecord | undefined {
  const r = ws.prepare(`SELECT ${LEAD_COLUMNS} FROM leads WHERE run_id = ? AND lead_id = ?`).get(runId, leadId) as LeadRow | undefined;
  return r && toLead(r);
}

export function getLeadDetail(ws: Workspace, runId: number, leadId: string): LeadDetail {
  const r = ws.prepare(`SELECT detail FROM lead_details WHERE run_id = ? AND lead_id = ?`).get(runId, leadId) as { detail: string } | undefined;
  return r?.detail ? parseJson<LeadDetail>(r.detail) : emptyDetail();
}

export const emptyDetail = (): LeadDetail => ({
  parcels_by_day: [], parcels_by_hour: Array.from({ length: 24 }, () => 0), handover_points: [], accounts: [], identifiers: [], listings: [],
});

/**
 * Each lead's detail from the run's database, in a few set-based queries:
 * the parcels of the lead's accounts picked up within max(2 x radius, 300 m)
 * of it (the handover points around a den lie up to a few hundred metres
 * away), their accounts, the identifiers two or more of them share, and
 * their riskiest listings.
 */
async function leadDetails(dbFile: string, timezone: string): Promise<Map<string, LeadDetail>> {
  const db = await Database.open(dbFile, { readOnly: true, timezone, memoryLimit: '1GB' });
  try {
    const has = new Set((await db.all<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables`)).map((r) => r.t));
    if (!['leads', 'pickup_points', 'seller_scores', 'listing_scores'].every((t) => has.has(t))) return new Map();
    await db.run(`
      CREATE TEMP TABLE lead_points AS
      WITH l AS (SELECT lead_id, lat, lng, greatest(2 * radius_m, 300) AS reach, unnest(seller_ids) AS seller_id FROM leads)
      SELECT l.lead_id, p.seller_id, p.t, p.lat, p.lng
      FROM pickup_points p JOIN l USING (seller_id)
      WHERE p.lat IS NOT NULL
        AND 111320 * sqrt(pow(p.lat - l.lat, 2) + pow((p.lng - l.lng) * cos(radians(l.lat)), 2)) <= l.reach`);
    const byDay = await db.all<{ lead_id: string; d: string; n: number }>(
      `SELECT lead_id, strftime(t::DATE, '%Y-%m-%d') AS d, count(*)::INT AS n FROM lead_points GROUP BY ALL ORDER BY lead_id, d`);
    const byHour = await db.all<{ lead_id: string; h: number; n: number }>(
      `SELECT lead_id, hour(t)::INT AS h, count(*)::INT AS n FROM lead_points GROUP BY ALL`);
    const points = await db.all<{ lead_id: string; lat: number; lng: number; n: number }>(`
      WITH g AS (SELECT lead_id, round(lat, 4) AS lat, round(lng, 4) AS lng, count(*)::INT AS n FROM lead_points GROUP BY 1, 2, 3),
      r AS (SELECT *, row_number() OVER (PARTITION BY lead_id ORDER BY n DESC, lat, lng) AS k FROM g)
      SELECT lead_id, lat, lng, n FROM r WHERE k <= ${MAX_POINTS} ORDER BY lead_id, n DESC, lat, lng`);
    const accounts = await db.all<{ lead_id: string; seller_id: string; shop_name: string | null; score: number; network_id: string; n: number }>(`
      WITH l AS (SELECT lead_id, unnest(seller_ids) AS seller_id FROM leads),
      n AS (SELECT lead_id, seller_id, count(*)::INT AS n FROM lead_points GROUP BY ALL)
      SELECT l.lead_id, l.seller_id, s.shop_name, round(ss.score, 4) AS score, ss.network_id, coalesce(n.n, 0) AS n
      FROM l JOIN seller_scores ss USING (seller_id) LEFT JOIN sellers s USING (seller_id) LEFT JOIN n USING (lead_id, seller_id)
      ORDER BY l.lead_id, ss.score DESC, l.seller_id`);
    const identifiers = has.has('seller_identifiers')
      ? await db.all<{ lead_id: string; kind: string; value: string; seller_ids: string[] }>(`
          WITH l AS (SELECT lead_id, unnest(seller_ids) AS seller_id FROM leads)
          SELECT l.lead_id, i.kind, i.value, list(DISTINCT l.seller_id ORDER BY l.seller_id) AS seller_ids
          FROM l JOIN seller_identifiers i USING (seller_id)
          GROUP BY ALL HAVING count(DISTINCT l.seller_id) >= 2 ORDER BY l.lead_id, i.kind, i.value`)
      : [];
    const listings = await db.all<{
      lead_id: string; listing_id: string; seller_id: string; title: string; brand: string | null; category: string | null;
      price: number; msrp: number | null; price_ratio: number | null; score: number;
    }>(`
      WITH l AS (SELECT lead_id, unnest(seller_ids) AS seller_id FROM leads)
      SELECT lead_id, listing_id, seller_id, title, brand, category, price, msrp, price_ratio, score FROM (
        SELECT l.lead_id, ls.listing_id, ls.seller_id, li.title, ls.brand, ls.category, ls.price,
               c.msrp, round(ls.price_ratio, 4) AS price_ratio, round(ls.score, 4) AS score,
               row_number() OVER (PARTITION BY l.lead_id ORDER BY ls.score DESC, ls.listing_id) AS k
        FROM l JOIN listing_scores ls USING (seller_id) JOIN listings li USING (listing_id)
        LEFT JOIN catalog c ON c.product_id = li.product_ref)
      WHERE k <= ${MAX_LISTINGS} ORDER BY lead_id, score DESC, listing_id`);

    const details = new Map<string, LeadDetail>();
    const get = (id: string) => {
      let d = details.get(id);
      if (!d) details.set(id, (d = emptyDetail()));
      return d;
    };
    for (const r of await db.all<{ lead_id: string }>(`SELECT lead_id FROM leads`)) get(r.lead_id);
    for (const r of byDay) get(r.lead_id).parcels_by_day.push({ date: r.d, parcels: r.n });
    for (const r of byHour) get(r.lead_id).parcels_by_hour[r.h] = r.n;
    for (const r of points) get(r.lead_id).handover_points.push({ lat: r.lat, lng: r.lng, parcels: r.n });
    for (const r of accounts) get(r.lead_id).accounts.push({ seller_id: r.seller_id, shop_name: r.shop_name, score: r.score, network_id: r.network_id, parcels: r.n });
    for (const r of identifiers) get(r.lead_id).identifiers.push({ kind: r.kind, value: r.value, seller_ids: [...r.seller_ids] });
    for (const { lead_id, ...l } of listings) get(lead_id).listings.push(l);
    return details;
  } finally {
    db.close();
  }
}
