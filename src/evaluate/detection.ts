/**
 * Time to detection: rerun the analysis on the data as it stood every day
 * (or every few days) and count, for each true site, the days from its first
 * parcel to its first appearance among the top 2n leads (within 250 m, a
 * station drop within 500 m, as evaluate.ts counts them). The dataset is
 * ingested once; each rerun cuts the tables at that day and reruns the stages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Database, ident } from '../engine/database.ts';
import type { TableName } from '../contract/dataset.ts';
import { ingestDataset } from '../ingest/ingest.ts';
import { runStages, type Method } from '../pipeline.ts';
import { silentProgress } from '../cli/progress.ts';
import { TruthSiteSchema } from '../contract/truth.ts';
import { matchLeadsToSites } from './metrics.ts';
import { trueSites } from './evaluate.ts';

/** Each table that grows over time, and the column that dates its rows. */
export const DATED: ReadonlyArray<[TableName, string]> = [
  ['pickups', 'pickup_time'],
  ['shipments', 'order_time'],
  ['listings', 'created_at'],
  ['sellers', 'registered_at'],
  ['reports', 'created_at'],
  ['outcomes', 'date'],
];

export interface SiteDetection {
  site_id: string;
  first_active: string;
  /** Days from the site's first day to the first rerun that found it; null if no rerun did. */
  days: number | null;
}

const DAY_MS = 86_400_000;

/** Detection delay of every true site of a generated world, rerunning every `stepDays` days. */
export async function timeToDetection(
  world: string,
  options: { stepDays?: number; method?: Method; /** Rerun only this many days from the first pickup. */ days?: number } = {},
): Promise<SiteDetection[]> {
  const step = options.stepDays ?? 1;
  const truth = (parse(readFileSync(join(world, 'truth', 'sites.csv')), { columns: true }) as unknown[]).map((r) =>
    TruthSiteSchema.parse(r),
  );
  const sites = trueSites(truth);
  const found = new Map<string, number>();
  const db = await Database.open(':memory:');
  try {
    await ingestDataset(db, world, silentProgress);
    for (const [table] of DATED) await db.run(`ALTER TABLE ${ident(table)} RENAME TO ${ident(`full_${table}`)}`);
    const span = await db.one<{ first: Date; last: Date }>(`SELECT min(pickup_time) AS first, max(pickup_time) AS last FROM full_pickups`);
    if (!span?.first) return truth.map((s) => ({ site_id: s.site_id, first_active: s.first_active, days: null }));
    const day0 = Math.floor(span.first.getTime() / DAY_MS) * DAY_MS;
    const end = Math.min(span.last.getTime() + step * DAY_MS, day0 + (options.days ?? Infinity) * DAY_MS + 1);
    for (let cut = day0 + step * DAY_MS; cut < end; cut += step * DAY_MS) {
      for (const [table, column] of DATED) {
        await db.run(
          `CREATE OR REPLACE TABLE ${ident(table)} AS SELECT * FROM ${ident(`full_${table}`)}
           WHERE ${ident(column)} IS NULL OR ${ident(column)} < to_timestamp($cut)`,
          { cut: cut / 1000 },
        );
      }
      const leads = await runStages(db, options.method ?? 'dragnet');
      const top = leads.slice(0, 2 * sites.length).map((l) => ({ ...l, status: l.status }));
      for (const m of matchLeadsToSites(top, sites, 250)) {
        if (m.site && !found.has(m.site.site_id)) found.set(m.site.site_id, cut);
      }
    }
  } finally {
    db.close();
  }
  return truth.map((s) => {
    const at = found.get(s.site_id);
    const start = Date.parse(`${s.first_active}T00:00:00Z`);
    return { site_id: s.site_id, first_active: s.first_active, days: at === undefined ? null : Math.max(0, Math.round((at - start) / DAY_MS)) };
  });
}
