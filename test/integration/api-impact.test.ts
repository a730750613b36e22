/**
 * Impact through the API (issue 12), on hand-made runs whose every figure
 * is decided here: a run's impact/ files (results contract) and its
 * programme tables and outcomes imported when it is registered, bad files
 * refused with the file, line and column named, a case flagged and its
 * owner notified when its operation resurfaces, and each /api/impact route
 * answering each role only what its scope allows.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the API's JSON bodies, checked by value */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../src/workspace/audit.ts';
import { addPartner } from '../../src/workspace/partners.ts';
import { registerRun, type RegisterReport } from '../../src/workspace/runs.ts';
import { SCHEMA_VERSION, Workspace } from '../../src/workspace/store.ts';
import { addUser } from '../../src/workspace/users.ts';
import { expectError, moveCase } from '../helpers/api.ts';
import { tempDir } from '../helpers/db.ts';
import { east, handLead, writeHandDatabase, writeHandImpact, writeHandRun, type HandImpact } from '../helpers/hand-run.ts';
import { serveWorkspace, signIn, type Client } from '../helpers/workspace.ts';

const LAT = 25.4;
const box = (w: number, e: number) => ({ type: 'Polygon' as const, coordinates: [[[w, 25.3], [e, 25.3], [e, 25.5], [w, 25.5], [w, 25.3]]] });
const P1 = { lat: LAT, lng: 118.95 };
const P2 = east(LAT, 118.95, 3000);
const P3 = { lat: LAT, lng: 119.05 };
const P5 = east(LAT, 118.95, 4000);
const USERS = { analyst: 'analyst', supervisor: 'supervisor', 'west-police': 'police_liaison', 'east-police': 'police_liaison', 'brand-owner': 'rights_holder', programme: 'programme_manager', admin: 'admin' } as const;
const PASSWORD = 'a long enough password';

const run1 = [
  handLead({ lead_id: 'L1', ...P1, seller_ids: ['s1'], network_ids: ['n1'] }),
  handLead({ lead_id: 'L2', ...P2, seller_ids: ['s2'], network_ids: ['n2'] }),
  handLead({ lead_id: 'L3', ...P3, seller_ids: ['s3'], network_ids: ['n3'] }),
];
const run2 = [
  handLead({ lead_id: 'L1', ...P1, seller_ids: ['s1'], network_ids: ['n1'], status: 'moved', successor_lead_id: 'L5', last_seen: '2026-03-09T02:00:00+08:00' }),
  handLead({ lead_id: 'L2', ...P2, seller_ids: ['s2'], network_ids: ['n2'], last_seen: '2026-03-28T02:00:00+08:00' }),
  handLead({ lead_id: 'L3', ...P3, seller_ids: ['s3'], network_ids: ['n3'], status: 'dormant', last_seen: '2026-03-04T02:00:00+08:00' }),
  handLead({ lead_id: 'L5', ...P5, seller_ids: ['s1'], network_ids: ['n1'], first_seen: '2026-04-02T21:00:00+08:00', last_seen: '2026-03-28T02:00:00+08:00' }),
];

const days = (from: string, n: number, belt: string, category: string, turnover: number): NonNullable<HandImpact['turnover']> =>
  Array.from({ length: n }, (_, i) => [belt, new Date(Date.parse(from) + i * 86_400_000).toISOString().slice(0, 10), category, turnover, 2]);

const impact: HandImpact = {
  deterrence: [
    ['ws-case-1', 'L2', 3000, 10, 2, 9, 'paused'],
    ['o-east', 'L3', 1200, 6, 0, 28, 'stopped'],
  ],
  resurfacings: [['L1', 'L5', 'n1', '2026-03-10', '2026-04-02T21:00:00+08:00', 4000, 'the same account s1;a shared phone']],
  candidates: [
    ['c-s9', 'f3', 0.7, 'parcels from factory premises;working hours'],
    ['c-s8', '', 0.9, 'own brand;normal prices'],
    ['c-s7', 'f1', 0.8, 'no brand'],
  ],
  turnover: [
    ...days('2025-03-01', 28, 'b1', 'shoes', 50),
    ...days('2026-03-01', 28, 'b1', 'shoes', 100),
    ...days('2026-03-15', 14, 'b2', 'clothing', 200),
  ],
};

