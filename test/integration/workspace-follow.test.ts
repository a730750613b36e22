/**
 * A case follows its site across runs. One generated world is cut at two
 * dates (the data as it stood two thirds of the way through, and all of it);
 * cases opened on the early run's top leads must, once the later run is
 * registered, point at the later run's lead at the same site, with its
 * score, a `lead_update` event, and no second case opened on that site.
 * Then follow.ts on hand-made leads: a site that `moved` hands its case to
 * the successor, and a lead 5 km away of another operation is not the site.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../src/world/generate.ts';
import { SCENARIOS } from '../../src/world/scenarios.ts';
import { analyze } from '../../src/pipeline.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { Database, literal } from '../../src/engine/database.ts';
import { Workspace } from '../../src/workspace/store.ts';
import { SYSTEM } from '../../src/workspace/audit.ts';
import { registerRun } from '../../src/workspace/runs.ts';
import { addUser, actorOf, type User } from '../../src/workspace/users.ts';
import { CaseError, caseEvents, caseLeads, getCase, openCase, type CaseRecord } from '../../src/workspace/cases.ts';
import { caseForLead, matchSite, NEARBY_M } from '../../src/workspace/follow.ts';
import { haversineMeters } from '../../src/geo.ts';
import type { LeadRecord } from '../../src/workspace/types.ts';
import { tempDir } from '../helpers/db.ts';
import { east, handLead, writeHandRun } from '../helpers/hand-run.ts';

/**
 * The dataset as it stood before `cut` (YYYY-MM-DD, local): pickups whose
 * pickup_time (or, lacking one, accept_time) falls before it, the shipments
 * of those waybills, the outcomes dated before it; every other table as is.
 * Timestamps are compared as text on their local date, which every
 * well-formed timestamp of the world starts with.
 */
async function cutDataset(src: string, dst: string, cut: string): Promise<void> {
  mkdirSync(dst, { recursive: true });
  for (const f of readdirSync(src)) {
    if (statSync(join(src, f)).isFile() && !['pickups.csv', 'shipments.csv', 'outcomes.csv'].includes(f)) copyFileSync(join(src, f), join(dst, f));
  }
  const db = await Database.open(':memory:');
  try {
    const read = (f: string) => `read_csv(${literal(join(src, f))}, all_varchar = true, header = true)`;
    const write = (f: string) => `TO ${literal(join(dst, f))} (FORMAT csv, HEADER true)`;
    await db.run(`CREATE TABLE kept AS SELECT * FROM ${read('pickups.csv')} WHERE left(coalesce(pickup_time, accept_time), 10) < ${literal(cut)}`);
    await db.run(`COPY kept ${write('pickups.csv')}`);
    await db.run(`COPY (SELECT s.* FROM ${read('shipments.csv')} s WHERE s.waybill_id IN (SELECT waybill_id FROM kept)) ${write('shipments.csv')}`);
    await db.run(`COPY (SELECT * FROM ${read('outcomes.csv')} WHERE date < ${literal(cut)}) ${write('outcomes.csv')}`);
  } finally {
    db.close();
  }
}

const csvRows = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').length - 1;

