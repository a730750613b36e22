/**
 * A run's impact as the workspace keeps it: the run's OUT/impact/ files
 * (results contract, section `impact/`: deterrence, resurfacings,
 * candidates, turnover, and the optional capacity_at_risk.csv) and, from the
 * run's database when it kept one, the dataset's programme tables (belts,
 * factories with their accounts) and outcomes as the run read them.
 *
 * The files are the public record of the run: each is checked column by
 * column, and a bad one stops the registration with an error naming the
 * file, line and column (nothing is half-imported: registration is one
 * transaction). Flagging the cases whose operation resurfaced is here too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Database } from '../engine/database.ts';
import { UserError } from '../errors.ts';
import { audit, type Actor } from './audit.ts';
import { json, now, type Workspace } from './store.ts';

export const IMPACT_DIR = 'impact';

type Kind = 'string' | 'id' | 'number' | 'integer' | 'date' | 'time' | 'score';
interface Column {
  name: string;
  kind: Kind;
  /** An empty cell is allowed (stored as null, or '' for strings). */
  optional?: boolean;
  values?: readonly string[];
}

/** The contract's columns of each impact file, in order; `optional` files may be absent. */
export const IMPACT_FILES = {
  deterrence: {
    file: 'deterrence.csv',
    columns: [
      { name: 'outcome_id', kind: 'id' },
      { name: 'lead_id', kind: 'id' },
      { name: 'distance_m', kind: 'number' },
      { name: 'parcels_per_day_before', kind: 'number' },
      { name: 'parcels_per_day_after', kind: 'number' },
      { name: 'paused_days', kind: 'integer' },
      { name: 'status_after', kind: 'string', values: ['continued', 'paused', 'stopped', 'moved'] },
    ],
  },
  resurfacings: {
    file: 'resurfacings.csv',
    columns: [
      { name: 'from_lead_id', kind: 'id' },
      { name: 'to_lead_id', kind: 'id' },
      { name: 'network_id', kind: 'string', optional: true },
      { name: 'quiet_from', kind: 'time' },
      { name: 'resumed_at', kind: 'time' },
      { name: 'distance_m', kind: 'number' },
      { name: 'evidence', kind: 'string', optional: true },
    ],
  },
  candidates: {
    file: 'candidates.csv',
    columns: [
      { name: 'seller_id', kind: 'id' },
      { name: 'factory_id', kind: 'string', optional: true },
      { name: 'score', kind: 'score' },
      { name: 'evidence', kind: 'string', optional: true },
    ],
  },
  turnover: {
    file: 'turnover.csv',
    columns: [
      { name: 'belt_id', kind: 'id' },
      { name: 'date', kind: 'date' },
      { name: 'category', kind: 'string', optional: true },
      { name: 'turnover', kind: 'number' },
      { name: 'orders', kind: 'integer' },
    ],
  },
  /** Not in the contract (an optional addition): factories whose accounts or premises link to leads. */
  capacity: {
    file: 'capacity_at_risk.csv',
    columns: [
      { name: 'factory_id', kind: 'id' },
      { name: 'seller_id', kind: 'string', optional: true },
      { name: 'lead_id', kind: 'string', optional: true },
      { name: 'network_id', kind: 'string', optional: true },
      { name: 'link', kind: 'id' },
      { name: 'evidence', kind: 'string', optional: true },
    ],
  },
} as const satisfies Record<string, { file: string; columns: readonly Column[] }>;

export type ImpactTable = keyof typeof IMPACT_FILES;
type Row = Record<string, string | number | null>;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** One cell checked against its column: the value to store, or why it is wrong. */
function cell(col: Column, raw: string | undefined): { value: string | number | null } | { error: string } {
  const s = (raw ?? '').trim();
  if (s === '') {
    if (col.optional) return { value: col.kind === 'string' ? '' : null };
    return { error: 'is empty but required' };
  }
  switch (col.kind) {
    case 'string':
    case 'id':
      return { value: s };
    case 'number':
    case 'score':
    case 'integer': {
      const n = Number(s);
      if (!Number.isFinite(n)) return { error: `${JSON.stringify(s)} is not a number` };
      if (n < 0) return { error: `${s} is negative` };
      if (col.kind === 'integer' && !Number.isInteger(n)) return { error: `${s} is not a whole number` };
      if (col.kind === 'score' && n > 1) return { error: `${s} is not a score in 0..1` };
      return { value: n };
    }
    case 'date':
      if (!DATE_RE.test(s) || Number.isNaN(Date.parse(s))) return { error: `${JSON.stringify(s)} is not a date (YYYY-MM-DD)` };
      return { value: s };
    case 'time':
      if (Number.isNaN(Date.parse(s.replace(' ', 'T')))) return { error: `${JSON.stringify(s)} is not a date or timestamp` };
      return { value: s };
  }
}

