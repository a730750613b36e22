/**
 * The map's data routes and the run comparison: pickup density on a grid
 * (filters by hour, date, seller risk and area each narrow it, and the cells
 * add up to the run database's own counts), the dataset's places, and two
 * runs compared.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the API's JSON bodies, checked by value */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/database.ts';
import { SYSTEM } from '../../src/workspace/audit.ts';
import { registerRun } from '../../src/workspace/runs.ts';
import { Workspace } from '../../src/workspace/store.ts';
import { expectError } from '../helpers/api.ts';
import { makeWorkspace, request, serveWorkspace, signIn, type Client, type TestWorkspace } from '../helpers/workspace.ts';

let tw: TestWorkspace;
let server: Awaited<ReturnType<typeof serveWorkspace>>;
const as: Record<string, Client> = {};
/** Counts straight from the run's database, to check the server's grid against. */
let truth: { all: number; night: number; risky: number; march: number };

beforeAll(async () => {
  tw = await makeWorkspace();
  // The same run registered twice: a comparison of a run with itself has nothing new and nothing gone.
  const ws = Workspace.open(tw.wsDir);
  try {
    await registerRun(ws, SYSTEM, tw.results, 'again');
  } finally {
    ws.close();
  }
  const db = await Database.open(join(tw.results, 'dragnet.duckdb'), { readOnly: true, timezone: 'Asia/Shanghai' });
  try {
    const n = async (sql: string) => Number(await db.scalar(sql));
    truth = {
      all: await n(`SELECT count(*) FROM pickup_points WHERE lat IS NOT NULL`),
      night: await n(`SELECT count(*) FROM pickup_points WHERE lat IS NOT NULL AND (hour(t) >= 22 OR hour(t) <= 5)`),
      risky: await n(`SELECT count(*) FROM pickup_points p JOIN seller_scores s USING (seller_id) WHERE p.lat IS NOT NULL AND s.score >= 0.5`),
      march: await n(`SELECT count(*) FROM pickup_points WHERE lat IS NOT NULL AND t::DATE BETWEEN DATE '2026-03-01' AND DATE '2026-03-31'`),
    };
  } finally {
    db.close();
  }
  server = await serveWorkspace(tw.wsDir);
  for (const name of ['analyst', 'brand-owner', 'west-police', 'programme']) as[name] = await signIn(server.served.url, name, tw.users[name].password);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const sum = (cells: [number, number, number][]) => cells.reduce((s, c) => s + c[2], 0);

describe('GET /api/map/density', () => {
  it('puts every located pickup of the run in one grid cell, the same cells each time', async () => {
    const r = await as.analyst.call('GET', '/api/map/density?cell_m=250');
    expect((await as.analyst.call('GET', '/api/map/density?cell_m=250')).body.cells).toEqual(r.body.cells);
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(truth.all);
    expect(sum(r.body.cells)).toBe(truth.all);
    expect(r.body.max).toBe(Math.max(...r.body.cells.map((c: number[]) => c[2])));
    // Cell centres lie in the city, as [lng, lat].
    for (const [lng, lat] of r.body.cells) {
      expect(lng).toBeGreaterThan(118);
      expect(lng).toBeLessThan(120);
      expect(lat).toBeGreaterThan(24.5);
      expect(lat).toBeLessThan(26.5);
    }
  });

  it('filters by hour of day across midnight, by date and by seller risk, as the database counts them', async () => {
    const night = await as.analyst.call('GET', '/api/map/density?hour_from=22&hour_to=5');
    expect(night.body.total).toBe(truth.night);
    const march = await as.analyst.call('GET', '/api/map/density?date_from=2026-03-01&date_to=2026-03-31');
    expect(march.body.total).toBe(truth.march);
    const risky = await as.analyst.call('GET', '/api/map/density?min_risk=0.5');
    expect(risky.body.total).toBe(truth.risky);
    expect(truth.risky).toBeLessThan(truth.all);
    expect(truth.night).toBeLessThan(truth.all);
    expect(truth.march).toBeGreaterThan(0);
    expect(truth.march).toBeLessThan(truth.all);
  });

  it('keeps to an area, and a finer grid has more, smaller cells with the same total', async () => {
    const all = await as.analyst.call('GET', '/api/map/density?cell_m=500');
    const fine = await as.analyst.call('GET', '/api/map/density?cell_m=100');
    expect(fine.body.total).toBe(all.body.total);
    expect(fine.body.cells.length).toBeGreaterThan(all.body.cells.length);
    const [lng, lat] = all.body.cells.sort((a: number[], b: number[]) => b[2] - a[2])[0];
    const box = `${lng - 0.01},${lat - 0.01},${lng + 0.01},${lat + 0.01}`;
    const inBox = await as.analyst.call('GET', `/api/map/density?bbox=${box}`);
    expect(inBox.body.total).toBeGreaterThan(0);
    expect(inBox.body.total).toBeLessThan(all.body.total);
  });

  it('refuses bad filters by name, other roles, and anonymous callers', async () => {
    expectError(await as.analyst.call('GET', '/api/map/density?cell_m=5'), 400, 'invalid_request', 'cell_m');
    expectError(await as.analyst.call('GET', '/api/map/density?hour_from=25&hour_to=3'), 400, 'invalid_request', 'hour_from');
    expectError(await as.analyst.call('GET', '/api/map/density?date_from=March'), 400, 'invalid_request', 'date_from');
    expectError(await as.analyst.call('GET', '/api/map/density?run=99'), 404, 'not_found', 'run 99');
    for (const who of ['brand-owner', 'west-police', 'programme']) expectError(await as[who].call('GET', '/api/map/density'), 403, 'forbidden');
    expectError(await request(`${server.served.url}/api/map/density`, 'GET'), 401, 'unauthenticated');
  });
});

describe('GET /api/map/places', () => {
  it("gives the dataset's places as GeoJSON points with their kind and name", async () => {
    const r = await as.analyst.call('GET', '/api/map/places');
    expect(r.status).toBe(200);
    expect(r.body.type).toBe('FeatureCollection');
    expect(r.body.features.length).toBeGreaterThan(10);
    const f = r.body.features[0];
    expect(f.geometry.type).toBe('Point');
    expect(Object.keys(f.properties).sort()).toEqual(['aoi_id', 'aoi_type', 'name']);
    expect(r.body.features.some((x: any) => /村|镇|站/.test(x.properties.name ?? ''))).toBe(true);
    expect((await as['brand-owner'].call('GET', '/api/map/places')).status).toBe(200);
    expect((await as['west-police'].call('GET', '/api/map/places')).status).toBe(200);
    expectError(await as.programme.call('GET', '/api/map/places'), 403, 'forbidden');
  });
});

describe('GET /api/team and the open case in a lead file', () => {
  it('lists the analysts and supervisors a case may be assigned to, for the case team only', async () => {
    const r = await as.analyst.call('GET', '/api/team');
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([
      { name: 'analyst', role: 'analyst' },
      { name: 'supervisor', role: 'supervisor' },
    ]);
    for (const who of ['brand-owner', 'west-police', 'programme']) expectError(await as[who].call('GET', '/api/team'), 403, 'forbidden');
  });

  it("gives a lead file its open case, once one is opened on it", async () => {
    const lead = (await as.analyst.call('GET', '/api/leads?limit=1&status=active')).body.items[0];
    expect((await as.analyst.call('GET', `/api/leads/${lead.lead_id}`)).body.lead.case_id).toBeNull();
    const opened = await as.analyst.call('POST', '/api/cases', { lead_id: lead.lead_id });
    expect(opened.status).toBe(201);
    expect((await as.analyst.call('GET', `/api/leads/${lead.lead_id}`)).body.lead.case_id).toBe(opened.body.case_id);
    expect((await as.analyst.call('GET', '/api/leads?limit=1&status=active')).body.items[0].case_id).toBe(opened.body.case_id);
    const brandLead = (await as['brand-owner'].call('GET', '/api/leads?limit=1')).body.items[0];
    expect((await as['brand-owner'].call('GET', `/api/leads/${brandLead.lead_id}`)).body.lead).not.toHaveProperty('case_id');
  });
});

describe('GET /api/runs/compare', () => {
  it('finds every lead of a run continuing in the same run registered again, with nothing new or gone', async () => {
    const r = await as.analyst.call('GET', '/api/runs/compare?from=1&to=2');
    expect(r.status).toBe(200);
    const leads = (await as.analyst.call('GET', '/api/leads?run=2&limit=1000')).body.total;
    expect(r.body.continuing).toHaveLength(leads);
    expect(r.body.new).toEqual([]);
    expect(r.body.gone).toEqual([]);
    for (const c of r.body.continuing) {
      expect(c.previous_score).toBe(c.score);
      expect(c.relation).toBe('same_site');
    }
    // Each lead matched its own earlier self, where lead ids are unique.
    expect(r.body.continuing.filter((c: any) => c.lead_id === c.previous_lead_id).length).toBeGreaterThan(leads * 0.9);
  });

  it('refuses unknown runs and roles outside the case team', async () => {
    expectError(await as.analyst.call('GET', '/api/runs/compare?from=1&to=9'), 404, 'not_found', 'run 9');
    expectError(await as.analyst.call('GET', '/api/runs/compare?from=1'), 400, 'invalid_request', 'to');
    expectError(await as['brand-owner'].call('GET', '/api/runs/compare?from=1&to=2'), 403, 'forbidden');
  });
});