let server: Awaited<ReturnType<typeof serveWorkspace>>;
let base: string;
const as: Record<string, Client> = {};
let caseId: number;
let registered: RegisterReport;
let root: string;

beforeAll(async () => {
  root = tempDir('dragnet-impact-');
  const ws = Workspace.open(join(root, 'ws'), { create: true });
  addPartner(ws, SYSTEM, { partner_id: 'west-psb', name: 'West PSB', jurisdiction: box(118.9, 119.0), categories: ['shoes'], valid_from: '2024-01-01', valid_to: null });
  addPartner(ws, SYSTEM, { partner_id: 'east-psb', name: 'East PSB', jurisdiction: box(119.0, 119.1), categories: ['shoes'], valid_from: '2024-01-01', valid_to: null });
  // The whole city too: a place in a district belongs to the district, the smaller jurisdiction.
  addPartner(ws, SYSTEM, { partner_id: 'a-city', name: 'City', jurisdiction: box(118.8, 119.2), categories: ['food_drug'], valid_from: '2024-01-01', valid_to: null });
  for (const [name, role] of Object.entries(USERS)) {
    await addUser(ws, SYSTEM, { name, role, password: PASSWORD, agency_id: name === 'west-police' ? 'west-psb' : name === 'east-police' ? 'east-psb' : null, brands: role === 'rights_holder' ? ['Nike'] : [] });
  }
  await registerRun(ws, SYSTEM, writeHandRun(join(root, 'run1'), run1));
  ws.close();
  server = await serveWorkspace(join(root, 'ws'));
  base = server.served.url;
  for (const name of Object.keys(USERS)) as[name] = await signIn(base, name, PASSWORD);

  const opened = await as.analyst.call('POST', '/api/cases', { lead_id: 'L1' });
  caseId = opened.body.case_id;
  await moveCase(as.analyst, caseId, [
    { to: 'analysing', comment: 'a' }, { to: 'offline_check', comment: 'b' }, { to: 'referral_proposed', comment: 'c', partner_id: 'west-psb' },
  ]);
  await moveCase(as.supervisor, caseId, [{ to: 'referred', comment: 'approved' }]);
  await moveCase(as['west-police'], caseId, [
    { to: 'raided', comment: 'went in', raid_date: '2026-03-10' },
    { to: 'closed', comment: 'found a workshop', outcome: { result: 'confirmed', seized_value: 5000, arrests: 2, site_kind: 'production' } },
  ]);

  const out2 = writeHandRun(join(root, 'run2'), run2);
  writeHandImpact(out2, impact);
  await writeHandDatabase(out2, {
    belts: [
      { belt_id: 'b1', name: 'Putian shoes', city: 'Putian', province: 'Fujian', categories: ['shoes'], lat: 25.43, lng: 119.0 },
      { belt_id: 'b2', name: 'Hangzhou womenswear', city: 'Hangzhou', province: 'Zhejiang', categories: ['clothing'], lat: 30.27, lng: 120.15 },
    ],
    factories: [
      { factory_id: 'f1', belt_id: 'b1', name: 'Shoe Co', enrolled_at: '2025-06-01', lat: 25.5, lng: 119.2, capacity_per_month: 40000, oem_brands: ['Nike'] },
      { factory_id: 'f2', belt_id: 'b1', name: 'Small shoe works', enrolled_at: null, ...east(LAT, 119.05, 100), capacity_per_month: 8000 },
      { factory_id: 'f3', belt_id: 'b2', name: 'Dress Co', enrolled_at: '2026-03-20', ...east(LAT, 118.95, 2000) },
    ],
    factory_accounts: [{ factory_id: 'f2', seller_id: 's2' }, { factory_id: 'f1', seller_id: 'c-s7' }],
    outcomes: [
      { outcome_id: 'o-east', ...P3, date: '2026-03-05', result: 'confirmed', seized_value: 1000, arrests: 1 },
      // The workspace's own case as the next analysis read it back: counted once.
      { outcome_id: `ws-case-1`, ...P1, date: '2026-03-10', result: 'confirmed', seized_value: 5000, arrests: 2 },
    ],
  });
  registered = await registerRun(server.ws, SYSTEM, out2);
});

