/**
 * `npm run bench:api`: the workspace API under load. A workspace with 10,000
 * leads (a synthetic run's public files, registered as `workspace import`
 * would: no analysis), 50 analysts and 50 rights holders, 100 open cases;
 * the server runs as users run it (`bin/dragnet.js serve`, its own process,
 * so the load generator does not share its event loop); 50 clients sign in,
 * each with its own session cookie, and autocannon keeps 50 connections busy
 * on GET /api/leads, each connection with one client's cookie, closed loop
 * (a connection sends its next request when the last answer arrives): the
 * saturation case. One scenario asks for a new map window every request
 * (nothing cached by query can answer it); the last is an open loop
 * instead: the 50 clients each ask about once a second, at random moments,
 * as people would.
 *
 * Latencies are recorded per request (autocannon's `response` event, in
 * fractional milliseconds) and p50/p95/p99 computed from them exactly;
 * autocannon's own histogram gives only p97.5 and p99 in whole ms.
 * Prints a markdown table and writes it to bench/results/api.md.
 *
 * Knobs: BENCH_API_SECONDS (15), BENCH_API_MAX_REQUESTS (30000, per
 * scenario), BENCH_API_LEADS (10000), BENCH_API_CONNECTIONS (50),
 * BENCH_API_CLI (the CLI that serves; default bin/dragnet.js of this
 * checkout, set it to compare another build of the server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { SYSTEM } from '../src/workspace/audit.ts';
import { openCase } from '../src/workspace/cases.ts';
import { registerRun } from '../src/workspace/runs.ts';
import { Workspace } from '../src/workspace/store.ts';
import { actorOf, addUser } from '../src/workspace/users.ts';

const root = resolve(import.meta.dirname, '..');
const cli = resolve(process.env.BENCH_API_CLI ?? join(root, 'bin/dragnet.js'));
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 15);
const MAX_REQUESTS = Number(process.env.BENCH_API_MAX_REQUESTS ?? 30_000);
const LEADS = Number(process.env.BENCH_API_LEADS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_API_CONNECTIONS ?? 50);
const CASES = 100;
const TARGET_P95_MS = 100;

// ---------------------------------------------------------------- synthetic run

/** mulberry32: a small seeded generator, so every run of the bench builds the same workspace. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Brands by how often they appear on leads (the first ones on many, the last on few). */
const BRANDS = ['Nike', 'Adidas', 'Puma', 'New Balance', 'Gucci', 'Louis Vuitton', 'Chanel', 'Coach', 'Prada', 'Burberry', 'Moncler', 'Rolex', 'Apple', 'Dyson', 'Lancome', 'Estee Lauder'];
const CATEGORIES = ['shoes', 'clothing', 'luggage', 'mother_baby', 'food_drug', 'auto_parts', 'appliances', 'watches', 'cosmetics'];

