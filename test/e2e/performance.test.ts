/**
 * The console's speed on a demo-sized workspace (a million pickups by
 * default): the first screen from a cold browser, the lead filter, the
 * density refiltered by hour, the lead file, and the frames of a map pan.
 * Printed and written to test-artifacts/timings-perf.json; nothing here is
 * asserted against a clock, only that the pages work.
 *
 * Building a million-pickup world takes minutes, so this runs only when
 * asked: DRAGNET_PERF=1 (generates DRAGNET_PERF_PICKUPS pickups, 1,000,000
 * by default) or DRAGNET_PERF_WORKSPACE=<a workspace folder, e.g. one made
 * by `dragnet demo --no-serve`>, which is copied, given a user of its own,
 * and served.
 */
import { copyFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../src/workspace/audit.ts';
import { Workspace } from '../../src/workspace/store.ts';
import { addUser } from '../../src/workspace/users.ts';
import { ensureConsoleBuilt, launchBrowser, measurePan, openPage, screenshot, SCREENSHOTS, type WithMaps } from '../helpers/browser.ts';
import { tempDir } from '../helpers/db.ts';
import { makeWorkspace, serveWorkspace, signIn } from '../helpers/workspace.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GIVEN = process.env.DRAGNET_PERF_WORKSPACE;
const PICKUPS = Number(process.env.DRAGNET_PERF_PICKUPS ?? 1_000_000);
const USER = { name: 'perf-analyst', password: 'perf-analyst-password' };

let server: Awaited<ReturnType<typeof serveWorkspace>>;
let browser: Browser;
let base: string;
const timings: Record<string, unknown> = {};

describe.runIf(process.env.DRAGNET_PERF === '1' || GIVEN)('the console on a demo-sized workspace', () => {
  beforeAll(async () => {
    ensureConsoleBuilt();
    let wsDir: string;
    if (GIVEN) {
      wsDir = join(tempDir('dragnet-perf-'), 'workspace');
      cpSync(GIVEN, wsDir, { recursive: true });
    } else {
      wsDir = (await makeWorkspace(1, PICKUPS)).wsDir;
    }
    const ws = Workspace.open(wsDir);
    try {
      await addUser(ws, SYSTEM, { name: USER.name, role: 'analyst', password: USER.password, agency_id: null, brands: [] });
    } finally {
      ws.close();
    }
    server = await serveWorkspace(wsDir);
    base = server.served.url;
    timings.workspace = GIVEN ?? `generated, ${PICKUPS.toLocaleString('en-US')} pickups`;
  }, 1_800_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    mkdirSync(SCREENSHOTS, { recursive: true });
    writeFileSync(join(SCREENSHOTS, '..', 'timings-perf.json'), `${JSON.stringify(timings, null, 2)}\n`);
    process.stdout.write(`\nconsole timings on the demo-sized workspace (this machine):\n${JSON.stringify(timings, null, 2)}\n`);
  });

  it('measures the first screen, the filters, the lead file and the map pan', async () => {
    const api = await signIn(base, USER.name, USER.password);
    const started = performance.now();
    browser = await launchBrowser();
    const launched = performance.now();
    const w = await openPage(browser, base);
    const { page } = w;
    const t0 = performance.now();
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const signInShown = performance.now();
    await page.getByLabel('Name', { exact: true }).fill(USER.name);
    await page.getByLabel('Password', { exact: true }).fill(USER.password);
    const t1 = performance.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.lead-list li').first().waitFor();
    const listed = performance.now();
    await page.waitForFunction(() => document.querySelector<HTMLElement>('.map')?.dataset.state === 'ready' && document.querySelector<HTMLElement>('[data-density]')?.dataset.density === 'ready', undefined, { timeout: 120_000 });
    const drawn = performance.now();
    timings.first_screen_ms = {
      browser_launch: Math.round(launched - started),
      sign_in_page: Math.round(signInShown - t0),
      sign_in_to_lead_list: Math.round(listed - t1),
      sign_in_to_map_with_density: Math.round(drawn - t1),
    };
    await screenshot(page, 'map-demo');
    const leads = (await api.call('GET', '/api/leads?limit=1')).body.total as number;
    const density = (await api.call('GET', '/api/map/density?cell_m=150')).body as { total: number; cells: unknown[] };
    timings.data = { leads, pickups_on_map: density.total, density_cells: density.cells.length };
    expect(density.total).toBeGreaterThan(0);

    // The lead list's filters, from the change to the list redrawn, in the page's own clock.
    const filter = async (name: string, value: string) =>
      page.evaluate(
        ([n, v]) =>
          new Promise<number>((resolve) => {
            const select = document.querySelector<HTMLSelectElement>(`select[name="${n}"]`)!;
            const list = document.querySelector('.lead-list')!;
            const t = performance.now();
            const mo = new MutationObserver(() => (mo.disconnect(), resolve(performance.now() - t)));
            mo.observe(list, { childList: true, subtree: true, characterData: true });
            setTimeout(() => (mo.disconnect(), resolve(Number.NaN)), 2000);
            select.value = v;
            select.dispatchEvent(new Event('change', { bubbles: true }));
          }),
        [name, value],
      );
    const brand = await page.locator('select[name="brand"] option').nth(1).evaluate((o) => (o as HTMLOptionElement).value);
    timings.lead_filter_ms = {
      'status=active': await filter('status', 'active'),
      [`brand=${brand}`]: await filter('brand', brand),
      'brand=any': await filter('brand', ''),
      'status=any': await filter('status', ''),
    };

    // The density refiltered by hour: from the change to the new cells drawn.
    const h0 = performance.now();
    await page.getByLabel('From hour').selectOption('22');
    await page.getByLabel('To hour').selectOption('5');
    await page.waitForFunction(() => location.search.includes('hour_to=5') && document.querySelector<HTMLElement>('[data-density]')?.dataset.density === 'ready');
    await page.evaluate(() => new Promise((r) => (window as unknown as WithMaps).dragnetMaps.main.once('idle', r)));
    timings.density_hour_filter_ms = Math.round(performance.now() - h0);
    await screenshot(page, 'map-demo-night');

    const pan = await measurePan(page);
    expect(pan.moved).toBe(true);
    timings.map_pan_frames_ms = { drag: pan.drag, animated: pan.animated };

    // The lead file of the top lead, from the click in the list to its maps and charts drawn.
    const l0 = performance.now();
    await page.locator('.lead-list a').first().click();
    await page.waitForURL('**/leads/**');
    await page.waitForFunction(() => document.querySelectorAll('.chart canvas').length >= 2 && [...document.querySelectorAll<HTMLElement>('.map')].every((m) => m.dataset.state === 'ready'), undefined, { timeout: 60_000 });
    timings.lead_file_ms = Math.round(performance.now() - l0);
    await screenshot(page, 'lead-file-demo', { height: 2000 });
    // The README's pictures come from this demo-sized world when asked: UPDATE_DOCS_IMG=1.
    if (process.env.UPDATE_DOCS_IMG === '1') {
      mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
      copyFileSync(join(SCREENSHOTS, 'map-demo.png'), join(ROOT, 'docs', 'img', 'map.png'));
      copyFileSync(join(SCREENSHOTS, 'lead-file-demo.png'), join(ROOT, 'docs', 'img', 'lead-file.png'));
    }
    expect(w.problems).toEqual([]);
    await w.close();
  });
});
