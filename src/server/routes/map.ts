/**
 * What the console's map draws besides the leads: the base map from the
 * dataset's own places (land use, stations, named villages), and the density
 * of pickups aggregated on the server into a grid, filtered by hour of day,
 * date range and seller risk. Both read the run's DuckDB database (read-only,
 * kept open per run), so a million pickups cost the browser only the cells.
 */
import { existsSync } from 'node:fs';
import { createRoute, z } from '@hono/zod-openapi';
import { Database } from '../../engine/database.ts';
import { getRun, latestRun } from '../../workspace/runs.ts';
import { parseJson, type Workspace } from '../../workspace/store.ts';
import { ApiError, errors, ok, requireRole, type Api, type ServerDeps } from '../context.ts';

/** Open run databases, newest use last; two at most (the latest run and one compared with it). */
class RunDatabases {
  private readonly open = new Map<number, Promise<Database>>();

  constructor(private readonly ws: Workspace) {}

  async get(runId: number): Promise<Database> {
    const hit = this.open.get(runId);
    if (hit) {
      this.open.delete(runId);
      this.open.set(runId, hit);
      return hit;
    }
    const row = this.ws.prepare(`SELECT run_json, timezone FROM runs WHERE run_id = ?`).get(runId) as { run_json: string; timezone: string } | undefined;
    const file = row ? parseJson<{ database?: string | null }>(row.run_json).database : null;
    if (!row || !file || !existsSync(file)) throw new ApiError('not_found', `run ${runId} kept no database: no map data beyond its leads`);
    const db = Database.open(file, { readOnly: true, timezone: row.timezone, memoryLimit: '1GB', threads: 2 });
    this.open.set(runId, db);
    db.catch(() => this.open.delete(runId));
    while (this.open.size > 2) {
      const [oldest, p] = this.open.entries().next().value as [number, Promise<Database>];
      this.open.delete(oldest);
      void p.then((d) => d.close(), () => undefined);
    }
    return db;
  }

  closeAll(): void {
    for (const p of this.open.values()) void p.then((d) => d.close(), () => undefined);
    this.open.clear();
  }
}

const prepared = new WeakSet<Database>();

/**
 * The pickups as the density filters read them, once per open run database
 * (a temporary table: the run's file stays as it is): local hour and date
 * worked out once (time-zone arithmetic is most of a filtered query's cost),
 * and each pickup's seller score joined on.
 */
async function densityPoints(db: Database): Promise<void> {
  if (prepared.has(db)) return;
  await db.run(`
    CREATE TEMP TABLE IF NOT EXISTS density_points AS
    SELECT p.lng, p.lat, hour(p.t)::TINYINT AS h, p.t::DATE AS d, coalesce(ss.score, 0) AS risk
    FROM pickup_points p LEFT JOIN seller_scores ss USING (seller_id)
    WHERE p.lat IS NOT NULL`);
  prepared.add(db);
}

const DensityQuery = z.object({
  run: z.coerce.number().int().min(1).optional(),
  cell_m: z.coerce.number().int().min(20).max(5000).default(200).openapi({ description: 'grid cell size in metres' }),
  hour_from: z.coerce.number().int().min(0).max(23).optional().openapi({ description: 'local hour of day, inclusive; with hour_to, wraps past midnight (22 to 5)' }),
  hour_to: z.coerce.number().int().min(0).max(23).optional(),
  date_from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  date_to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  min_risk: z.coerce.number().min(0).max(1).optional().openapi({ description: "only pickups of sellers scored at least this" }),
  bbox: z.string().regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$/).optional(),
});

