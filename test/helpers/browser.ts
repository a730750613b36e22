/**
 * The console's browser tests drive Debian's Chromium through
 * playwright-core. WebGL runs in software (SwiftShader), so the map renders
 * headless in CI. Every page a test opens is watched: a console error, an
 * uncaught exception, a failed or refused request (a Content-Security-Policy
 * violation among them), an HTTP error, or any request to another host is
 * recorded, and the tests assert there were none.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { isStale } from '../../bin/stale.js';

export const CHROMIUM = process.env.DRAGNET_CHROMIUM ?? '/usr/bin/chromium';

/** What the tests use of a console map, reached in the page as window.dragnetMaps[name] (MapLibre's Map). */
export interface ConsoleMap {
  jumpTo(options: { center: [number, number]; zoom: number }): void;
  once(event: string, listener: (...args: unknown[]) => void): void;
  project(lngLat: [number, number]): { x: number; y: number };
  queryRenderedFeatures(point: [number, number], options: { layers: string[] }): { properties?: Record<string, unknown> }[];
  getCanvas(): HTMLCanvasElement;
  getCenter(): { lng: number; lat: number };
  panBy(offset: [number, number], options: { duration: number; easing: (t: number) => number }): void;
}
export type WithMaps = { dragnetMaps: Record<string, ConsoleMap> };

/** Headless, WebGL through SwiftShader, and nothing Chromium would fetch for itself (updates, sync, QUIC probes). */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set DRAGNET_CHROMIUM`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface Watched {
  context: BrowserContext;
  page: Page;
  /** Everything that went wrong on the page, in order: console errors, exceptions, failed and refused requests. */
  problems: string[];
  /** Requests the page made, as method and path (same origin) or full URL (others, which are refused). */
  requests: string[];
  close: () => Promise<void>;
}

export interface OpenOptions {
  locale?: string;
  viewport?: { width: number; height: number };
  /** HTTP statuses a test expects from some call (a wrong password's 401), not counted as problems. */
  expectStatus?: (status: number, url: string) => boolean;
  /** Other origins the page may reach (an operator's tile server). */
  allowOrigins?: string[];
}

/** A fresh context (no cookies, no storage) and page on the console at `base`, watched for problems. */
export async function openPage(browser: Browser, base: string, options: OpenOptions = {}): Promise<Watched> {
  const origin = new URL(base).origin;
  const context = await browser.newContext({
    baseURL: base,
    locale: options.locale ?? 'en-US',
    viewport: options.viewport ?? { width: 1440, height: 900 },
    acceptDownloads: true,
  });
  const problems: string[] = [];
  const requests: string[] = [];
  // Nothing leaves the server's origin: anything else is refused here and recorded.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:') || options.allowOrigins?.some((o) => url.startsWith(o))) return route.fallback();
    problems.push(`outside request: ${url}`);
    return route.abort('blockedbyclient');
  });
  // The browser reports a CSP violation as an event; make it a console error, which is recorded below.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // The browser also logs each HTTP error response; one the test expects is not a problem there either.
    const status = /^Failed to load resource: the server responded with a status of (\d+)/.exec(m.text())?.[1];
    if (status && options.expectStatus?.(Number(status), m.location().url)) return;
    problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    requests.push(url.startsWith(origin) ? `${r.method()} ${url.slice(origin.length)}` : url);
  });
  page.on('requestfailed', (r) => {
    const failure = r.failure()?.errorText ?? '';
    // A download is handed to the download manager, which shows as an aborted request.
    if (failure === 'net::ERR_ABORTED' && /\/export\?/.test(r.url())) return;
    problems.push(`request failed: ${r.method()} ${r.url()} ${failure}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !options.expectStatus?.(r.status(), r.url())) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return { context, page, problems, requests, close: () => context.close() };
}

/** Accessibility violations that are serious or critical (axe-core, WCAG 2.1 A and AA rules). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')})`);
}

/** Saves a screenshot of the page as test-artifacts/screenshots/<name>.png (the whole page, or its top `height` pixels) and returns the path. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean; height?: number } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  if (options.height) {
    const width = page.viewportSize()?.width ?? 1440;
    const height = Math.min(options.height, await page.evaluate(() => document.documentElement.scrollHeight));
    await page.screenshot({ path, fullPage: true, clip: { x: 0, y: 0, width, height } });
  } else {
    await page.screenshot({ path, fullPage: options.fullPage ?? false });
  }
  return path;
}

/** Frame times while `action` runs, from requestAnimationFrame in the page: the gaps between frames in ms. */
export async function frameTimes(page: Page, action: () => Promise<void>): Promise<number[]> {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __framing: boolean };
    w.__frames = [];
    w.__framing = true;
    let last = performance.now();
    const tick = (t: number) => {
      w.__frames.push(t - last);
      last = t;
      if (w.__framing) requestAnimationFrame(tick);
    };
    requestAnimationFrame((t) => {
      last = t;
      requestAnimationFrame(tick);
    });
  });
  await action();
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __framing: boolean };
    w.__framing = false;
    return w.__frames;
  });
}

