/**
 * The console end to end, in Debian's Chromium through playwright-core, on
 * a generated world's workspace served by the real server (its
 * Content-Security-Policy on): each role signs in and sees only what it may;
 * an analyst filters the map by hour, opens a lead from the map, opens a
 * case and proposes a referral; the supervisor approves it; the police
 * liaison of that agency records the raid, closes it as confirmed and
 * downloads the PDF; the language switches to Chinese. Every page is checked
 * with axe-core (no serious or critical violation) and kept as a screenshot
 * in test-artifacts/screenshots/. No page may log an error, fail a request
 * or ask another host for anything.
 *
 * Timings (first screen, lead filter, map pan frames) are measured and
 * printed, never asserted: they depend on the machine.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eligibleIds, type PartnerOut } from '../helpers/api.ts';
import {
  checkPage, ensureConsoleBuilt, launchBrowser, measurePan, noProblems, openPage, screenshot, SCREENSHOTS, settled, signInPage, type OpenOptions, type Watched, type WithMaps,
} from '../helpers/browser.ts';
import { startServer } from '../../src/server/serve.ts';
import { makeWorkspace, serveWorkspace, signIn, type Client, type TestWorkspace } from '../helpers/workspace.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let tw: TestWorkspace;
let server: Awaited<ReturnType<typeof serveWorkspace>>;
let base: string;
let browser: Browser;
let analystApi: Client;
const timings: Record<string, unknown> = {};

/** The case the flow carries from lead to closure, and the lead it started on. */
const flow: { leadId?: string; caseId?: number; sellers?: string[] } = {};

beforeAll(async () => {
  ensureConsoleBuilt();
  tw = await makeWorkspace();
  server = await serveWorkspace(tw.wsDir);
  base = server.served.url;
  browser = await launchBrowser();
  analystApi = await signIn(base, 'analyst', tw.users.analyst.password);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (Object.keys(timings).length > 0) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    writeFileSync(join(SCREENSHOTS, '..', 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    process.stdout.write(`\nconsole timings (20k-pickup test world, this machine):\n${JSON.stringify(timings, null, 2)}\n`);
  }
});

const signInAs = (name: string, options: OpenOptions = {}): Promise<Watched> => signInPage(browser, base, name, tw.users[name].password, options);
const check = checkPage;

const navNames = (page: Page) => page.getByRole('navigation').getByRole('link').allInnerTexts();

/** Copies a screenshot into docs/img for the README, when missing or when asked (UPDATE_DOCS_IMG=1). */
function toDocs(name: string): void {
  const target = join(ROOT, 'docs', 'img', `${name}.png`);
  if (existsSync(target) && process.env.UPDATE_DOCS_IMG !== '1') return;
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(SCREENSHOTS, `${name}.png`), target);
}

async function transition(page: Page, action: string, fill?: (page: Page) => Promise<void>): Promise<void> {
  await page.getByRole('button', { name: action, exact: true }).click();
  const form = page.getByRole('form', { name: action });
  await form.waitFor();
  if (fill) await fill(page);
  await form.getByLabel('Comment', { exact: true }).fill(`${action}: done in the end-to-end test`);
  await form.getByRole('button', { name: `Confirm: ${action}` }).click();
  await form.waitFor({ state: 'detached' });
}

