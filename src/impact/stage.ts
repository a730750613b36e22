/**
 * Stage `impact`: writes OUT/impact/ (results contract, section impact/,
 * version 1.1) when the dataset has outcomes or programme tables:
 * deterrence.csv, resurfacings.csv, candidates.csv, turnover.csv, and the
 * optional addition capacity_at_risk.csv.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../engine/database.ts';
import type { Lead } from '../stages/leads/leads.ts';
import { csvField, type Cell } from '../world/writer.ts';
import { findResurfacings, leadDaysOnce, measureDeterrence } from './deterrence.ts';
import { capacityAtRisk, keepProgrammeTables, measureTurnover, rankCandidates, type ImpactDay } from './programme.ts';

export const IMPACT_DIR = 'impact';

/** Files of impact/ and their columns, in contract order. */
export const IMPACT_FILES = {
  deterrence: {
    file: 'deterrence.csv',
    columns: ['outcome_id', 'lead_id', 'distance_m', 'parcels_per_day_before', 'parcels_per_day_after', 'paused_days', 'status_after'],
  },
  resurfacings: {
    file: 'resurfacings.csv',
    columns: ['from_lead_id', 'to_lead_id', 'network_id', 'quiet_from', 'resumed_at', 'distance_m', 'evidence'],
  },
  candidates: { file: 'candidates.csv', columns: ['seller_id', 'factory_id', 'score', 'evidence'] },
  turnover: { file: 'turnover.csv', columns: ['belt_id', 'date', 'category', 'turnover', 'orders'] },
  /** Optional addition: OEM factories linked to counterfeit networks or leads. */
  capacityAtRisk: {
    file: 'capacity_at_risk.csv',
    columns: ['factory_id', 'seller_id', 'lead_id', 'network_id', 'link', 'evidence'],
  },
} as const;

/** Whether a run writes impact/: the dataset (or a workspace) brought outcomes, or programme tables. */
export async function hasImpactInputs(db: Database): Promise<boolean> {
  for (const t of ['outcomes', 'belts', 'factories', 'factory_accounts']) {
    if ((await db.tableExists(t)) && (await db.scalar(`SELECT count(*) FROM ${t}`)) > 0) return true;
  }
  return false;
}

export function toCsv(columns: readonly string[], rows: readonly object[]): string {
  const lines = [columns.join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField((r as Record<string, Cell>)[c] ?? null)).join(','));
  return lines.join('\n') + '\n';
}

/**
 * The run's leads as the table impact_leads, whatever the method (the
 * baselines keep their leads out of the database).
 */
async function storeImpactLeads(db: Database, leads: readonly Lead[]): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE impact_leads_json (j VARCHAR)`);
  await db.append('impact_leads_json', leads.map((l) => [JSON.stringify(l)]));
  await db.run(`
    CREATE OR REPLACE TEMP TABLE impact_leads AS SELECT
      j->>'lead_id' AS lead_id, (j->>'rank')::INT AS rank, (j->>'score')::DOUBLE AS score, (j->>'lat')::DOUBLE AS lat, (j->>'lng')::DOUBLE AS lng,
      (j->>'radius_m')::DOUBLE AS radius_m, j->>'status' AS status, j->>'successor_lead_id' AS successor_lead_id,
      from_json(j->'seller_ids', '["VARCHAR"]') AS seller_ids, from_json(j->'network_ids', '["VARCHAR"]') AS network_ids,
      (j->>'last_seen')::TIMESTAMPTZ AS last_seen
    FROM impact_leads_json`);
  await db.run(`DROP TABLE impact_leads_json`);
}

/**
 * Computes and writes impact/ under `out` from the run's tables and leads;
 * returns the files written, relative to `out`. `day`: in an update, the
 * day's rows and points, which are added to the kept turnover and parcel
 * counts (keepProgrammeTables).
 */
export async function writeImpact(db: Database, out: string, leads: readonly Lead[], day?: ImpactDay): Promise<string[]> {
  await storeImpactLeads(db, leads);
  await keepProgrammeTables(db, day);
  const dir = join(out, IMPACT_DIR);
  mkdirSync(dir, { recursive: true });
  const activity = leadDaysOnce(db);
  const tables: [keyof typeof IMPACT_FILES, object[]][] = [
    ['deterrence', await measureDeterrence(db, activity)],
    ['resurfacings', await findResurfacings(db, activity)],
    ['candidates', await rankCandidates(db)],
    ['turnover', await measureTurnover(db)],
    ['capacityAtRisk', await capacityAtRisk(db)],
  ];
  const written: string[] = [];
  for (const [key, rows] of tables) {
    const { file, columns } = IMPACT_FILES[key];
    writeFileSync(join(dir, file), toCsv(columns, rows));
    written.push(`${IMPACT_DIR}/${file}`);
  }
  return written;
}