/** Summary of frame gaps: median, 95th percentile, worst, and frames over 50 ms (visible stutter). */
export function frameStats(gaps: number[]): { frames: number; p50: number; p95: number; max: number; over50: number; fps: number } {
  const s = [...gaps].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN);
  const total = gaps.reduce((a, b) => a + b, 0);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { frames: s.length, p50: r(q(0.5)), p95: r(q(0.95)), max: r(s[s.length - 1] ?? NaN), over50: s.filter((g) => g > 50).length, fps: r(total > 0 ? (1000 * s.length) / total : NaN) };
}

const CONSOLE_SRC = join(ROOT, 'console');
const CONSOLE_INDEX = join(ROOT, 'dist', 'console', 'index.html');

/** Builds the console into dist/console when it is missing or older than its sources, so the tests never drive a stale build. */
export function ensureConsoleBuilt(): void {
  if (!isStale(CONSOLE_INDEX, CONSOLE_SRC)) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), 'console'], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * Pans a console map (window.dragnetMaps[name]) and times the frames two ways: dragged with the
 * mouse, as a user does (each move a round trip from the test, so this includes input delivery),
 * and animated by MapLibre itself over two seconds (drawing alone). Frame gaps in ms.
 */
export async function measurePan(page: Page, name = 'main'): Promise<{ drag: ReturnType<typeof frameStats>; animated: ReturnType<typeof frameStats>; moved: boolean }> {
  const rect = await page.evaluate((n) => {
    const r = (window as unknown as WithMaps).dragnetMaps[n].getCanvas().getBoundingClientRect();
    return { x: r.left, y: r.top, width: r.width, height: r.height };
  }, name);
  const center = () => page.evaluate((n) => (window as unknown as WithMaps).dragnetMaps[n].getCenter(), name);
  const before = await center();
  const drag = await frameTimes(page, async () => {
    const [x, y] = [rect.x + rect.width / 2, rect.y + rect.height / 2];
    await page.mouse.move(x, y);
    await page.mouse.down();
    for (let i = 1; i <= 40; i++) await page.mouse.move(x - i * 8, y - i * 4);
    await page.mouse.up();
    await page.waitForTimeout(300);
  });
  const moved = JSON.stringify(await center()) !== JSON.stringify(before);
  const animated = await frameTimes(page, () =>
    page.evaluate(
      (n) =>
        new Promise<void>((resolve) => {
          const m = (window as unknown as WithMaps).dragnetMaps[n];
          m.once('moveend', () => resolve());
          m.panBy([320, 160], { duration: 2000, easing: (t: number) => t });
        }),
      name,
    ),
  );
  return { drag: frameStats(drag), animated: frameStats(animated), moved };
}

/** Signs in through the console's form as `name` in a fresh page; returns once the menu shows. */
export async function signInPage(browser: Browser, base: string, name: string, password: string, options: OpenOptions = {}): Promise<Watched> {
  const w = await openPage(browser, base, options);
  await w.page.goto('/');
  await w.page.getByLabel('Name', { exact: true }).fill(name);
  await w.page.getByLabel('Password', { exact: true }).fill(password);
  await w.page.getByRole('button', { name: 'Sign in' }).click();
  await w.page.getByRole('navigation').waitFor();
  return w;
}

/** Waits until the page has its heading, nothing is loading, and every map has drawn. */
export async function settled(page: Page): Promise<void> {
  await page.locator('main h1').first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.loading').length === 0);
  await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.map')].every((m) => m.dataset.state === 'ready'), undefined, { timeout: 60_000 });
  await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('[data-density]')].every((m) => m.dataset.density !== 'loading'));
}

/** Screenshot and accessibility check of the page as it stands. */
export async function checkPage(w: Watched, name: string, shot: { fullPage?: boolean; height?: number } = { fullPage: true }): Promise<void> {
  await settled(w.page);
  await screenshot(w.page, name, shot);
  expect(await seriousViolations(w.page), `axe on ${name}`).toEqual([]);
}

/** A page's problems so far (console errors, failed or outside requests); none expected. */
export const noProblems = (w: Watched) => expect(w.problems, 'problems on the page').toEqual([]);
