/**
 * Composes the analysis: ingest -> stages -> results. Each stage reads and
 * writes named tables in the run's database; the pipeline times them and
 * records what was read, accepted and quarantined in run.json.
 *
 * Reruns on the same data must give the same results, while DuckDB sums in
 * parallel in no fixed order: stages therefore sum floating values as
 * DECIMAL (exact, order-free) wherever a sum reaches an output.
 */
import { resolve } from 'node:path';
import { Database } from './engine/database.ts';
import { ClickHouseEngine, parseEngineUrl, type Offloaded } from './engine/clickhouse.ts';
import { ingestDataset, type IngestReport } from './ingest/ingest.ts';
import { QUARANTINE_TABLE } from './ingest/validate.ts';
import type { Progress } from './cli/progress.ts';
import { locatePickups } from './stages/sites/pickup-points.ts';
import { scoreListings } from './stages/listings/listings.ts';
import { linkSellers } from './stages/networks/networks.ts';
import { scoreSellers } from './stages/sellers/sellers.ts';
import { locateSites } from './stages/sites/sites.ts';
import { rankLeads, type Lead } from './stages/leads/leads.ts';
import { hotspotLeads } from './stages/baseline/hotspot.ts';
import { priceDbscanLeads } from './stages/baseline/price-dbscan.ts';
import { writeLeads, writeRunJson, writeTables } from './results/write.ts';
import { prepareOutput, writeMeta } from './results/output.ts';
import { faultPoint } from './fault.ts';
import { ALL_SIGNALS, type Signals } from './stages/signals.ts';
import type { TableName } from './contract/dataset.ts';
import { hasImpactInputs, writeImpact } from './impact/stage.ts';
import type { ImpactDay } from './impact/programme.ts';

export const METHODS = ['dragnet', 'hotspot', 'price-dbscan'] as const;
export type Method = (typeof METHODS)[number];

export interface AnalyzeOptions {
  dataset: string;
  out: string;
  /** Database file; defaults to OUT/dragnet.duckdb. ':memory:' keeps nothing. */
  dbPath?: string;
  method?: Method;
  /** DuckDB memory ceiling, e.g. '4GB'; past it DuckDB spills to disk. */
  memoryLimit?: string;
  /** Signals switched off (to measure what each adds); all on by default. */
  signals?: Signals;
  /**
   * `clickhouse://HOST:PORT[,HOST:PORT...]/DB[?cluster=NAME]`: the pickups and
   * shipments go to that cluster after validation, and the pickup-points
   * stage runs there (engine/clickhouse.ts). Absent: all in DuckDB.
   */
  engine?: string;
  /** CSV files read into tables beside the dataset's own: a workspace's outcomes and reports. */
  extraFiles?: Partial<Record<TableName, string[]>>;
  progress: Progress;
}

export interface RunSummary {
  dataset: string;
  method: Method;
  tables: IngestReport['tables'];
  leads: Lead[];
  stages: Record<string, number>;
  seconds: number;
  peakRssMb: number;
}

export type Timer = <T>(name: string, fn: () => Promise<T>) => Promise<T>;
const untimed: Timer = (_name, fn) => fn();

/** A Timer that reports each stage's progress and records its seconds in `stages`. */
export function stageTimer(progress: Progress, stages: Record<string, number>): Timer {
  return async (name, fn) => {
    const t = Date.now();
    // Ingest reports its own progress, a line per table.
    const reports = name !== 'ingest';
    if (reports) progress.step(name);
    const result = await fn();
    if (reports) progress.done();
    stages[name] = (Date.now() - t) / 1000;
    return result;
  };
}

/**
 * The analysis proper, on tables already ingested into `db`: pickup points,
 * then the method's stages, returning the ranked leads. Also used by the
 * time-to-detection reruns, which ingest once and rerun this on each day's cut.
 */
export async function runStages(
  db: Database,
  method: Method,
  timed: Timer = untimed,
  signals: Signals = ALL_SIGNALS,
  locate: (db: Database) => Promise<void> = locatePickups,
): Promise<Lead[]> {
  await timed('pickup-points', () => locate(db));
  if (method === 'hotspot') return timed('hotspot', () => hotspotLeads(db));
  await timed('listings', () => scoreListings(db, signals));
  if (method === 'price-dbscan') return timed('price-dbscan', () => priceDbscanLeads(db));
  await timed('networks', () => linkSellers(db, signals));
  await timed('sellers', () => scoreSellers(db, signals));
  await timed('sites', () => locateSites(db, signals));
  return timed('leads', () => rankLeads(db, signals));
}

/**
 * Runs a whole analysis and writes the results contract into `out`. Every
 * output is staged beside OUT and swapped in only once the run has succeeded
 * (results/output.ts), so a failed or killed run leaves the previous results
 * whole.
 */