afterAll(async () => {
  await server?.close();
});

describe('registering a run with impact files', () => {
  it('imports every impact file and the programme tables', () => {
    expect(registered.impact).toEqual({ deterrence: 2, resurfacings: 1, candidates: 3, turnover: 70, belts: 2, factories: 3, outcomes: 2 });
  });

  it('flags the closed case whose operation resurfaced and notifies its owner, once', async () => {
    expect(caseId).toBe(1);
    expect(registered.resurfaced).toEqual([{ case_id: caseId, from_lead_id: 'L1', to_lead_id: 'L5', notified: 'analyst' }]);
    const c = (await as.analyst.call('GET', `/api/cases/${caseId}`)).body;
    expect(c.case.resurfaced_at).toEqual(expect.any(String));
    expect(c.case.outcome.site_kind).toBe('production');
    const ev = c.events.filter((e: any) => e.kind === 'resurfaced');
    expect(ev).toHaveLength(1);
    expect(ev[0].data).toMatchObject({ from_lead_id: 'L1', to_lead_id: 'L5', network_id: 'n1' });

    const mine = (await as.analyst.call('GET', '/api/notifications')).body;
    expect(mine.unread).toBe(1);
    expect(mine.items).toEqual([expect.objectContaining({ kind: 'case.resurfaced', case_id: caseId, read_at: null })]);
    expect(mine.items[0].message).toContain('L5');
    expect((await as.supervisor.call('GET', '/api/notifications')).body).toEqual({ items: [], unread: 0 });
    // Someone else's notification is not theirs to mark: 404, as a missing one.
    const id = mine.items[0].notification_id;
    expectError(await as.supervisor.call('POST', `/api/notifications/${id}/read`), 404, 'not_found');
    expect((await as.analyst.call('POST', `/api/notifications/${id}/read`)).status).toBe(200);
    expect((await as.analyst.call('GET', '/api/notifications?unread=true')).body).toEqual({ items: [], unread: 0 });
    const audit = (await as.supervisor.call('GET', `/api/audit?action=case.resurfaced`)).body;
    expect(audit.items.map((e: any) => e.object_id)).toEqual([String(caseId)]);

    // The same resurfacing in a later run links the case again but announces nothing new.
    const out3 = writeHandRun(join(root, 'run3'), run2);
    writeHandImpact(out3, { resurfacings: impact.resurfacings });
    const again = await registerRun(server.ws, SYSTEM, out3);
    expect(again.resurfaced).toEqual([]);
    expect((await as.analyst.call('GET', '/api/notifications')).body.items).toHaveLength(1);
    // Back to run 2's figures for the tests below: run 3 carried no deterrence.
    server.ws.sql.prepare(`DELETE FROM impact_resurfacings WHERE run_id = 3`).run();
    server.ws.sql.prepare(`DELETE FROM leads WHERE run_id = 3`).run();
    server.ws.sql.prepare(`DELETE FROM runs WHERE run_id = 3`).run();
  });

  it('refuses a bad impact file, naming the file, line and column, and registers nothing', async () => {
    const runs = (server.ws.sql.prepare(`SELECT count(*) AS n FROM runs`).get() as { n: number }).n;
    const bad = writeHandRun(join(root, 'bad'), run2);
    writeHandImpact(bad, { deterrence: [['o', 'L2', 10, 1, 1, 0, 'continued'], ['o', 'L3', 10, 1, 1, 0, 'gone']] });
    await expect(registerRun(server.ws, SYSTEM, bad)).rejects.toThrow(/deterrence\.csv: 1 bad row; line 3, column status_after: "gone" is not one of continued/);
    const bad2 = writeHandRun(join(root, 'bad2'), run2);
    writeHandImpact(bad2, { turnover: [['b1', '2026-13-45', 'shoes', 1, 1], ['b1', '2026-03-01', 'shoes', -5, 1]] });
    await expect(registerRun(server.ws, SYSTEM, bad2)).rejects.toThrow(/turnover\.csv: 2 bad rows; line 2, column date: "2026-13-45" is not a date.*line 3, column turnover: -5 is negative/);
    const bad3 = writeHandRun(join(root, 'bad3'), run2);
    writeHandImpact(bad3, { candidates: [] });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(bad3, 'impact', 'candidates.csv'), 'seller_id,score\ns1,0.5\n');
    await expect(registerRun(server.ws, SYSTEM, bad3)).rejects.toThrow(/candidates\.csv: the header lacks factory_id, evidence/);
    expect((server.ws.sql.prepare(`SELECT count(*) AS n FROM runs`).get() as { n: number }).n).toBe(runs);
  });
});

