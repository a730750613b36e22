/**
 * Closed cases feed the next analysis. On one small world: a case on a lead
 * is carried through the API to a confirmed raid, another to a check that
 * found nothing just after the lead's parcels stopped; the next analysis,
 * reading the workspace's outcomes beside the dataset (`feedbackFiles`),
 * raises the first lead, lowers the second, and learns listing weights from
 * the raided accounts (leads.ts and listings.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/pipeline.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { haversineMeters } from '../../src/geo.ts';
import { SYSTEM } from '../../src/workspace/audit.ts';
import { addPartner } from '../../src/workspace/partners.ts';
import { addUser } from '../../src/workspace/users.ts';
import { feedbackFiles } from '../../src/workspace/feedback.ts';
import type { Lead } from '../../src/stages/leads/leads.ts';
import { makeWorkspace, serveWorkspace, signIn, type Client, type TestWorkspace } from '../helpers/workspace.ts';

interface RiskTerm { stage: string; term: string; prior: number; fitted: number; labels: number; positives: number; label_weight: number }
interface RunJson { tables: Record<string, { files: string[]; read: number; accepted: number; quarantined: number }>; risk_model: RiskTerm[] }

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const leadsOf = (dir: string): Lead[] =>
  readJson<{ features: { geometry: { coordinates: [number, number] }; properties: Lead }[] }>(join(dir, 'leads.geojson')).features.map((f) => ({
    ...f.properties,
    lng: f.geometry.coordinates[0],
    lat: f.geometry.coordinates[1],
  }));

describe('closed cases feed the next analysis', () => {
  let t: TestWorkspace;
  let server: Awaited<ReturnType<typeof serveWorkspace>>;
  let before: Lead[];
  let after: Lead[];
  let confirmed: Lead;
  let cleared: Lead;
  let raidDate: string;
  let checkDate: string;
  let files: ReturnType<typeof feedbackFiles>;
  let run1: RunJson;
  let run2: RunJson;
  let worldOutcomes: string[][];

  /** Carries a case from `new` to `referred` to the test partner, through the API. */
  async function refer(analyst: Client, supervisor: Client, leadId: string): Promise<number> {
    const opened = await analyst.call('POST', '/api/cases', { lead_id: leadId, comment: 'worth a look' });
    expect(opened.status).toBe(201);
    const id = opened.body.case_id as number;
    for (const [who, body] of [
      [analyst, { to: 'analysing', comment: 'reading the accounts' }],
      [analyst, { to: 'offline_check', comment: 'asking the field team' }],
      [analyst, { to: 'referral_proposed', comment: 'enough for the police', partner_id: 'test-psb' }],
      [supervisor, { to: 'referred', comment: 'approved' }],
    ] as const) {
      const r = await who.call('POST', `/api/cases/${id}/transitions`, body);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.state).toBe(body.to);
    }
    return id;
  }

  beforeAll(async () => {
    t = await makeWorkspace(3, 20_000);
    run1 = readJson<RunJson>(join(t.results, 'run.json'));
    before = leadsOf(t.results);
    worldOutcomes = readFileSync(join(t.world, 'outcomes.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const nearWorldOutcome = (l: Lead) => worldOutcomes.some((o) => Math.abs(Number(o[1])) <= 90 && haversineMeters(Number(o[1]), Number(o[2]), l.lat, l.lng) < 400);
    // The highest active lead no outcome of the dataset already speaks of; and the highest lead whose parcels stopped, away from it.
    confirmed = before.find((l) => l.status === 'active' && !nearWorldOutcome(l))!;
    cleared = before.find((l) => l.status !== 'active' && !nearWorldOutcome(l) && haversineMeters(l.lat, l.lng, confirmed.lat, confirmed.lng) > 400)!;
    expect(confirmed).toBeDefined();
    expect(cleared).toBeDefined();
    // A raid inside the data's span, a fortnight before the lead's last parcel.
    raidDate = new Date(Date.parse(confirmed.last_seen) - 14 * 86_400_000).toISOString().slice(0, 10);
    expect(raidDate > confirmed.first_seen.slice(0, 10)).toBe(true);
    // Checked on the day its parcels stopped: nothing came after, so the check counts.
    checkDate = cleared.last_seen.slice(0, 10);

    server = await serveWorkspace(t.wsDir);
    const ws = server.ws;
    const categories = [...new Set(before.flatMap((l) => l.categories))];
    addPartner(ws, SYSTEM, {
      partner_id: 'test-psb', name: 'Test PSB', categories,
      jurisdiction: { type: 'Polygon', coordinates: [[[118, 24], [120, 24], [120, 27], [118, 27], [118, 24]]] },
    });
    await addUser(ws, SYSTEM, { name: 'test-police', role: 'police_liaison', agency_id: 'test-psb', password: 'police password 1' });
    const base = server.served.url;
    const analyst = await signIn(base, 'analyst', t.users.analyst.password);
    const supervisor = await signIn(base, 'supervisor', t.users.supervisor.password);
    const police = await signIn(base, 'test-police', 'police password 1');

    const a = await refer(analyst, supervisor, confirmed.lead_id);
    let r = await police.call('POST', `/api/cases/${a}/transitions`, { to: 'raided', comment: 'raided', raid_date: raidDate });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    r = await police.call('POST', `/api/cases/${a}/transitions`, {
      to: 'closed', comment: 'goods seized', outcome: { result: 'confirmed', seized_value: 250_000, arrests: 3, items: 1200, address_found: 'Unit 4, 12 Example Rd' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.outcome).toMatchObject({ result: 'confirmed', raid_date: raidDate });

    const b = await refer(analyst, supervisor, cleared.lead_id);
    r = await police.call('POST', `/api/cases/${b}/transitions`, { to: 'closed', comment: 'premises empty', outcome: { result: 'nothing_found', raid_date: checkDate } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);

    files = feedbackFiles(ws);
    await analyze({ dataset: t.world, out: join(t.root, 'results-2'), progress: silentProgress, extraFiles: files });
    run2 = readJson<RunJson>(join(t.root, 'results-2', 'run.json'));
    after = leadsOf(join(t.root, 'results-2'));
  });

  afterAll(async () => {
    await server?.close();
  });

  it('writes outcomes.csv in the dataset contract\'s form, and the next run reads it', () => {
    const file = join(t.wsDir, 'feedback', 'outcomes.csv');
    expect(files.outcomes).toEqual([file]);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('outcome_id,lat,lng,date,result,seized_value,arrests,note');
    expect(lines.slice(1)).toEqual([
      `ws-case-1,${confirmed.lat},${confirmed.lng},${raidDate},confirmed,250000,3,"workspace case 1; Unit 4, 12 Example Rd; 1200 items"`,
      `ws-case-2,${cleared.lat},${cleared.lng},${checkDate},nothing_found,,,workspace case 2`,
    ]);
    expect(run2.tables.outcomes.files).toEqual([...run1.tables.outcomes.files, file]);
    expect(run2.tables.outcomes.accepted).toBe(run1.tables.outcomes.accepted + 2);
    expect(run2.tables.outcomes.read).toBe(run1.tables.outcomes.read + 2);
    // Nothing else came from the workspace: no reports were filed.
    expect(files.reports).toBeUndefined();
    expect(run2.tables.reports.files).toEqual(run1.tables.reports.files);
  });

  it('a confirmed raid raises its lead and says so', () => {
    const next = after.find((l) => l.lead_id === confirmed.lead_id)!;
    expect(next).toBeDefined();
    expect(next.score).toBeGreaterThan(confirmed.score);
    expect(next.rank).toBeLessThanOrEqual(confirmed.rank);
    expect(next.evidence).toContain(`confirmed by an offline check on ${raidDate}`);
    expect(confirmed.evidence.some((e) => e.startsWith('confirmed by an offline check'))).toBe(false);
  });

  it('a confirmed raid labels the raided accounts\' listings, and the listing weights move', () => {
    const listing = (r: RunJson) => r.risk_model.filter((m) => m.stage === 'listings');
    const [m1, m2] = [listing(run1), listing(run2)];
    expect(m1.map((m) => m.term)).toEqual(m2.map((m) => m.term));
    // More labels, all of them positives, and more label weight.
    expect(m2[0].labels).toBeGreaterThan(m1[0].labels);
    expect(m2[0].positives - m1[0].positives).toBe(m2[0].labels - m1[0].labels);
    expect(m2[0].label_weight).toBeGreaterThan(m1[0].label_weight);
    // The prior is the same; the fit is not.
    expect(m2.map((m) => m.prior)).toEqual(m1.map((m) => m.prior));
    expect(m2.map((m) => m.fitted)).not.toEqual(m1.map((m) => m.fitted));
  });

  it('a check that found nothing, with no parcels after it, lowers its lead', () => {
    const next = after.find((l) => l.lead_id === cleared.lead_id)!;
    expect(next).toBeDefined();
    expect(next.last_seen).toBe(cleared.last_seen);
    // log-odds - 2: a lead at 0.9 falls to about 0.55.
    expect(next.score).toBeLessThan(cleared.score - 0.1);
    expect(next.rank).toBeGreaterThan(cleared.rank);
    expect(next.evidence).toContain(`checked on ${checkDate}, nothing found, no new activity since: lowered`);
  });
});