export function mapRoutes(app: Api, { ws }: ServerDeps): { close: () => void } {
  const dbs = new RunDatabases(ws);
  const runOf = (run?: number) => {
    const r = run ? getRun(ws, run) : latestRun(ws);
    if (!r) throw new ApiError('not_found', run ? `no run ${run}` : 'no run is registered in this workspace');
    return r;
  };

  app.openapi(
    createRoute({
      method: 'get', path: '/api/map/density', tags: ['map'],
      summary: 'Pickups per grid cell (cell centres and counts), filtered by hour of day, dates and seller risk; analysts and supervisors',
      request: { query: DensityQuery },
      responses: {
        200: {
          description: 'cells',
          content: {
            'application/json': {
              schema: z.object({
                run_id: z.number().int(), cell_m: z.number(), total: z.number().int(), max: z.number().int(),
                cells: z.array(z.tuple([z.number(), z.number(), z.number().int()])).openapi({ description: '[lng, lat, pickups] of each cell centre' }),
              }),
            },
          },
        },
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      requireRole(c, ['analyst', 'supervisor']);
      const q = c.req.valid('query');
      const run = runOf(q.run);
      const db = await dbs.get(run.run_id);
      await densityPoints(db);
      const where: string[] = ['true'];
      const params: (string | number)[] = [];
      if (q.hour_from !== undefined && q.hour_to !== undefined) {
        where.push(q.hour_from <= q.hour_to ? `p.h BETWEEN ${q.hour_from} AND ${q.hour_to}` : `(p.h >= ${q.hour_from} OR p.h <= ${q.hour_to})`);
      }
      if (q.date_from) {
        where.push(`p.d >= $${params.length + 1}::DATE`);
        params.push(q.date_from);
      }
      if (q.date_to) {
        where.push(`p.d <= $${params.length + 1}::DATE`);
        params.push(q.date_to);
      }
      if (q.bbox) {
        const [w, s, e, n] = q.bbox.split(',').map(Number);
        where.push(`p.lng BETWEEN ${w} AND ${e} AND p.lat BETWEEN ${s} AND ${n}`);
      }
      if (q.min_risk !== undefined) where.push(`p.risk >= ${q.min_risk}`);
      // Cells in degrees at the data's latitude: cell_m north-south, the same metres east-west.
      // The run's own local frame (its centre), so the same request always gives the same cells.
      const lat0 = (await db.one<{ lat: number }>(`SELECT lat0 AS lat FROM frame LIMIT 1`))?.lat ?? 0;
      const dLat = q.cell_m / 111_320;
      const dLng = q.cell_m / (111_320 * Math.cos((lat0 * Math.PI) / 180));
      const rows = await db.all<{ gx: number; gy: number; n: number }>(
        `SELECT floor(p.lng / ${dLng})::BIGINT AS gx, floor(p.lat / ${dLat})::BIGINT AS gy, count(*)::INT AS n
         FROM density_points p WHERE ${where.join(' AND ')} GROUP BY 1, 2 ORDER BY 1, 2`,
        params,
      );
      let total = 0;
      let max = 0;
      const cells = rows.map((r) => {
        total += r.n;
        max = Math.max(max, r.n);
        return [round((Number(r.gx) + 0.5) * dLng), round((Number(r.gy) + 0.5) * dLat), r.n] as [number, number, number];
      });
      return ok(c, { run_id: run.run_id, cell_m: q.cell_m, total, max, cells });
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/map/places', tags: ['map'],
      summary: "The dataset's places (areas of interest: land use, stations, villages) for the offline base map",
      request: { query: z.object({ run: z.coerce.number().int().min(1).optional() }) },
      responses: {
        200: {
          description: 'places as GeoJSON points',
          content: { 'application/json': { schema: z.object({ type: z.literal('FeatureCollection'), features: z.array(z.record(z.string(), z.unknown())) }) } },
        },
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      // Named villages, stations and estates: the base map of every map in the console, the police's site map included.
      requireRole(c, ['analyst', 'supervisor', 'rights_holder', 'police_liaison']);
      const run = runOf(c.req.valid('query').run);
      const db = await dbs.get(run.run_id);
      const rows = await db.all<{ aoi_id: string; aoi_type: string | null; name: string | null; lat: number; lng: number }>(
        `SELECT aoi_id, aoi_type, name, lat, lng FROM places WHERE lat IS NOT NULL ORDER BY aoi_id`,
      );
      return ok(c, {
        type: 'FeatureCollection',
        features: rows.map((r) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [r.lng, r.lat] }, properties: { aoi_id: r.aoi_id, aoi_type: r.aoi_type, name: r.name } })),
      });
    },
  );

  return { close: () => dbs.closeAll() };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