describe('the impact routes, role by role', () => {
  it('answers each role as its scope allows', async () => {
    const TEAM = { analyst: 200, supervisor: 200 };
    const table: [string, Record<string, number>][] = [
      ['GET /api/impact/outcomes', { ...TEAM, programme: 200, admin: 200, 'west-police': 200, 'east-police': 200 }],
      ['GET /api/impact/outcomes?region=west-psb', { ...TEAM, programme: 200, admin: 200, 'west-police': 200, 'east-police': 404 }],
      ['GET /api/impact/deterrence', { ...TEAM, programme: 200, admin: 200, 'west-police': 200, 'east-police': 200 }],
      ['GET /api/impact/deterrence?outcome_id=ws-case-1', { ...TEAM, programme: 200, admin: 200, 'west-police': 200, 'east-police': 404 }],
      ['GET /api/impact/resurfacings', { ...TEAM, 'west-police': 200, 'east-police': 200 }],
      ['GET /api/impact/programme', { ...TEAM, programme: 200, admin: 200 }],
      ['GET /api/impact/candidates', { ...TEAM, programme: 200 }],
      ['GET /api/impact/capacity-at-risk', TEAM],
      ['GET /api/notifications', { ...TEAM, programme: 200, admin: 200, 'west-police': 200, 'east-police': 200, 'brand-owner': 200 }],
    ];
    const got: string[] = [];
    const want: string[] = [];
    for (const [route, allowed] of table) {
      const [method, path] = route.split(' ');
      for (const name of Object.keys(USERS)) {
        const r = await as[name].call(method, path);
        got.push(`${name} ${route} ${r.status}`);
        want.push(`${name} ${route} ${allowed[name] ?? 403}`);
      }
    }
    expect(got).toEqual(want);
  });

  it('reports outcomes by month and region, each raid once, with sites by kind, conversion and days', async () => {
    const r = (await as.supervisor.call('GET', '/api/impact/outcomes')).body;
    const cell = (month: string, region: string) => r.rows.find((x: any) => x.month === month && x.region === region);
    expect(cell('2026-03', 'west-psb')).toMatchObject({
      raids: 1, sites_found: 1, sites_by_kind: { production: 1, storage: 0, shipping: 0, unrecorded: 0 }, arrests: 2, value_seized: 5000,
      // Lead seen with run 1's data (to 2026-02-01), raided 2026-03-10.
      median_days_lead_to_raid: 37,
    });
    expect(cell('2026-03', 'east-psb')).toMatchObject({ raids: 1, sites_found: 1, sites_by_kind: { unrecorded: 1 }, arrests: 1, value_seized: 1000, median_days_lead_to_raid: null });
    // First parcel 2026-01-01, lead with data to 2026-02-01: 31 days, counted in the lead's month.
    expect(cell('2026-02', 'west-psb')).toMatchObject({ median_days_first_parcel_to_lead: 31 });
    const thisMonth = new Date().toISOString().slice(0, 7);
    expect(cell(thisMonth, 'west-psb')).toMatchObject({ cases_opened: 1, leads_referred: 1, cases_referred: 1, lead_to_raid_conversion: 1 });
    expect(r.all).toMatchObject({ raids: 2, sites_found: 2, arrests: 3, value_seized: 6000, cases_opened: 1 });
    expect(r.totals.map((t: any) => t.region)).toEqual(['east-psb', 'west-psb']);
    // A police liaison sees their agency's region only.
    const west = (await as['west-police'].call('GET', '/api/impact/outcomes')).body;
    expect(new Set(west.rows.map((x: any) => x.region))).toEqual(new Set(['west-psb']));
    expect(west.all).toMatchObject({ raids: 1, arrests: 2, value_seized: 5000 });
    expect(west.regions).toEqual([{ region: 'west-psb', name: 'West PSB' }]);
  });

  it('measures deterrence per raid and region; lead by lead only for the enforcement team', async () => {
    const r = (await as.analyst.call('GET', '/api/impact/deterrence')).body;
    expect(r.raids.map((x: any) => [x.outcome_id, x.region, x.date, x.leads_watched])).toEqual([
      ['o-east', 'east-psb', '2026-03-05', 1],
      ['ws-case-1', 'west-psb', '2026-03-10', 1],
    ]);
    const ws1 = r.raids[1];
    expect(ws1).toMatchObject({ source: 'workspace', case_id: caseId, parcels_per_day_before: 10, parcels_per_day_after: 2, dip: 0.8, status_after: { paused: 1, stopped: 0 }, median_paused_days: 9, enrolments_after: 1 });
    expect(ws1.leads).toEqual([expect.objectContaining({ lead_id: 'L2', distance_m: 3000, status_after: 'paused', lat: P2.lat })]);
    // Dress Co enrolled on 2026-03-20, 2 km from L1 and 8 km from the east raid: after both, within 10 km of both.
    expect(r.raids[0]).toMatchObject({ source: 'dataset', dip: 1, status_after: { stopped: 1 }, enrolments_after: 1 });
    expect(r.by_region).toEqual([
      expect.objectContaining({ region: 'east-psb', month: '2026-03', raids: 1, stopped: 1 }),
      expect.objectContaining({ region: 'west-psb', month: '2026-03', raids: 1, paused: 1, dip: 0.8 }),
    ]);
    for (const name of ['programme', 'admin', 'west-police']) {
      const agg = (await as[name].call('GET', '/api/impact/deterrence')).body;
      expect(agg.raids.every((x: any) => !('leads' in x)), name).toBe(true);
      expect(JSON.stringify(agg), name).not.toContain('L2');
    }
    expect((await as['west-police'].call('GET', '/api/impact/deterrence')).body.raids.map((x: any) => x.outcome_id)).toEqual(['ws-case-1']);
    expect((await as['east-police'].call('GET', '/api/impact/deterrence')).body.raids.map((x: any) => x.outcome_id)).toEqual(['o-east']);
    expectError(await as.analyst.call('GET', '/api/impact/deterrence?outcome_id=nope'), 404, 'not_found', 'nope');
  });

  it('lists resurfacings with both sites and the case; a police liaison only their agency\'s, without the network', async () => {
    const r = (await as.analyst.call('GET', '/api/impact/resurfacings')).body.items;
    expect(r).toEqual([expect.objectContaining({ from_lead_id: 'L1', to_lead_id: 'L5', network_id: 'n1', case_id: caseId, distance_m: 4000, from: P1, to: { lat: P5.lat, lng: P5.lng } })]);
    const west = (await as['west-police'].call('GET', '/api/impact/resurfacings')).body.items;
    expect(west).toEqual([expect.objectContaining({ from_lead_id: 'L1', to_lead_id: 'L5', network_id: null, evidence: '', case_id: caseId })]);
    expect((await as['east-police'].call('GET', '/api/impact/resurfacings')).body.items).toEqual([]);
  });

  it("gives the programme's headline figures, share by province and growth on a year before", async () => {
    const p = (await as.programme.call('GET', '/api/impact/programme')).body;
    expect(p.headline).toEqual({
      belts: 2, factories: 3, factories_enrolled: 2, categories: ['clothing', 'shoes'],
      // The last 28 days (2026-03-01..28): b1 28 x 100 + b2 14 x 200 = 5600; a year before, b1 28 x 50 = 1400.
      daily_turnover: 200, period: { from: '2026-03-01', to: '2026-03-28' },
      growth: { turnover: 5600, year_before: 1400, growth: 3 },
      total_turnover: 7000, orders: 140,
    });
    expect(p.share_by_province).toEqual([{ province: 'Fujian', turnover: 4200, share: 0.6 }, { province: 'Zhejiang', turnover: 2800, share: 0.4 }]);
    expect(p.belts.map((b: any) => [b.belt_id, b.factories, b.enrolled, b.turnover, b.daily_turnover, b.lat])).toEqual([['b1', 2, 1, 4200, 100, 25.43], ['b2', 1, 1, 2800, 100, 30.27]]);
    expect(p.by_belt).toContainEqual({ month: '2025-03', belt_id: 'b1', turnover: 1400 });
    expect(p.by_category).toContainEqual({ month: '2026-03', category: 'clothing', turnover: 2800 });
    expect(p.enrolments_by_month).toEqual([{ month: '2025-06', enrolled: 1 }, { month: '2026-03', enrolled: 1 }]);
    // Aggregates only: no seller, factory or lead appears.
    expect(JSON.stringify(p)).not.toMatch(/"(seller_id|factory_id|lead_id)"|c-s\d|\bs[123]\b/);
  });

  it('ranks candidates by score with their factory, belt and evidence', async () => {
    const r = (await as.programme.call('GET', '/api/impact/candidates?limit=2')).body;
    expect(r.total).toBe(3);
    expect(r.next_offset).toBe(2);
    expect(r.items).toEqual([
      { rank: 1, seller_id: 'c-s8', factory_id: null, factory_name: null, belt_id: null, belt_name: null, score: 0.9, evidence: ['own brand', 'normal prices'] },
      { rank: 2, seller_id: 'c-s7', factory_id: 'f1', factory_name: 'Shoe Co', belt_id: 'b1', belt_name: 'Putian shoes', score: 0.8, evidence: ['no brand'] },
    ]);
    expect((await as.programme.call('GET', '/api/impact/candidates?belt=b2')).body.items.map((c: any) => c.seller_id)).toEqual(['c-s9']);
  });

  it('finds OEM capacity at risk from factory accounts shipping from a lead, for the enforcement team', async () => {
    const r = (await as.supervisor.call('GET', '/api/impact/capacity-at-risk')).body;
    expect(r.source).toBe('workspace');
    // f2 runs s2, one of L2's accounts, and its premises lie 100 m from L3; Dress Co lies 1 km from L2 and 2 km from L5, too far.
    expect(r.items.map((f: any) => [f.factory_id, f.links.map((l: any) => `${l.link}:${l.seller_id}:${l.lead_id}`)])).toEqual([
      ['f2', ['account:s2:L2', 'premises:null:L3']],
    ]);
    expect(r.items[0]).toMatchObject({ factory_name: 'Small shoe works', belt_id: 'b1', capacity_per_month: 8000, enrolled_at: null, source: 'workspace' });
  });
});