export async function analyze(options: AnalyzeOptions): Promise<RunSummary> {
  const started = Date.now();
  const method = options.method ?? 'dragnet';
  // A malformed --engine is refused before anything is touched.
  const target = options.engine ? parseEngineUrl(options.engine) : undefined;
  const output = await prepareOutput(options.out, options.dbPath);
  const stages: Record<string, number> = {};
  const stageTimed = stageTimer(options.progress, stages);
  try {
    const db = await Database.open(output.dbPath, { memoryLimit: options.memoryLimit, keepBlocks: true });
    // Each stage's tables are checkpointed before the next stage runs (Database.checkpoint).
    const timed: Timer = (name, fn) =>
      stageTimed(name, async () => {
        const result = await fn();
        await db.checkpoint();
        return result;
      });
    let cluster: ClickHouseEngine | undefined;
    let summary: RunSummary;
    try {
      cluster = target ? await ClickHouseEngine.open(target) : undefined;
      const ingest = await timed('ingest', () => ingestDataset(db, options.dataset, options.progress, options.extraFiles));
      faultPoint('after-ingest');
      let locate = (d: Database) => locatePickups(d, ingest.region);
      let offloaded: Offloaded | undefined;
      if (cluster) {
        const engine = cluster;
        offloaded = await timed('offload', () => engine.offload(db));
        const timeZone = await db.timeZone();
        locate = (d) => engine.locatePickups(d, timeZone);
      }
      const leads = await runStages(db, method, timed, options.signals, locate);
      faultPoint('after-stages');
      const impactFiles = await writeResults(db, output.dir, leads, timed);
      summary = {
        dataset: resolve(options.dataset),
        method,
        tables: ingest.tables,
        leads,
        stages,
        seconds: (Date.now() - started) / 1000,
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      };
      writeRunJson(output.dir, {
        ...(await runRecord(db, summary, ingest, output.database, started, impactFiles)),
        // Optional addition: where the heavy stages ran.
        engine: target ? 'clickhouse' : 'duckdb',
        ...(offloaded ? { cluster: { database: target?.database, cluster: target?.cluster ?? null, partition: offloaded.partition, shards: offloaded.shards } } : {}),
        signals_off: options.signals?.without ?? [],
      });
      await writeMeta(db, new Date(started).toISOString(), { method, region: ingest.region, manifest: ingest.manifest, tables: Object.keys(ingest.tables) });
      await db.run('CHECKPOINT');
    } finally {
      try {
        await cluster?.close();
      } finally {
        db.close();
      }
    }
    output.commit();
    return summary;
  } catch (err) {
    output.discard();
    throw err;
  }
}

/**
 * Writes a run's result files into `dir` from the database: leads.geojson, the
 * score tables, quarantine/ (the run's rejected records) and impact/ when the
 * database has outcomes or programme tables. `day`: in an update, the day's
 * rows and points (its quarantine is the update's, and impact adds its sales
 * and parcels to the kept counts). Returns the files of impact/ it wrote.
 */
export async function writeResults(db: Database, dir: string, leads: readonly Lead[], timed: Timer, day?: ImpactDay): Promise<string[]> {
  await timed('write', async () => {
    writeLeads(dir, leads);
    faultPoint('mid-write');
    await writeTables(db, dir, day === undefined ? undefined : `${day.catalog}.${QUARANTINE_TABLE}`);
  });
  // impact/ (results contract 1.1): only when the dataset or a workspace brought outcomes or programme tables.
  return (await hasImpactInputs(db)) ? timed('impact', () => writeImpact(db, dir, leads, day)) : [];
}

/** The fields of run.json every run writes, analyze and update alike. */
export async function runRecord(
  db: Database,
  summary: RunSummary,
  ingest: IngestReport,
  database: string | null,
  started: number,
  impactFiles: string[],
): Promise<Record<string, unknown>> {
  return {
    contract: { dataset: 1, results: 1 },
    dataset: summary.dataset,
    dataset_name: ingest.manifest.name,
    crs: ingest.manifest.crs,
    timezone: ingest.manifest.timezone,
    currency: ingest.manifest.currency,
    method: summary.method,
    risk_model: summary.method === 'dragnet' ? await db.all(`SELECT * FROM risk_model ORDER BY stage, term`) : [],
    database,
    started_at: new Date(started).toISOString(),
    seconds: summary.seconds,
    peak_rss_mb: summary.peakRssMb,
    stages: summary.stages,
    tables: ingest.tables,
    // Optional additions to the results contract: where the data lies, and files read record by record.
    region: ingest.region ?? null,
    ingest_notes: ingest.notes,
    leads: summary.leads.length,
    // Optional addition: the files of impact/ this run wrote (empty when it wrote none).
    impact_files: impactFiles,
  };
}