/**
 * Reads one impact file: its header must carry every contract column (more
 * columns are allowed and ignored), and every row must fit. Throws a
 * UserError naming the file, line and column of the first problem (and how
 * many rows are bad); returns null when an optional file is absent.
 */
export function readImpactFile(dir: string, table: ImpactTable): Row[] | null {
  const spec = IMPACT_FILES[table];
  const path = join(dir, spec.file);
  if (!existsSync(path)) return null;
  let records: string[][];
  try {
    records = parse(readFileSync(path, 'utf8'), { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (err) {
    throw new UserError(`${path}: not a readable CSV file: ${(err as Error).message}`);
  }
  const header = (records[0] ?? []).map((h) => h.trim());
  const missing = spec.columns.filter((c) => !header.includes(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw new UserError(`${path}: the header lacks ${missing.join(', ')} (the results contract's columns are ${spec.columns.map((c) => c.name).join(',')})`);
  }
  const at = spec.columns.map((c) => header.indexOf(c.name));
  const rows: Row[] = [];
  const problems: string[] = [];
  records.slice(1).forEach((rec, i) => {
    const row: Row = {};
    for (const [k, col] of (spec.columns as readonly Column[]).entries()) {
      const r = cell(col, rec[at[k]]);
      if ('error' in r) {
        problems.push(`line ${i + 2}, column ${col.name}: ${r.error}`);
        return;
      }
      if (col.values && typeof r.value === 'string' && !col.values.includes(r.value)) {
        problems.push(`line ${i + 2}, column ${col.name}: ${JSON.stringify(r.value)} is not one of ${col.values.join(', ')}`);
        return;
      }
      row[col.name] = r.value;
    }
    rows.push(row);
  });
  if (problems.length > 0) {
    throw new UserError(`${path}: ${problems.length} bad row${problems.length > 1 ? 's' : ''}; ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; ...' : ''}`);
  }
  return rows;
}

export interface RunImpact {
  files: Partial<Record<ImpactTable, Row[]>>;
  belts: { belt_id: string; name: string; city: string | null; province: string | null; categories: string; lat: number | null; lng: number | null }[];
  factories: {
    factory_id: string; belt_id: string; name: string | null; categories: string; oem_brands: string; capacity_per_month: number | null;
    lat: number | null; lng: number | null; enrolled_at: string | null; seller_ids: string;
  }[];
  outcomes: { outcome_id: string; lat: number; lng: number; date: string; result: string; seized_value: number | null; arrests: number | null }[];
}

/** Everything about a run's impact that is read outside the store's transaction (files, the run's database). */
export async function readRunImpact(out: string, dbFile: string | null): Promise<RunImpact> {
  const dir = join(out, IMPACT_DIR);
  const files: RunImpact['files'] = {};
  if (existsSync(dir)) {
    for (const t of Object.keys(IMPACT_FILES) as ImpactTable[]) {
      const rows = readImpactFile(dir, t);
      if (rows) files[t] = rows;
    }
  }
  const impact: RunImpact = { files, belts: [], factories: [], outcomes: [] };
  if (!dbFile) return impact;
  const db = await Database.open(dbFile, { readOnly: true, memoryLimit: '512MB' });
  try {
    const has = async (t: string) => db.tableExists(t);
    if (await has('belts')) {
      const places = await has('places');
      impact.belts = await db.all(`
        SELECT b.belt_id, b.name, b.city, b.province, coalesce(array_to_string(b.categories, ';'), '') AS categories,
          ${places ? `coalesce(b.lat, (SELECT avg(p.lat) FROM places p WHERE list_contains(b.aoi_ids, p.aoi_id)))` : 'b.lat'} AS lat,
          ${places ? `coalesce(b.lng, (SELECT avg(p.lng) FROM places p WHERE list_contains(b.aoi_ids, p.aoi_id)))` : 'b.lng'} AS lng
        FROM belts b ORDER BY b.belt_id`);
    }
    if (await has('factories')) {
      const accounts = await has('factory_accounts');
      impact.factories = await db.all(`
        SELECT f.factory_id, f.belt_id, f.name, coalesce(array_to_string(f.categories, ';'), '') AS categories,
          coalesce(array_to_string(f.oem_brands, ';'), '') AS oem_brands, f.capacity_per_month::INT AS capacity_per_month, f.lat, f.lng,
          strftime(f.enrolled_at::DATE, '%Y-%m-%d') AS enrolled_at,
          ${accounts ? `coalesce((SELECT string_agg(a.seller_id, ';' ORDER BY a.seller_id) FROM factory_accounts a WHERE a.factory_id = f.factory_id), '')` : `''`} AS seller_ids
        FROM factories f ORDER BY f.factory_id`);
    }
    if (await has('outcomes')) {
      impact.outcomes = await db.all(`
        SELECT outcome_id, lat, lng, strftime(date::DATE, '%Y-%m-%d') AS date, result, seized_value::DOUBLE AS seized_value, arrests::INT AS arrests
        FROM outcomes ORDER BY outcome_id`);
    }
  } finally {
    db.close();
  }
  return impact;
}

const INSERTS: Record<ImpactTable, { sql: string; row: (r: Row, i: number) => unknown[] }> = {
  deterrence: {
    sql: `INSERT OR REPLACE INTO impact_deterrence (run_id, outcome_id, lead_id, distance_m, per_day_before, per_day_after, paused_days, status_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    row: (r) => [r.outcome_id, r.lead_id, r.distance_m, r.parcels_per_day_before, r.parcels_per_day_after, r.paused_days, r.status_after],
  },
  resurfacings: {
    sql: `INSERT OR REPLACE INTO impact_resurfacings (run_id, from_lead_id, to_lead_id, network_id, quiet_from, resumed_at, distance_m, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    row: (r) => [r.from_lead_id, r.to_lead_id, r.network_id, r.quiet_from, r.resumed_at, r.distance_m, r.evidence],
  },
  candidates: {
    sql: `INSERT OR REPLACE INTO impact_candidates (run_id, rank, seller_id, factory_id, score, evidence) VALUES (?, ?, ?, ?, ?, ?)`,
    row: (r, i) => [i + 1, r.seller_id, r.factory_id || null, r.score, r.evidence],
  },
  turnover: {
    // One row per belt, date and category in the contract; should a file repeat one, its figures add up.
    sql: `INSERT INTO impact_turnover (run_id, belt_id, date, category, turnover, orders) VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT DO UPDATE SET turnover = turnover + excluded.turnover, orders = orders + excluded.orders`,
    row: (r) => [r.belt_id, r.date, r.category, r.turnover, r.orders],
  },
  capacity: {
    sql: `INSERT OR REPLACE INTO impact_capacity (run_id, factory_id, seller_id, lead_id, network_id, link, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    row: (r) => [r.factory_id, r.seller_id ?? '', r.lead_id ?? '', r.network_id || null, r.link, r.evidence],
  },
};

/** Stores what readRunImpact read, inside the registration's transaction; returns row counts per table. */
export function storeRunImpact(ws: Workspace, runId: number, impact: RunImpact): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [t, rows] of Object.entries(impact.files) as [ImpactTable, Row[]][]) {
    const spec = INSERTS[t];
    const st = ws.prepare(spec.sql);
    // Candidates ranked by score as the file gives them (the contract's order), ties by seller.
    const ordered = t === 'candidates' ? [...rows].sort((a, b) => Number(b.score) - Number(a.score) || String(a.seller_id).localeCompare(String(b.seller_id))) : rows;
    ordered.forEach((r, i) => st.run(runId, ...spec.row(r, i)));
    counts[t] = rows.length;
  }
  const belt = ws.prepare(`INSERT INTO run_belts (run_id, belt_id, name, city, province, categories, lat, lng) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const b of impact.belts) belt.run(runId, b.belt_id, b.name, b.city, b.province, b.categories, b.lat, b.lng);
  const factory = ws.prepare(
    `INSERT INTO run_factories (run_id, factory_id, belt_id, name, categories, oem_brands, capacity_per_month, lat, lng, enrolled_at, seller_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const f of impact.factories) {
    factory.run(runId, f.factory_id, f.belt_id, f.name, f.categories, f.oem_brands, f.capacity_per_month, f.lat, f.lng, f.enrolled_at, f.seller_ids);
  }
  const outcome = ws.prepare(`INSERT INTO run_outcomes (run_id, outcome_id, lat, lng, date, result, seized_value, arrests) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const o of impact.outcomes) outcome.run(runId, o.outcome_id, o.lat, o.lng, o.date, o.result, o.seized_value, o.arrests);
  counts.belts = impact.belts.length;
  counts.factories = impact.factories.length;
  counts.outcomes = impact.outcomes.length;
  return counts;
}

export interface FlaggedCase {
  case_id: number;
  from_lead_id: string;
  to_lead_id: string;
  notified: string | null;
}

/**
 * The run's resurfacings whose operation's earlier site is a case's site (a
 * case of any state but dismissed, linked to the from-lead in this run or an
 * earlier one): the case is flagged (resurfaced_at), gets an event, and its
 * owner (the assignee, else who opened it) a notification. A resurfacing
 * already flagged by an earlier run is linked again but not announced twice.
 */
export function flagResurfacings(ws: Workspace, actor: Actor, runId: number): FlaggedCase[] {
  const rows = ws
    .prepare(`SELECT from_lead_id, to_lead_id, network_id, quiet_from, resumed_at, distance_m FROM impact_resurfacings WHERE run_id = ? ORDER BY from_lead_id, to_lead_id`)
    .all(runId) as { from_lead_id: string; to_lead_id: string; network_id: string; quiet_from: string; resumed_at: string; distance_m: number }[];
  const findCase = ws.prepare(
    `SELECT c.case_id, c.state, coalesce(c.assignee_id, c.created_by) AS owner FROM case_leads cl JOIN cases c USING (case_id)
     WHERE cl.lead_id = ? AND cl.run_id <= ? AND c.state <> 'dismissed' ORDER BY cl.run_id DESC, c.case_id DESC LIMIT 1`,
  );
  const seen = ws.prepare(`SELECT 1 FROM impact_resurfacings WHERE case_id = ? AND from_lead_id = ? AND to_lead_id = ? AND run_id < ?`);
  const flagged: FlaggedCase[] = [];
  for (const r of rows) {
    const c = findCase.get(r.from_lead_id, runId) as { case_id: number; state: string; owner: number } | undefined;
    if (!c) continue;
    ws.prepare(`UPDATE impact_resurfacings SET case_id = ? WHERE run_id = ? AND from_lead_id = ? AND to_lead_id = ?`).run(c.case_id, runId, r.from_lead_id, r.to_lead_id);
    if (seen.get(c.case_id, r.from_lead_id, r.to_lead_id, runId)) continue;
    const at = now();
    const data = { run_id: runId, from_lead_id: r.from_lead_id, to_lead_id: r.to_lead_id, network_id: r.network_id, quiet_from: r.quiet_from, resumed_at: r.resumed_at, distance_m: r.distance_m };
    const message = `case ${c.case_id}: the operation of lead ${r.from_lead_id} shipped again from a new site, lead ${r.to_lead_id} (run ${runId}, ${Math.round(r.distance_m)} m away, from ${r.resumed_at.slice(0, 10)})`;
    ws.prepare(`UPDATE cases SET resurfaced_at = ?, updated_at = ? WHERE case_id = ?`).run(at, at, c.case_id);
    ws.prepare(`INSERT INTO case_events (case_id, at, user_id, kind, from_state, to_state, comment, data) VALUES (?, ?, NULL, 'resurfaced', ?, ?, ?, ?)`)
      .run(c.case_id, at, c.state, c.state, message, json(data));
    ws.prepare(`INSERT INTO notifications (user_id, at, kind, case_id, message, data) VALUES (?, ?, 'case.resurfaced', ?, ?, ?)`).run(c.owner, at, c.case_id, message, json(data));
    audit(ws, actor, { action: 'case.resurfaced', object_type: 'case', object_id: c.case_id, detail: data });
    const owner = ws.prepare(`SELECT name FROM users WHERE user_id = ?`).get(c.owner) as { name: string } | undefined;
    flagged.push({ case_id: c.case_id, from_lead_id: r.from_lead_id, to_lead_id: r.to_lead_id, notified: owner?.name ?? null });
  }
  return flagged;
}