describe('the console', () => {
  it('shows the sign-in page in a cold browser fast, and each role lands on its own page with only its menu', async () => {
    // A browser process of its own: the first screen from a cold start.
    const started = performance.now();
    const cold = await launchBrowser();
    const launched = performance.now();
    try {
      const w = await openPage(cold, base);
      const t0 = performance.now();
      await w.page.goto('/');
      await w.page.getByRole('button', { name: 'Sign in' }).waitFor();
      const signInShown = performance.now();
      await w.page.getByLabel('Name', { exact: true }).fill('analyst');
      await w.page.getByLabel('Password', { exact: true }).fill(tw.users.analyst.password);
      const t1 = performance.now();
      await w.page.getByRole('button', { name: 'Sign in' }).click();
      await w.page.locator('.lead-list li').first().waitFor();
      const leadsListed = performance.now();
      await settled(w.page);
      const mapDrawn = performance.now();
      timings.first_screen = {
        browser_launch_ms: Math.round(launched - started),
        sign_in_page_ms: Math.round(signInShown - t0),
        sign_in_to_lead_list_ms: Math.round(leadsListed - t1),
        sign_in_to_map_drawn_ms: Math.round(mapDrawn - t1),
      };
      noProblems(w);
    } finally {
      await cold.close();
    }

    const signin = await openPage(browser, base);
    await signin.page.goto('/');
    await check(signin, 'sign-in', {});
    noProblems(signin);
    await signin.close();

    const roles: { name: string; lands: string; menu: string[]; forbidden: string }[] = [
      { name: 'analyst', lands: '/map', menu: ['Overview', 'Map', 'Leads', 'Cases', 'Outcomes', 'Deterrence', 'Programme', 'Candidates'], forbidden: '/admin/users' },
      { name: 'supervisor', lands: '/cases', menu: ['Overview', 'Map', 'Leads', 'Cases', 'Outcomes', 'Deterrence', 'Programme', 'Candidates', 'Audit log'], forbidden: '/reports' },
      { name: 'west-police', lands: '/cases', menu: ['Cases', 'Outcomes', 'Deterrence'], forbidden: '/map' },
      { name: 'brand-owner', lands: '/leads', menu: ['Map', 'Leads', 'Reports'], forbidden: '/cases' },
      { name: 'programme', lands: '/overview', menu: ['Overview', 'Outcomes', 'Deterrence', 'Programme', 'Candidates'], forbidden: '/leads' },
      { name: 'admin', lands: '/admin/users', menu: ['Outcomes', 'Deterrence', 'Programme', 'Users', 'Partners', 'Audit log'], forbidden: '/map' },
    ];
    for (const r of roles) {
      const w = await signInAs(r.name);
      await w.page.waitForURL(`**${r.lands}`);
      expect(await navNames(w.page), r.name).toEqual(r.menu);
      await check(w, `landing-${r.name}`, r.lands === '/map' ? {} : { fullPage: true });
      // A page the role may not use is refused by the console itself, without asking the server.
      await w.page.goto(r.forbidden);
      await expect(w.page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Not for your role');
      noProblems(w);
      await w.close();
    }
  });

  it('is usable from the keyboard alone, with a visible focus, and says plainly when a password is wrong', async () => {
    const w = await openPage(browser, base, { expectStatus: (status, url) => status === 401 && url.endsWith('/api/session') });
    const { page } = w;
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const focused = () => page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { tag: el.tagName, name: el.getAttribute('name') ?? el.textContent?.trim() ?? '', outline: `${style.outlineStyle} ${style.outlineWidth}` };
    });
    // The language switch comes first, then the form.
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ tag: 'SELECT', outline: 'solid 3px' });
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ tag: 'INPUT', name: 'username', outline: 'solid 3px' });
    await page.keyboard.type('programme');
    await page.keyboard.press('Tab');
    await page.keyboard.type('not the password');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').getByText('Wrong name or password.').waitFor();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(tw.users.programme.password);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/overview');
    await settled(page);
    // The first Tab on a page reaches the skip link, which takes the focus past the menu.
    await page.goto('/overview');
    await settled(page);
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ tag: 'A', name: 'Skip to content', outline: 'solid 3px' });
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    noProblems(w);
    await w.close();
  });

  it("shows a rights holder their brands' leads only", async () => {
    const owner = tw.users['brand-owner'];
    const api = await signIn(base, owner.name, owner.password);
    const expected = (await api.call('GET', '/api/leads?limit=1000')).body;
    const w = await signInAs(owner.name);
    await settled(w.page);
    await expect(w.page.getByTestId('lead-count').innerText()).resolves.toBe(`${expected.total} of ${expected.total} leads`);
    const brandCells = await w.page.locator('table.data tbody tr td:nth-child(8)').allInnerTexts();
    expect(brandCells.length).toBe(expected.total);
    for (const cell of brandCells) expect(cell.split(', ')).toEqual(owner.brands);
    // Their lead file: no case work, and only their brands' listings.
    await w.page.locator('table.data tbody tr').first().getByRole('link').click();
    await w.page.waitForURL('**/leads/**');
    await settled(w.page);
    await expect(w.page.getByRole('region', { name: 'Case' }).count()).resolves.toBe(0);
    const listingBrands = await w.page.getByRole('region', { name: /^Listings/ }).locator('tbody tr td:nth-child(3)').allInnerTexts();
    expect(listingBrands.length).toBeGreaterThan(0);
    expect(new Set(listingBrands)).toEqual(new Set(owner.brands));
    await check(w, 'lead-file-rights-holder', { height: 2000 });
    // Their map shows leads over the places, and no pickup density (not theirs to see).
    await w.page.getByRole('navigation').getByRole('link', { name: 'Map' }).click();
    await settled(w.page);
    expect(w.requests.filter((r) => r.includes('/api/map/density'))).toEqual([]);
    await check(w, 'map-rights-holder', {});
    // A notice about a listing of their brand, filed from the reports page.
    await w.page.getByRole('navigation').getByRole('link', { name: 'Reports' }).click();
    await settled(w.page);
    await w.page.getByLabel('Listing or seller id').fill('L-e2e-listing-1');
    await w.page.getByLabel('Note').fill('Seen at a night market stall.');
    await w.page.getByRole('button', { name: 'File report' }).click();
    await w.page.getByText('Report filed.').waitFor();
    await w.page.getByRole('cell', { name: /L-e2e-listing-1/ }).waitFor();
    await check(w, 'reports');
    noProblems(w);
    await w.close();
  });

  it('takes an analyst from the map, filtered by hour, to a lead, a case and a proposed referral', async () => {
    const w = await signInAs('analyst');
    const { page } = w;
    await settled(page);
    const pickups = async () => Number((await page.locator('[data-density] fieldset p[aria-live]').innerText()).split(' ')[0].replace(/,/g, ''));
    const allDay = await pickups();
    expect(allDay).toBeGreaterThan(0);

    // Filter the density by hour of day: the night, 22:00 to 05:59.
    await page.getByLabel('From hour').selectOption('22');
    await page.getByLabel('To hour').selectOption('5');
    await expect.poll(() => w.requests.some((r) => r.startsWith('GET /api/map/density') && r.includes('hour_from=22') && r.includes('hour_to=5'))).toBe(true);
    await settled(page);
    const night = await pickups();
    const fromApi = (await analystApi.call('GET', '/api/map/density?cell_m=150&hour_from=22&hour_to=5')).body;
    expect(night).toBe(fromApi.total);
    expect(night).toBeLessThan(allDay);
    expect(new URL(page.url()).searchParams.get('hour_from')).toBe('22');

    await check(w, 'map', {});
    toDocs('map');

    // The lead list's filters, timed in the page from the change to the list redrawn.
    const brand = await page.locator('select[name="brand"] option').nth(1).evaluate((o) => (o as HTMLOptionElement).value);
    const filterMs: Record<string, number> = {};
    for (const [name, value] of [['status', 'active'], ['brand', brand ?? ''], ['brand', ''], ['status', '']] as const) {
      filterMs[`${name}=${value || 'any'}`] = await page.evaluate(
        ([n, v]) =>
          new Promise<number>((resolve) => {
            const select = document.querySelector<HTMLSelectElement>(`select[name="${n}"]`)!;
            const list = document.querySelector('.lead-list')!;
            const t0 = performance.now();
            const mo = new MutationObserver(() => {
              mo.disconnect();
              resolve(performance.now() - t0);
            });
            mo.observe(list, { childList: true, subtree: true, characterData: true });
            // A change that redraws nothing would never resolve: give up after 2 s (reported as null).
            setTimeout(() => (mo.disconnect(), resolve(Number.NaN)), 2000);
            select.value = v;
            select.dispatchEvent(new Event('change', { bubbles: true }));
          }),
        [name, value],
      );
    }
    timings.lead_filter_ms = Object.fromEntries(Object.entries(filterMs).map(([k, v]) => [k, Math.round(v * 10) / 10]));
    await page.getByLabel('Status', { exact: true }).selectOption('active');
    const statuses = await page.locator('.lead-list .badge').allInnerTexts();
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(['Active']));
    await page.getByLabel('Status', { exact: true }).selectOption('');

    const pan = await measurePan(page);
    expect(pan.moved).toBe(true);
    timings.map_pan_frames_ms = { drag: pan.drag, animated: pan.animated };

    // The lead to carry through: the best-ranked one the west district's police may take.
    const leads = (await analystApi.call('GET', '/api/leads?limit=1000')).body.items as { lead_id: string; lat: number; lng: number; categories: string[]; seller_ids: string[] }[];
    const partners = (await analystApi.call('GET', '/api/partners')).body.items as PartnerOut[];
    const candidates = leads.filter((l) => eligibleIds(partners, l).includes('west-psb'));
    expect(candidates.length).toBeGreaterThan(0);
    // Click it on the map: zoom to it, and take the first whose centre shows that lead on top.
    let clicked: { x: number; y: number } | null = null;
    for (const lead of candidates.slice(0, 10)) {
      const at = await page.evaluate(
        async ({ lng, lat, id }) => {
          const m = (window as unknown as WithMaps).dragnetMaps.main;
          m.jumpTo({ center: [lng, lat], zoom: 16 });
          await new Promise((r) => m.once('idle', r));
          const p = m.project([lng, lat]);
          const top = m.queryRenderedFeatures([p.x, p.y], { layers: ['leads'] })[0]?.properties?.lead_id;
          const rect = m.getCanvas().getBoundingClientRect();
          return top === id ? { x: rect.left + p.x, y: rect.top + p.y } : null;
        },
        { lng: lead.lng, lat: lead.lat, id: lead.lead_id },
      );
      if (at) {
        clicked = at;
        flow.leadId = lead.lead_id;
        flow.sellers = lead.seller_ids;
        break;
      }
    }
    expect(clicked, 'a lead to click on the map').not.toBeNull();
    await page.mouse.click(clicked!.x, clicked!.y);
    await page.waitForURL(`**/leads/${flow.leadId}`);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toContain(`Lead ${flow.leadId}`);
    await settled(page);
    // The lead file: two charts, the network graph with each account's score, listings against MSRP, the site's history.
    await expect(page.locator('.chart canvas').count()).resolves.toBeGreaterThanOrEqual(2);
    await expect(page.locator('.graph canvas').count()).resolves.toBeGreaterThanOrEqual(1);
    const accountRows = page.getByRole('table').filter({ hasText: 'Shop' }).locator('tbody tr');
    await expect(accountRows.count()).resolves.toBeGreaterThan(0);
    await expect(page.getByRole('columnheader', { name: 'Price / MSRP' }).count()).resolves.toBe(1);
    await check(w, 'lead-file', { height: 2000 });
    toDocs('lead-file');
    await screenshot(page, 'lead-file-full', { fullPage: true });

    // Open a case on it, take it, comment, move it to offline check and propose a referral.
    await page.getByLabel('Title', { exact: true }).fill('Night-time parcel den, end-to-end test');
    await page.getByLabel('Comment', { exact: true }).fill('Strong night pattern and shared phones.');
    await page.getByRole('button', { name: 'Open a case' }).click();
    const caseLink = page.getByRole('link', { name: /^Case #\d+/ });
    await caseLink.waitFor();
    flow.caseId = Number(/Case #(\d+)/.exec(await caseLink.innerText())![1]);
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByText('assigned to analyst').waitFor();
    // The case may go to the team's analysts and supervisors, and to nobody else.
    const team = Object.values(tw.users).filter((u) => u.role === 'analyst' || u.role === 'supervisor').map((u) => u.name).sort();
    await expect.poll(() => page.getByLabel('Assignee', { exact: true }).locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['', ...team]);
    await page.getByLabel('New comment').fill('Checked the listings: prices a fifth of MSRP.');
    await page.getByRole('button', { name: 'Add comment' }).click();
    await expect.poll(() => page.getByLabel('New comment').inputValue()).toBe('');
    await transition(page, 'Start analysis');
    await transition(page, 'Send for offline check');
    const lead = leads.find((l) => l.lead_id === flow.leadId)!;
    await transition(page, 'Propose a referral', async (p) => {
      // Only the partners whose area holds the site and whose agreement covers its categories today.
      const partner = p.getByLabel('Partner', { exact: true });
      await expect.poll(async () => (await partner.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).sort()).toEqual(eligibleIds(partners, lead));
      await partner.selectOption('west-psb');
    });
    await page.getByText('Referral proposed', { exact: true }).first().waitFor();
    await page.getByText('No step is open to your role in this state.').waitFor();
    await check(w, 'lead-file-case', { height: 1400 });

    await caseLink.click();
    await page.waitForURL(`**/cases/${flow.caseId}`);
    await check(w, 'case-analyst');
    noProblems(w);
    await w.close();
  });

  it('lets the supervisor approve the referral, and read and verify the audit log', async () => {
    expect(flow.caseId).toBeDefined();
    const w = await signInAs('supervisor');
    const { page } = w;
    await page.waitForURL('**/cases');
    const column = page.getByRole('region', { name: /^Referral proposed/ });
    await column.getByRole('link', { name: new RegExp(`^#${flow.caseId} `) }).waitFor();
    await check(w, 'cases-board', {});
    await column.getByRole('link', { name: new RegExp(`^#${flow.caseId} `) }).click();
    await page.waitForURL(`**/cases/${flow.caseId}`);
    await settled(page);
    await transition(page, 'Approve the referral');
    await page.getByRole('heading', { level: 1 }).getByText('Referred', { exact: true }).waitFor();
    await check(w, 'case-supervisor');

    await page.getByRole('navigation').getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('button', { name: 'Verify the hash chain' }).click();
    await page.getByText(/^The chain of [\d,]+ entries is intact\.$/).waitFor();
    await expect(page.getByRole('cell', { name: 'case.transition' }).count()).resolves.toBeGreaterThan(0);
    await check(w, 'audit');

    await page.getByRole('navigation').getByRole('link', { name: 'Overview' }).click();
    await check(w, 'overview-supervisor');
    noProblems(w);
    await w.close();
  });

  it("lets the police liaison of that agency record the raid, close the case as confirmed and download the PDF; the other agency sees nothing", async () => {
    const w = await signInAs('west-police');
    const { page } = w;
    await page.waitForURL('**/cases');
    await page.getByRole('region', { name: /^Referred/ }).getByRole('link', { name: new RegExp(`^#${flow.caseId} `) }).click();
    await page.waitForURL(`**/cases/${flow.caseId}`);
    await settled(page);
    // Dates in the dataset's time zone, which a police liaison is told though they may not list runs.
    const zone = (await analystApi.call('GET', '/api/runs')).body.items.at(-1).timezone as string;
    await expect(page.locator('footer').innerText()).resolves.toContain(zone);
    // The referral package names accounts by pseudonym only.
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/acct-[0-9a-f]{12}/);
    for (const s of flow.sellers ?? []) expect(text).not.toContain(s);
    await check(w, 'case-police-referred');

    await transition(page, 'Record the raid', async (p) => {
      await p.getByLabel('Raid date', { exact: true }).fill('2026-03-20');
    });
    await page.getByRole('heading', { level: 1 }).getByText('Raided', { exact: true }).waitFor();
    await transition(page, 'Record the result', async (p) => {
      await expect(p.getByLabel('Raid date', { exact: true }).inputValue()).resolves.toBe('2026-03-20');
      await p.getByLabel('Result', { exact: true }).selectOption('confirmed');
      await p.getByLabel(/^Value seized/).fill('120000');
      await p.getByLabel('Arrests', { exact: true }).fill('2');
      await p.getByLabel('Items seized', { exact: true }).fill('350');
      await p.getByLabel('Address found', { exact: true }).fill('Building 3, back alley warehouse');
    });
    await page.getByRole('heading', { level: 1 }).getByText('Closed', { exact: true }).waitFor();
    await check(w, 'case-police-closed');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Case file (PDF)' }).click()]);
    expect(download.suggestedFilename()).toBe(`case-${flow.caseId}.pdf`);
    const pdf = readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
    noProblems(w);
    await w.close();

    const other = await signInAs('east-police', { expectStatus: (status, url) => status === 404 && url.endsWith(`/api/cases/${flow.caseId}`) });
    await other.page.waitForURL('**/cases');
    await settled(other.page);
    await expect(other.page.getByText('0 of 0 cases').count()).resolves.toBe(1);
    await other.page.goto(`/cases/${flow.caseId}`);
    await other.page.getByRole('alert').getByText('Not found, or not in your scope.').waitFor();
    noProblems(other);
    await other.close();
  });

  it('shows the programme manager the closed case in the overview, and the admin the users and partners', async () => {
    const pm = await signInAs('programme');
    await pm.page.waitForURL('**/overview');
    await settled(pm.page);
    const figures = await pm.page.getByRole('list', { name: 'Key figures' }).innerText();
    expect(figures).toMatch(/Sites confirmed\s+1\b/);
    expect(figures).toMatch(/Arrests\s+2\b/);
    expect(figures).toMatch(/Value seized\s+\D*120,000/);
    await check(pm, 'overview');
    noProblems(pm);
    await pm.close();

    const admin = await signInAs('admin');
    const { page } = admin;
    await page.waitForURL('**/admin/users');
    await settled(page);
    await expect(page.getByRole('table').locator('tbody tr').count()).resolves.toBe(Object.keys(tw.users).length);
    await page.getByLabel('Name', { exact: true }).fill('analyst-2');
    await page.getByLabel('Role', { exact: true }).selectOption('analyst');
    await page.getByLabel('Password', { exact: true }).fill('a-long-enough-password');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('Added analyst-2.').waitFor();
    await expect.poll(() => page.getByRole('table').locator('tbody tr').count()).toBe(Object.keys(tw.users).length + 1);
    await check(admin, 'users');
    await page.getByRole('navigation').getByRole('link', { name: 'Partners' }).click();
    await settled(page);
    await expect(page.getByRole('table').locator('tbody tr').count()).resolves.toBe(3);
    await check(admin, 'partners');
    noProblems(admin);
    await admin.close();
  });

  it("draws an operator's tile server under the base map when one is configured, and nothing else from outside", async () => {
    // A stand-in tile server on another port: every tile a 1x1 PNG, every request counted.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    const tiles: string[] = [];
    const tileServer = createServer((req, res) => {
      tiles.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end(png);
    });
    await new Promise<void>((r) => tileServer.listen(0, '127.0.0.1', () => r()));
    const tileOrigin = `http://127.0.0.1:${(tileServer.address() as AddressInfo).port}`;
    const withTiles = await startServer(server.ws, { port: 0, host: '127.0.0.1', tiles: `${tileOrigin}/{z}/{x}/{y}.png` });
    try {
      const w = await openPage(browser, withTiles.url, { allowOrigins: [tileOrigin] });
      await w.page.goto('/');
      await w.page.getByLabel('Name', { exact: true }).fill('analyst');
      await w.page.getByLabel('Password', { exact: true }).fill(tw.users.analyst.password);
      await w.page.getByRole('button', { name: 'Sign in' }).click();
      await w.page.locator('.map').waitFor();
      await settled(w.page);
      await screenshot(w.page, 'map-with-tiles');
      expect(tiles.length).toBeGreaterThan(0);
      expect(tiles.every((t) => /^\/\d+\/\d+\/\d+\.png$/.test(t))).toBe(true);
      expect(w.requests.filter((r) => !r.startsWith('GET /') && !r.startsWith('POST /') && !r.startsWith(tileOrigin))).toEqual([]);
      noProblems(w);
      await w.close();
    } finally {
      await withTiles.close();
      await new Promise((r) => tileServer.close(r));
    }
  });

  it('switches to Chinese, drawn in the self-hosted Noto Sans SC, and keeps the choice', async () => {
    const w = await signInAs('analyst');
    const { page } = w;
    await settled(page);
    await page.getByLabel('Language').selectOption('zh');
    await page.getByRole('heading', { level: 1, name: '地图' }).waitFor();
    expect(await navNames(page)).toEqual(['概览', '地图', '线索', '案件', '执法成果', '威慑效果', '品牌扶持计划', '邀约候选']);
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe('zh-CN');
    await page.evaluate(() => document.fonts.ready);
    // The Chinese text is drawn in the console's own font, fetched from this server (no system font, no CDN).
    await expect(page.evaluate(() => document.fonts.check('16px "Noto Sans SC"', '地图线索案件'))).resolves.toBe(true);
    expect(w.requests.some((r) => /^GET \/fonts\/noto-sans-sc-\d+-400-normal\.woff2$/.test(r))).toBe(true);
    await check(w, 'map-zh', {});

    await page.goto(`/leads/${flow.leadId}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(`^线索 ${flow.leadId}`) }).waitFor();
    await check(w, 'lead-file-zh', { height: 2000 });
    await page.goto('/cases');
    await page.getByRole('heading', { level: 1, name: '案件' }).waitFor();
    await check(w, 'cases-zh', {});
    noProblems(w);
    await w.close();
  });
});