describe('the store', () => {
  it('migrates a version 1 workspace to the impact tables, keeping its rows', () => {
    const dir = join(tempDir('dragnet-migrate-'), 'ws');
    const ws = Workspace.open(dir, { create: true });
    addPartner(ws, SYSTEM, { partner_id: 'p1', name: 'P', jurisdiction: box(118.9, 119.0), categories: ['shoes'], valid_from: null, valid_to: null });
    ws.close();
    // Back to version 1: without the tables and column version 2 added.
    const db = new BetterSqlite3(join(dir, 'workspace.sqlite'));
    for (const t of ['impact_deterrence', 'impact_resurfacings', 'impact_candidates', 'impact_turnover', 'impact_capacity', 'run_belts', 'run_factories', 'run_outcomes', 'notifications']) db.exec(`DROP TABLE ${t}`);
    db.exec(`ALTER TABLE cases DROP COLUMN resurfaced_at; UPDATE meta SET value = '1' WHERE key = 'schema_version'`);
    db.close();
    const again = Workspace.open(dir);
    try {
      expect(again.meta('schema_version')).toBe(String(SCHEMA_VERSION));
      expect(again.sql.prepare(`SELECT count(*) AS n FROM impact_turnover`).get()).toEqual({ n: 0 });
      expect(again.sql.prepare(`SELECT resurfaced_at FROM cases`).all()).toEqual([]);
      expect(again.sql.prepare(`SELECT partner_id FROM partners`).all()).toEqual([{ partner_id: 'p1' }]);
    } finally {
      again.close();
    }
  });
});
