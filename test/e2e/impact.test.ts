/**
 * The impact pages end to end (issue 12), in Debian's Chromium on a
 * generated world's workspace: the run is registered again with impact/
 * files written here from the world's own leads, outcomes, belts and
 * factory accounts (results contract, section impact/), so that every
 * figure the pages show is known. The programme manager sees the programme
 * dashboard, the candidates and deterrence in aggregate, never a lead; the
 * analyst sees deterrence lead by lead with the resurfacings on the map and
 * the outcomes; a police liaison only the enforcement pages. Each page is
 * checked with axe-core and kept as a screenshot.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/database.ts';
import { SYSTEM } from '../../src/workspace/audit.ts';
import { registerRun } from '../../src/workspace/runs.ts';
import { Workspace } from '../../src/workspace/store.ts';
import { openCase } from '../../src/workspace/cases.ts';
import { actorOf, userByName } from '../../src/workspace/users.ts';
import { geoLeads, metres } from '../helpers/api.ts';
import { checkPage, ensureConsoleBuilt, launchBrowser, noProblems, settled, signInPage, type Watched } from '../helpers/browser.ts';
import { writeHandImpact, type HandImpact } from '../helpers/hand-run.ts';
import { makeWorkspace, serveWorkspace, type TestWorkspace } from '../helpers/workspace.ts';

let tw: TestWorkspace;
let server: Awaited<ReturnType<typeof serveWorkspace>>;
let browser: Browser;
const known = { raids: 0, belts: 0, candidates: [] as string[], raidIds: [] as string[], resurfacing: ['', ''] };

beforeAll(async () => {
  ensureConsoleBuilt();
  tw = await makeWorkspace();
  const leads = geoLeads(tw.results);
  const db = await Database.open(join(tw.results, 'dragnet.duckdb'), { readOnly: true });
  let outcomes: { outcome_id: string; lat: number; lng: number }[];
  let belts: { belt_id: string }[];
  let accounts: { seller_id: string; factory_id: string }[];
  try {
    outcomes = await db.all(`SELECT outcome_id, lat, lng FROM outcomes ORDER BY date, outcome_id`);
    belts = await db.all(`SELECT belt_id FROM belts ORDER BY belt_id`);
    accounts = await db.all(`SELECT a.seller_id, a.factory_id FROM factory_accounts a JOIN factories f USING (factory_id) WHERE f.enrolled_at IS NULL ORDER BY a.seller_id LIMIT 12`);
  } finally {
    db.close();
  }
  if (outcomes.length === 0 || belts.length === 0 || accounts.length === 0) throw new Error('the test world needs outcomes, belts and factory accounts');
  const impact: HandImpact = { deterrence: [], candidates: [], turnover: [] };
  const statuses = ['paused', 'stopped', 'continued', 'moved'];
  for (const o of outcomes.slice(0, 3)) {
    const near = leads.filter((l) => metres(l, o) <= 10_000).slice(0, 6);
    if (near.length === 0) continue;
    known.raidIds.push(o.outcome_id);
    near.forEach((l, i) => impact.deterrence!.push([o.outcome_id, l.lead_id, Math.round(metres(l, o)), 12 + i, 3 + i, i % 2 ? 0 : 9, statuses[i % statuses.length]]));
  }
  const moved = leads.find((l) => l.status === 'moved' && l.properties.successor_lead_id);
  known.resurfacing = moved ? [moved.lead_id, String(moved.properties.successor_lead_id)] : [leads[0].lead_id, leads[1].lead_id];
  impact.resurfacings = [[known.resurfacing[0], known.resurfacing[1], 'net-1', '2026-02-01', '2026-02-20T22:00:00+08:00', 2500, 'the same accounts']];
  accounts.forEach((a, i) => impact.candidates!.push([a.seller_id, a.factory_id, Math.round((0.95 - i * 0.05) * 100) / 100, 'parcels from factory premises;working hours']));
  known.candidates = accounts.map((a) => a.seller_id);
  for (const b of belts) {
    for (let d = 0; d < 60; d++) {
      const day = (y: number) => new Date(Date.UTC(y, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
      impact.turnover!.push([b.belt_id, day(2025), 'shoes', 1000, 10], [b.belt_id, day(2026), 'shoes', 1500, 14]);
    }
  }
  known.belts = belts.length;
  known.raids = outcomes.length;
  writeHandImpact(tw.results, impact);
  const ws = Workspace.open(tw.wsDir);
  try {
    // A case on the site that goes quiet: the new run's resurfacing flags it and notifies the analyst who opened it.
    const analyst = userByName(ws, 'analyst')!;
    openCase(ws, actorOf(analyst, null), analyst, 1, known.resurfacing[0]);
    await registerRun(ws, SYSTEM, tw.results, 'run with impact');
  } finally {
    ws.close();
  }
  server = await serveWorkspace(tw.wsDir);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const signInAs = (name: string): Promise<Watched> => signInPage(browser, server.served.url, name, tw.users[name].password);
/** A table by the label of its scrolling box (TableWrap). */
const table = (page: Page, name: string) => page.locator(`div.table-wrap[aria-label="${name}"] table`);
const navNames = (w: Watched) => w.page.getByRole('navigation').getByRole('link').allInnerTexts();