/** Writes OUT/run.json and OUT/leads.geojson (results contract) with `n` leads over a city around 25.43 N, 119.0 E. */
function writeSyntheticRun(out: string, n: number): void {
  const r = rng(20260401);
  const pick = <T>(xs: readonly T[], skew = 1): T => xs[Math.floor(Math.pow(r(), skew) * xs.length)];
  const some = <T>(xs: readonly T[], min: number, max: number, skew = 1): T[] => {
    const k = min + Math.floor(r() * (max - min + 1));
    return [...new Set(Array.from({ length: k }, () => pick(xs, skew)))].sort();
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  // Urban villages the leads gather around, and a few spread anywhere in the city.
  const villages = Array.from({ length: 40 }, () => ({ lat: 25.43 + (r() - 0.5) * 0.16, lng: 119.0 + (r() - 0.5) * 0.18 }));
  const start = Date.parse('2025-12-01T00:00:00+08:00');
  const end = Date.parse('2026-03-31T23:59:59+08:00');
  const local = (t: number) => new Date(t + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00';
  const ids = Array.from({ length: n }, (_, i) => `L-${createHash('sha256').update(`bench-lead-${i}`).digest('hex').slice(0, 10)}`);
  const scores = Array.from({ length: n }, () => Math.round(Math.pow(r(), 1.6) * 10_000) / 10_000).sort((a, b) => b - a);
  const features = ids.map((lead_id, i) => {
    const v = villages[Math.floor(r() * villages.length)];
    const spread = r() < 0.15 ? 0.03 : 0.004;
    const lat = Math.round((v.lat + gauss() * spread) * 1e6) / 1e6;
    const lng = Math.round((v.lng + gauss() * spread) * 1e6) / 1e6;
    const u = r();
    const status = u < 0.6 ? 'active' : u < 0.85 ? 'dormant' : 'moved';
    const first = start + r() * (end - start) * 0.7;
    const last = status === 'active' ? end - r() * 3 * 86_400_000 : first + r() * (end - first) * 0.8;
    const accounts = 1 + Math.floor(Math.pow(r(), 2) * 15);
    const firstSeller = 2_000_000 + Math.floor(r() * 300_000);
    const seller_ids = Array.from({ length: accounts }, (_, k) => `S${firstSeller + k * 37}`);
    const waybills = 20 + Math.floor(Math.pow(r(), 2) * 5000);
    const night_share = Math.round(r() * 10_000) / 10_000;
    const est_value = Math.round(waybills * (50 + r() * 400) * 10) / 10;
    const brands = some(BRANDS, 1, 4, 2.2);
    const categories = some(CATEGORIES, 1, 3, 1.5);
    return {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [lng, lat] },
      properties: {
        lead_id,
        rank: i + 1,
        score: scores[i],
        radius_m: 20 + Math.floor(r() * 400),
        seller_ids,
        network_ids: [`N-${seller_ids[0]}`, ...(r() < 0.2 ? [`N-S${firstSeller + 999}`] : [])],
        waybills,
        night_share,
        first_seen: local(first),
        last_seen: local(last),
        status,
        successor_lead_id: status === 'moved' ? ids[Math.floor(r() * n)] : null,
        brands,
        categories,
        est_value,
        evidence: [
          `${Math.round(night_share * 100)}% of ${waybills.toLocaleString('en-US')} parcels picked up 22:00-06:00`,
          `${accounts} high-risk shop accounts, ${Math.max(1, accounts - 1)} sharing a waybill sender phone`,
          `median price ${10 + Math.floor(r() * 40)}% of MSRP across ${5 + Math.floor(r() * 120)} listings`,
          `pickups concentrated within ${10 + Math.floor(r() * 200)} m, ${1 + Math.floor(r() * 4)} couriers`,
          `estimated sales ${Math.round(est_value).toLocaleString('en-US')}`,
        ],
      },
    };
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'leads.geojson'), JSON.stringify({ type: 'FeatureCollection', features }));
  writeFileSync(
    join(out, 'run.json'),
    JSON.stringify({
      contract: { dataset: 1, results: 1 },
      dataset_name: `synthetic API bench run: ${n} leads`,
      crs: 'WGS84',
      timezone: 'Asia/Shanghai',
      currency: 'CNY',
      method: 'dragnet',
      started_at: new Date().toISOString(),
      database: null,
    }, null, 2),
  );
}

/** A random window of about 2 x 2 km in the synthetic city, as `bbox=min_lng,min_lat,max_lng,max_lat`. */
function bbox(r: () => number): string {
  const lng = 119.0 + (r() - 0.5) * 0.16;
  const lat = 25.43 + (r() - 0.5) * 0.14;
  return [lng - 0.01, lat - 0.009, lng + 0.01, lat + 0.009].map((x) => x.toFixed(5)).join(',');
}

// ---------------------------------------------------------------- server and clients

interface Client {
  name: string;
  cookie: string;
}

/** Starts `dragnet serve` as its own process; resolves with its URL once it prints it. */
function startServer(wsDir: string): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--workspace', wsDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`the server printed no URL within 120 s:\n${out}${err}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /\bat (http:\/\/[^/\s]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        res({ child, url: m[1], log: () => err });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`the server exited (${code}) before serving:\n${out}${err}`));
    });
  });
}

async function signIn(url: string, name: string, password: string): Promise<Client> {
  const r = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  if (r.status !== 200) throw new Error(`sign-in of ${name} answered ${r.status}: ${await r.text()}`);
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('dragnet_session='));
  if (!cookie) throw new Error(`sign-in of ${name} set no session cookie`);
  return { name, cookie };
}