describe('a case follows its site from one run to the next (generated world, two cuts)', () => {
  let ws: Workspace;
  let analyst: User;
  let early: LeadRecord[];
  let late: LeadRecord[];
  let opened: CaseRecord[];
  let followed: { case_id: number; lead_id: string; relation: string }[];
  let unmatched: number[];
  let run1: number;
  let run2: number;

  beforeAll(async () => {
    const root = tempDir('dragnet-follow-');
    const world = join(root, 'world');
    const summary = await generateWorld({ scenario: SCENARIOS.putian.scenario, seed: 5, pickups: 32_000, out: world, format: 'csv', crs: 'WGS84' }, silentProgress);
    // Two thirds of the way through the data.
    const start = Date.parse(`${summary.startDate}T00:00:00Z`);
    const end = Date.parse(`${summary.endDate}T00:00:00Z`);
    const cut = new Date(start + ((end - start) * 2) / 3).toISOString().slice(0, 10);
    const earlyWorld = join(root, 'early');
    await cutDataset(world, earlyWorld, cut);
    // The cut really holds less: about two thirds of the pickups.
    const [all, kept] = [csvRows(join(world, 'pickups.csv')), csvRows(join(earlyWorld, 'pickups.csv'))];
    expect(kept).toBeGreaterThan(all * 0.5);
    expect(kept).toBeLessThan(all * 0.8);

    ws = Workspace.open(join(root, 'ws'), { create: true });
    analyst = await addUser(ws, SYSTEM, { name: 'ana', role: 'analyst', password: 'correct horse battery' });
    const actor = actorOf(analyst, '127.0.0.1');

    await analyze({ dataset: earlyWorld, out: join(root, 'out-early'), progress: silentProgress });
    const r1 = await registerRun(ws, SYSTEM, join(root, 'out-early'));
    run1 = r1.run.run_id;
    expect(r1.follow).toEqual({ followed: [], unmatched: [] });
    early = leadsOf(ws, run1);
    expect(r1.run.data_end! < cut).toBe(true);

    // Cases on the top leads, one per site: a lead whose site already has a case is refused (and skipped here).
    opened = [];
    for (const l of early) {
      if (opened.length === 3) break;
      try {
        opened.push(openCase(ws, actor, analyst, run1, l.lead_id));
      } catch (e) {
        if (!(e instanceof CaseError && e.code === 'conflict')) throw e;
      }
    }
    expect(opened).toHaveLength(3);

    await analyze({ dataset: world, out: join(root, 'out-late'), progress: silentProgress });
    const r2 = await registerRun(ws, SYSTEM, join(root, 'out-late'));
    run2 = r2.run.run_id;
    late = leadsOf(ws, run2);
    followed = r2.follow.followed;
    unmatched = r2.follow.unmatched;
    expect(r2.run.data_end! > r1.run.data_end!).toBe(true);
  });

  it('links every case to the later run\'s lead at its site, with that lead\'s place and score', () => {
    expect(unmatched).toEqual([]);
    for (const c0 of opened) {
      const links = caseLeads(ws, c0.case_id);
      expect(links[0]).toMatchObject({ run_id: run1, lead_id: c0.lead_id, relation: 'opened_on' });
      const matched = links.filter((l) => l.run_id === run2 && l.relation !== 'successor');
      expect(matched).toHaveLength(1);
      expect(['same_site', 'same_operation']).toContain(matched[0].relation);
      const m = late.find((l) => l.lead_id === matched[0].lead_id)!;
      expect(m).toBeDefined();
      // Where the case stood: the same place (within the radii) or the same operation within NEARBY_M.
      const d = haversineMeters(c0.lat, c0.lng, m.lat, m.lng);
      if (matched[0].relation === 'same_site') expect(d).toBeLessThanOrEqual(c0.radius_m + m.radius_m + 50);
      else {
        expect(d).toBeLessThanOrEqual(NEARBY_M);
        expect(m.seller_ids.some((s) => c0.seller_ids.includes(s)) || m.network_ids.some((n) => c0.network_ids.includes(n))).toBe(true);
      }
      expect(followed).toContainEqual({ case_id: c0.case_id, lead_id: m.lead_id, relation: matched[0].relation });

      // The case now stands on run 2's lead (its successor when that site moved on).
      const successor = links.find((l) => l.run_id === run2 && l.relation === 'successor');
      const current = successor ? late.find((l) => l.lead_id === successor.lead_id)! : m;
      if (successor) expect(m.status).toBe('moved');
      const c = getCase(ws, analyst, c0.case_id);
      expect(c.run_id).toBe(run2);
      expect(c.lead_id).toBe(current.lead_id);
      expect(c.score).toBe(current.score);
      expect([c.lat, c.lng, c.radius_m]).toEqual([current.lat, current.lng, current.radius_m]);
      expect(c.state).toBe('new');
    }
    // More data moved the scores: at least one case's score is not the one it was opened with.
    expect(opened.some((c0) => getCase(ws, analyst, c0.case_id).score !== c0.score)).toBe(true);
  });

  it('records a lead_update event naming the run, the lead and its score', () => {
    for (const c0 of opened) {
      const c = getCase(ws, analyst, c0.case_id);
      const updates = caseEvents(ws, c0.case_id).filter((e) => e.kind === 'lead_update');
      expect(updates).toHaveLength(1);
      expect(updates[0].data).toMatchObject({ run_id: run2, lead_id: c.lead_id, score: c.score });
      expect(updates[0].comment).toContain(`run ${run2}`);
    }
    const audited = ws.sql.prepare(`SELECT count(*) FROM audit WHERE action = 'case.follow'`).pluck().get();
    expect(audited).toBe(opened.length);
  });

  it('opens no second case on the site: the matched run-2 lead belongs to the case', () => {
    for (const c0 of opened) {
      const matched = caseLeads(ws, c0.case_id).filter((l) => l.run_id === run2);
      for (const link of matched) {
        const lead = late.find((l) => l.lead_id === link.lead_id)!;
        expect(caseForLead(ws, lead)).toBe(c0.case_id);
        let err: unknown;
        try {
          openCase(ws, SYSTEM, analyst, run2, link.lead_id);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(CaseError);
        expect((err as CaseError).code).toBe('conflict');
        expect((err as CaseError).details).toEqual({ case_id: c0.case_id });
      }
    }
    expect(ws.sql.prepare(`SELECT count(*) FROM cases`).pluck().get()).toBe(opened.length);
  });
});

function leadsOf(ws: Workspace, runId: number): LeadRecord[] {
  const rows = ws.sql.prepare(`SELECT lead_id FROM leads WHERE run_id = ? ORDER BY rank`).all(runId) as { lead_id: string }[];
  const get = ws.sql.prepare(`SELECT * FROM leads WHERE run_id = ? AND lead_id = ?`);
  return rows.map((r) => {
    const l = get.get(runId, r.lead_id) as Record<string, unknown>;
    return {
      ...(l as unknown as LeadRecord),
      seller_ids: JSON.parse(l.seller_ids as string),
      network_ids: JSON.parse(l.network_ids as string),
      brands: JSON.parse(l.brands as string),
      categories: JSON.parse(l.categories as string),
      evidence: JSON.parse(l.evidence as string),
    };
  });
}

describe('follow.ts on hand-made leads', () => {
  const P = { lat: 25.45, lng: 119.0 };

  async function setup() {
    const root = tempDir('dragnet-follow-unit-');
    const ws = Workspace.open(join(root, 'ws'), { create: true });
    const analyst = await addUser(ws, SYSTEM, { name: 'ana', role: 'analyst', password: 'correct horse battery' });
    return { root, ws, analyst, actor: actorOf(analyst, null) };
  }

  it('a site that moved hands its case to the successor lead', async () => {
    const { root, ws, analyst, actor } = await setup();
    try {
      const r1 = await registerRun(ws, SYSTEM, writeHandRun(join(root, 'run1'), [
        handLead({ lead_id: 'L-den', ...P, score: 0.9, seller_ids: ['S1', 'S2'], network_ids: ['N-1'] }),
      ]));
      const c = openCase(ws, actor, analyst, r1.run.run_id, 'L-den');
      // Run 2: the den went quiet and its operation resumed 1.5 km east.
      const moved = east(P.lat, P.lng, 1500);
      const r2 = await registerRun(ws, SYSTEM, writeHandRun(join(root, 'run2'), [
        handLead({ lead_id: 'L-new', ...moved, score: 0.95, radius_m: 30, seller_ids: ['S2', 'S3'], network_ids: ['N-1'] }),
        handLead({ lead_id: 'L-den', ...P, score: 0.4, status: 'moved', successor_lead_id: 'L-new', seller_ids: ['S1', 'S2'], network_ids: ['N-1'] }),
      ]));
      const run2 = r2.run.run_id;
      expect(r2.follow).toEqual({
        followed: [
          { case_id: c.case_id, lead_id: 'L-den', relation: 'same_site' },
          { case_id: c.case_id, lead_id: 'L-new', relation: 'successor' },
        ],
        unmatched: [],
      });
      expect(caseLeads(ws, c.case_id).map(({ run_id, lead_id, relation }) => ({ run_id, lead_id, relation }))).toEqual([
        { run_id: r1.run.run_id, lead_id: 'L-den', relation: 'opened_on' },
        { run_id: run2, lead_id: 'L-den', relation: 'same_site' },
        { run_id: run2, lead_id: 'L-new', relation: 'successor' },
      ]);
      const now = getCase(ws, analyst, c.case_id);
      expect(now).toMatchObject({ run_id: run2, lead_id: 'L-new', score: 0.95, radius_m: 30, lat: moved.lat, lng: moved.lng });
      // Accounts accumulate across the site's history.
      expect(now.seller_ids).toEqual(['S1', 'S2', 'S3']);
      const update = caseEvents(ws, c.case_id).find((e) => e.kind === 'lead_update')!;
      expect(update.data).toMatchObject({ run_id: run2, lead_id: 'L-new', matched_lead_id: 'L-den', relation: 'successor', score: 0.95 });
      expect(update.comment).toBe(`run ${run2}: the site moved; lead L-den continues at L-new`);
      // The successor is the case's site now: no second case on it.
      expect(() => openCase(ws, actor, analyst, run2, 'L-new')).toThrow(/already the site of open case/);
    } finally {
      ws.close();
    }
  });

  it('a lead 5 km away of an unrelated operation is not the site', async () => {
    const { root, ws, analyst, actor } = await setup();
    try {
      const r1 = await registerRun(ws, SYSTEM, writeHandRun(join(root, 'run1'), [
        handLead({ lead_id: 'L-den', ...P, seller_ids: ['S1'], network_ids: ['N-1'] }),
      ]));
      const c = openCase(ws, actor, analyst, r1.run.run_id, 'L-den');
      const far = east(P.lat, P.lng, 5000);
      const lead = handLead({ lead_id: 'L-far', ...far, seller_ids: ['S9'], network_ids: ['N-9'] });
      expect(matchSite({ ...c }, { ...lead, run_id: 0 })).toBeNull();
      const r2 = await registerRun(ws, SYSTEM, writeHandRun(join(root, 'run2'), [lead]));
      expect(r2.follow).toEqual({ followed: [], unmatched: [c.case_id] });
      expect(caseLeads(ws, c.case_id)).toHaveLength(1);
      expect(getCase(ws, analyst, c.case_id)).toMatchObject({ run_id: r1.run.run_id, lead_id: 'L-den', lat: P.lat, lng: P.lng });
      expect(caseEvents(ws, c.case_id).filter((e) => e.kind === 'lead_update')).toEqual([]);
      // It is no one's site: a case may be opened on it.
      expect(openCase(ws, actor, analyst, r2.run.run_id, 'L-far').case_id).toBe(c.case_id + 1);
    } finally {
      ws.close();
    }
  });

  it('matchSite: the same place, the same operation nearby, nothing beyond', () => {
    const site = { ...P, radius_m: 40, seller_ids: ['S1'], network_ids: ['N-1'] };
    const at = (m: number, over: Partial<LeadRecord> = {}): LeadRecord => ({ ...handLead({ lead_id: 'x', ...east(P.lat, P.lng, m), radius_m: 40 }), run_id: 1, ...over });
    expect(matchSite(site, at(100))?.relation).toBe('same_site'); // 100 <= 40 + 40 + 50
    expect(matchSite(site, at(200))).toBeNull(); // too far for the same place, and another operation
    expect(matchSite(site, at(1900, { network_ids: ['N-1'] }))?.relation).toBe('same_operation');
    expect(matchSite(site, at(1900, { seller_ids: ['S1'] }))?.relation).toBe('same_operation');
    expect(matchSite(site, at(2100, { network_ids: ['N-1'] }))).toBeNull();
    expect(matchSite(site, at(5000, { network_ids: ['N-9'], seller_ids: ['S9'] }))).toBeNull();
  });
});
