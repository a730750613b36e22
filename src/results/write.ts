/**
 * Writes one run's results contract into OUT from the database tables, so
 * the files and the database always agree.
 */
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LeadCollectionSchema, RESULT_FILES, type LeadCollection } from '../contract/results.ts';
import { TABLE_NAMES } from '../contract/dataset.ts';
import { Database, literal } from '../engine/database.ts';
import type { Lead } from '../stages/leads/leads.ts';

/** leads.geojson: RFC 7946, WGS84 [lng, lat], sorted by rank; validated against the contract before writing. */
export function writeLeads(out: string, leads: readonly Lead[]): LeadCollection {
  const collection = {
    type: 'FeatureCollection' as const,
    features: leads.map(({ lat, lng, ...properties }) => ({
      type: 'Feature' as const,
      geometry: { type: 'Point' as const, coordinates: [lng, lat] as [number, number] },
      properties,
    })),
  };
  const checked = LeadCollectionSchema.parse(collection);
  writeFileSync(join(out, RESULT_FILES.leads), JSON.stringify(checked, null, 1) + '\n');
  return checked;
}

/**
 * seller_scores.csv, listing_scores.csv and quarantine/<table>.csv, straight
 * from DuckDB (`quarantine`: the table of rejected records to write, the run's own by default). A quarantine file's columns are file, row, column, reason,
 * record and line (the physical line, added last so readers of the first five keep working).
 */
export async function writeTables(db: Database, out: string, quarantine = 'quarantine'): Promise<void> {
  await db.run(`COPY (SELECT seller_id, round(score, 5) AS score, network_id FROM seller_scores ORDER BY seller_id)
    TO ${literal(join(out, RESULT_FILES.sellerScores))} (HEADER, DELIMITER ',')`);
  await db.run(`COPY (SELECT listing_id, round(score, 5) AS score FROM listing_scores ORDER BY listing_id)
    TO ${literal(join(out, RESULT_FILES.listingScores))} (HEADER, DELIMITER ',')`);
  const qdir = join(out, RESULT_FILES.quarantine);
  rmSync(qdir, { recursive: true, force: true });
  mkdirSync(qdir, { recursive: true });
  for (const table of TABLE_NAMES) {
    const n = await db.scalar(`SELECT count(*) FROM ${quarantine} WHERE table_name = $1`, [table]);
    if (n === 0) continue;
    await db.run(
      `COPY (SELECT file, "row", "column", reason, record, line FROM ${quarantine} WHERE table_name = ${literal(table)} ORDER BY file, "row")
       TO ${literal(join(qdir, `${table}.csv`))} (HEADER, DELIMITER ',')`,
    );
  }
}

export function writeRunJson(out: string, run: object): void {
  writeFileSync(join(out, RESULT_FILES.run), JSON.stringify(run, null, 2) + '\n');
}