/** Runs `fn` over `items`, `width` at a time. */
async function inBatches<T, R>(items: T[], width: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

/** CPU seconds (user + system) the process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** Resident memory of a process, MB, from /proc (Linux); NaN elsewhere. */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- load

interface Scenario {
  name: string;
  path: string;
  clients: 'analysts' | 'rights_holders';
  /** Open loop instead of autocannon's closed loop: each client asks at random times (Poisson), this many requests a second on average. */
  perClientRate?: number;
  /** A different path for every request (so that nothing the server caches by query can answer it); `path` is then only the first. */
  vary?: () => string;
}

interface Measured {
  scenario: Scenario;
  total: number;
  items: number;
  bytes: number;
  requests: number;
  seconds: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  serverCpu: number;
  /** Connections (clients) that got at least one answer. */
  served: number;
  /** The server's resident memory after the scenario, MB. */
  rssMb: number;
}

/** The q-quantile of sorted values, nearest rank. */
const quantile = (sorted: number[], q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);

function cannon(
  url: string,
  clients: Client[],
  opts: { seconds: number; maxRequests: number; vary?: () => string },
  onLatency?: (ms: number, status: number, who: unknown) => void,
): Promise<autocannon.Result> {
  let next = 0;
  const vary = opts.vary;
  return new Promise((res, rej) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: opts.seconds,
        maxOverallRequests: opts.maxRequests,
        timeout: 30,
        // One signed-in client per connection: its own session cookie on every request it sends.
        setupClient: (client) => client.setHeaders({ cookie: clients[next++ % clients.length].cookie }),
        ...(vary ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: vary() }) }] } : {}),
      },
      (err, result) => (err ? rej(err) : res(result)),
    );
    if (onLatency) instance.on('response', (client, status, _bytes, ms) => onLatency(ms, status, client));
  });
}

/**
 * Open loop: every client sends requests at exponentially distributed
 * intervals (mean 1/rate s) over its own keep-alive connection, whether or
 * not the server kept up; a request's latency runs from the moment it was
 * due, so time spent waiting behind the client's previous request counts
 * (no coordinated omission).
 */
async function openLoop(url: string, clients: Client[], rate: number, seconds: number, onLatency: (ms: number, status: number, who: unknown) => void): Promise<{ requests: number; errors: number; non2xx: number }> {
  const end = performance.now() + seconds * 1000;
  const r = rng(7);
  let requests = 0;
  let errors = 0;
  let non2xx = 0;
  const one = (agent: http.Agent, cookie: string, due: number) =>
    new Promise<void>((res) => {
      const req = http.get(url, { agent, headers: { cookie } }, (resp) => {
        resp.resume();
        resp.on('end', () => {
          requests++;
          const status = resp.statusCode ?? 0;
          if (status < 200 || status >= 300) non2xx++;
          onLatency(performance.now() - due, status, cookie);
          res();
        });
      });
      req.on('error', () => {
        errors++;
        res();
      });
    });
  await Promise.all(
    clients.map(async (c) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const pending: Promise<void>[] = [];
      let due = performance.now() + r() * 1000;
      while (due < end) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        pending.push(one(agent, c.cookie, due));
        due += (-Math.log(1 - r()) / rate) * 1000;
      }
      await Promise.all(pending);
      agent.destroy();
    }),
  );
  return { requests, errors, non2xx };
}