describe('the impact pages', () => {
  it('shows the programme manager the programme, the candidates and deterrence in aggregate, no lead', async () => {
    const w = await signInAs('programme');
    const { page } = w;
    expect(await navNames(w)).toEqual(['Overview', 'Outcomes', 'Deterrence', 'Programme', 'Candidates']);
    await page.getByRole('navigation').getByRole('link', { name: 'Programme' }).click();
    await settled(page);
    const figures = await page.getByRole('list', { name: 'Programme figures' }).innerText();
    expect(figures).toMatch(new RegExp(`Industrial belts\\s+${known.belts}\\b`));
    // 60 days at 1,500 against the same days a year before at 1,000.
    expect(figures).toMatch(/Growth on a year before\s+50%/);
    await expect(page.locator('div.map[aria-label="Map of the industrial belts, circles sized by turnover"]').count()).resolves.toBe(1);
    await settled(page);
    expect(await page.evaluate(() => Boolean((window as unknown as { dragnetMaps: Record<string, { getLayer: (id: string) => unknown }> }).dragnetMaps.belts.getLayer('belts')))).toBe(true);
    await checkPage(w, 'programme');

    await page.getByRole('navigation').getByRole('link', { name: 'Candidates' }).click();
    await settled(page);
    const rows = table(page, 'Candidates to invite').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(known.candidates.length);
    await expect(rows.first().locator('th').innerText()).resolves.toBe(known.candidates[0]);
    await checkPage(w, 'candidates');

    await page.getByRole('navigation').getByRole('link', { name: 'Deterrence' }).click();
    await settled(page);
    await expect(table(page, 'Raids and the leads around them').locator('tbody tr').count()).resolves.toBe(known.raidIds.length);
    await expect(page.locator('div.table-wrap[aria-label^="Leads around raid"]').count()).resolves.toBe(0);
    expect(await page.locator('main').innerText()).not.toContain(known.resurfacing[0]);
    await checkPage(w, 'deterrence-programme');

    await page.getByLabel('Language').selectOption('zh');
    await page.getByRole('navigation').getByRole('link', { name: '品牌扶持计划' }).click();
    await page.getByRole('heading', { name: '产业带自主品牌扶持' }).waitFor();
    await checkPage(w, 'programme-zh');
    await page.getByLabel('语言').selectOption('en');
    noProblems(w);
    await w.close();
  });

  it('shows the analyst deterrence lead by lead with the resurfacing, and the outcomes', async () => {
    const w = await signInAs('analyst');
    const { page } = w;
    expect(await navNames(w)).toEqual(expect.arrayContaining(['Outcomes', 'Deterrence', 'Programme', 'Candidates']));
    await settled(page);
    await page.getByRole('navigation').getByRole('link', { name: 'Deterrence' }).click();
    await settled(page);
    const leadsTable = table(page, `Leads around raid ${known.raidIds[0]}`);
    await expect(leadsTable.locator('tbody tr').count()).resolves.toBeGreaterThan(0);
    await expect(page.getByRole('img', { name: /^Parcels per day of the leads around raid/ }).count()).resolves.toBe(1);
    const resurfaced = table(page, 'Resurfacings').locator('tbody tr');
    await expect(resurfaced.count()).resolves.toBe(1);
    await expect(resurfaced.first().innerText()).resolves.toContain(known.resurfacing[1]);
    if (known.raidIds.length > 1) {
      await page.getByLabel('Show raid').selectOption(known.raidIds[1]);
      await table(page, `Leads around raid ${known.raidIds[1]}`).waitFor();
    }
    await checkPage(w, 'deterrence');

    // The case on the quiet site was flagged and its owner told.
    await page.getByRole('link', { name: 'Notifications (1)' }).click();
    await settled(page);
    const note = page.locator('ul.notifications li');
    await expect(note.count()).resolves.toBe(1);
    await expect(note.innerText()).resolves.toContain(known.resurfacing[1]);
    await checkPage(w, 'notifications');
    await note.getByRole('button', { name: 'Mark read' }).click();
    await page.getByRole('button', { name: 'Mark read' }).waitFor({ state: 'detached' });
    await note.getByRole('link', { name: /^Open case/ }).click();
    await settled(page);
    await page.getByText(`the operation of lead ${known.resurfacing[0]} shipped again`).first().waitFor();
    await page.getByRole('link', { name: 'Notifications (0)' }).waitFor();

    await page.getByRole('navigation').getByRole('link', { name: 'Outcomes' }).click();
    await settled(page);
    const figures = await page.getByRole('list', { name: 'Enforcement figures' }).innerText();
    expect(figures).toMatch(new RegExp(`Raids\\s+${known.raids}\\b`));
    await checkPage(w, 'outcomes');
    noProblems(w);
    await w.close();
  });

  it("gives a police liaison the enforcement pages of their region only", async () => {
    const w = await signInAs('west-police');
    const { page } = w;
    expect(await navNames(w)).toEqual(['Cases', 'Outcomes', 'Deterrence']);
    await page.getByRole('navigation').getByRole('link', { name: 'Outcomes' }).click();
    await settled(page);
    const regions = await table(page, 'By region, all months').locator('tbody th').allInnerTexts();
    expect(regions.every((r) => r.includes('West')), regions.join(', ')).toBe(true);
    await checkPage(w, 'outcomes-police');
    noProblems(w);
    await w.close();
  });
});