async function measure(base: string, scenario: Scenario, clients: Client[], serverPid: number): Promise<Measured> {
  // What one answer holds, and that it is an answer (a 200 with a page of leads).
  const probe = await fetch(`${base}${scenario.path}`, { headers: { cookie: clients[0].cookie } });
  const text = await probe.text();
  if (probe.status !== 200) throw new Error(`${scenario.path} as ${clients[0].name} answered ${probe.status}: ${text.slice(0, 300)}`);
  const page = JSON.parse(text) as { items?: unknown[]; total?: number };
  const latencies: number[] = [];
  const cpu0 = cpuSeconds(serverPid);
  const t0 = performance.now();
  const served = new Set<unknown>();
  const record = (ms: number, status: number, who: unknown) => {
    if (status < 200 || status >= 300) return;
    latencies.push(ms);
    served.add(who);
  };
  const result = scenario.perClientRate
    ? await openLoop(`${base}${scenario.path}`, clients.slice(0, CONNECTIONS), scenario.perClientRate, SECONDS, record)
    : await cannon(`${base}${scenario.path}`, clients, { seconds: SECONDS, maxRequests: MAX_REQUESTS, vary: scenario.vary }, record).then((x) => ({
        requests: x.requests.total, errors: x.errors + x.timeouts, non2xx: x.non2xx,
      }));
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = (cpuSeconds(serverPid) - cpu0) / seconds;
  latencies.sort((a, b) => a - b);
  return {
    scenario,
    total: page.total ?? NaN,
    items: page.items?.length ?? NaN,
    bytes: Buffer.byteLength(text),
    requests: result.requests,
    seconds,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    max: latencies.at(-1) ?? NaN,
    errors: result.errors,
    non2xx: result.non2xx,
    serverCpu,
    served: served.size,
    rssMb: rssMb(serverPid),
  };
}

// ---------------------------------------------------------------- main

const tmp = mkdtempSync(join(tmpdir(), 'dragnet-bench-api-'));
let server: ChildProcess | undefined;

async function stopServer(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function cleanup(): void {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const runDir = join(tmp, 'run');
  const wsDir = join(tmp, 'workspace');
  let t = performance.now();
  writeSyntheticRun(runDir, LEADS);
  const ws = Workspace.open(wsDir, { create: true });
  const users: { name: string; password: string; role: 'analyst' | 'rights_holder' }[] = [];
  try {
    const { run } = await registerRun(ws, SYSTEM, runDir, 'API bench run');
    process.stderr.write(`registered ${run.leads.toLocaleString('en-US')} synthetic leads (${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
    t = performance.now();
    const pad = (i: number) => String(i + 1).padStart(2, '0');
    for (let i = 0; i < CONNECTIONS; i++) users.push({ name: `bench-analyst-${pad(i)}`, password: randomBytes(12).toString('base64url'), role: 'analyst' });
    for (let i = 0; i < CONNECTIONS; i++) users.push({ name: `bench-brand-${pad(i)}`, password: randomBytes(12).toString('base64url'), role: 'rights_holder' });
    // Rights holders of the eight most common brands: scopes from a few hundred leads to a few thousand.
    const added = await inBatches(users, 8, (u) =>
      addUser(ws, SYSTEM, { name: u.name, role: u.role, password: u.password, brands: u.role === 'rights_holder' ? [BRANDS[Number(u.name.slice(-2)) % 8]] : [] }),
    );
    // Open cases on the top leads, so that the analysts' case column finds some.
    const analyst = added[0];
    const top = ws.sql.prepare(`SELECT lead_id FROM leads WHERE run_id = ? ORDER BY rank LIMIT ?`).pluck().all(run.run_id, CASES * 3) as string[];
    let opened = 0;
    for (const leadId of top) {
      if (opened >= CASES) break;
      try {
        openCase(ws, actorOf(analyst, null), analyst, run.run_id, leadId);
        opened++;
      } catch {
        // the lead's site already has an open case: next one
      }
    }
    process.stderr.write(`added ${users.length} users and ${opened} open cases (${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
  } finally {
    ws.close();
  }

  t = performance.now();
  const started = await startServer(wsDir);
  server = started.child;
  const base = started.url;
  process.stderr.write(`server (${cli}) at ${base}, pid ${server.pid} (${((performance.now() - t) / 1000).toFixed(1)} s to start)\n`);

  t = performance.now();
  const signedIn = await inBatches(users, 10, (u) => signIn(base, u.name, u.password));
  const analysts = signedIn.filter((_, i) => users[i].role === 'analyst');
  const holders = signedIn.filter((_, i) => users[i].role === 'rights_holder');
  process.stderr.write(`${signedIn.length} clients signed in (${((performance.now() - t) / 1000).toFixed(1)} s)\n`);

  // Warm-up (not measured): JIT, SQLite's page cache, the WAL.
  await cannon(`${base}/api/leads`, analysts, { seconds: 3, maxRequests: 2000 });

  const scenarios: Scenario[] = [
    // The floor: who is calling (one session lookup) and the HTTP stack, no leads and no audit entry.
    { name: '(0) baseline: who am I', path: '/api/session', clients: 'analysts' },
    { name: '(a) analyst, default page', path: '/api/leads', clients: 'analysts' },
    { name: '(b) analyst, filtered', path: '/api/leads?status=active&min_score=0.5&sort=score', clients: 'analysts' },
    { name: '(c) rights holder (brand scope)', path: '/api/leads', clients: 'rights_holders' },
    { name: '(d) analyst, limit=1000', path: '/api/leads?limit=1000', clients: 'analysts' },
    // Panning a map: every request a different 2 km window somewhere in the city, so no answer is ever the same.
    { name: '(e) analyst, a new map window (bbox) every request', path: `/api/leads?bbox=${bbox(rng(1))}`, clients: 'analysts', vary: ((r) => () => `/api/leads?bbox=${bbox(r)}`)(rng(11)) },
    // Not saturation: 50 people each asking for a page about once a second, at random moments.
    { name: '(f) analyst, default page, open loop 1 req/s per client', path: '/api/leads', clients: 'analysts', perClientRate: 1 },
  ];
  const rows: Measured[] = [];
  for (const s of scenarios) {
    process.stderr.write(
      s.perClientRate
        ? `${s.name}: ${CONNECTIONS} clients, ${s.perClientRate} request/s each on average, ${SECONDS} s...\n`
        : `${s.name}: ${CONNECTIONS} connections, ${SECONDS} s or ${MAX_REQUESTS.toLocaleString('en-US')} requests...\n`,
    );
    rows.push(await measure(base, s, s.clients === 'analysts' ? analysts : holders, server.pid!));
  }
  await stopServer();
  const serverLog = started.log().trim();

  const cpu = cpus();
  const load = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
  const ms = (x: number) => x.toFixed(1);
  const lines = [
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average ${load(loadBefore)} before the run, ${load(loadavg())} after (other work on the machine slows the server).`,
    `Workspace: ${LEADS.toLocaleString('en-US')} leads in one run, ${CONNECTIONS} analysts and ${CONNECTIONS} rights holders signed in, ${CASES} open cases. ` +
      `(0)-(e): ${CONNECTIONS} connections, one signed-in client each, closed loop (each sends its next request as soon as the last is answered), ${SECONDS} s (or ${MAX_REQUESTS.toLocaleString('en-US')} requests) per scenario after a 3 s warm-up; ` +
      `(e) asks for a different 2 km map window (bbox) every time, so no answer can come from a cache; (f): the same ${CONNECTIONS} clients in an open loop, each sending requests at random moments (Poisson) once a second on average, latency counted from when the request was due. ` +
      `Server: \`dragnet serve\` in its own process, autocannon in the bench's. Latencies per request, 2xx only; target p95 < ${TARGET_P95_MS} ms. ` +
      `Clients answered: connections that got at least one answer (a saturated Node server admits new connections about one per event-loop turn, so some wait seconds for their first).`,
    '',
    '| scenario | query | leads matched | answer (items, KB) | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | non-2xx | clients answered | server CPU | server RSS MB | p95 < 100 ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) =>
      `| ${r.scenario.name} | \`GET ${r.scenario.path}\` | ${Number.isNaN(r.total) ? '' : r.total.toLocaleString('en-US')} | ${Number.isNaN(r.items) ? '' : `${r.items}, `}${(r.bytes / 1024).toFixed(1)} | ${r.requests.toLocaleString('en-US')} | ` +
        `${Math.round(r.requests / r.seconds).toLocaleString('en-US')} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.errors} | ${r.non2xx} | ${r.served}/${CONNECTIONS} | ` +
        `${Math.round(r.serverCpu * 100)}% | ${Math.round(r.rssMb)} | ${r.p95 < TARGET_P95_MS ? 'yes' : 'no'} |`,
    ),
  ];
  const table = lines.join('\n') + '\n';
  process.stdout.write(`\n${table}`);
  if (serverLog) process.stdout.write(`\nServer stderr:\n${serverLog.slice(-2000)}\n`);
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/api.md'), `# \`npm run bench:api\`\n\n${table}`);
  process.stderr.write(`\nwritten to bench/results/api.md\n`);
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:api failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await stopServer();
  cleanup();
}
