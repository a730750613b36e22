/* eslint-disable @typescript-eslint/no-explicit-any -- the API's JSON bodies are untyped here; tests assert on their fields */
/**
 * A workspace to test against: a small generated world analysed once, its
 * run registered, the demo's partners and one user per role (with known
 * passwords), and helpers to serve it on loopback and call the API as a
 * signed-in user.
 */
import { join } from 'node:path';
import { generateWorld } from '../../src/world/generate.ts';
import { SCENARIOS } from '../../src/world/scenarios.ts';
import { analyze } from '../../src/pipeline.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { Workspace } from '../../src/workspace/store.ts';
import { buildDemoWorkspace, type DemoUser } from '../../src/workspace/demo.ts';
import { startServer, type Served } from '../../src/server/serve.ts';
import { tempDir } from './db.ts';

export interface TestWorkspace {
  root: string;
  world: string;
  results: string;
  wsDir: string;
  users: Record<string, DemoUser>;
}

/** Generates a 20k-pickup world, analyses it and builds the demo workspace on it (about 5 s). */
export async function makeWorkspace(seed = 3, pickups = 20_000): Promise<TestWorkspace> {
  const root = tempDir('dragnet-ws-');
  const world = join(root, 'world');
  const results = join(root, 'results');
  await generateWorld({ scenario: SCENARIOS.putian.scenario, seed, pickups, out: world, format: 'csv', crs: 'WGS84' }, silentProgress);
  await analyze({ dataset: world, out: results, progress: silentProgress });
  const wsDir = join(root, 'ws');
  const ws = Workspace.open(wsDir, { create: true });
  try {
    const { users } = await buildDemoWorkspace(ws, results);
    return { root, world, results, wsDir, users: Object.fromEntries(users.map((u) => [u.name, u])) };
  } finally {
    ws.close();
  }
}

export interface Client {
  name: string;
  csrf: string;
  cookie: string;
  /** fetch against the server, signed in: JSON body in and out; state-changing calls carry the CSRF token. */
  call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any; headers: Headers }>;
}

export async function serveWorkspace(wsDir: string): Promise<{ served: Served; ws: Workspace; close: () => Promise<void> }> {
  const ws = Workspace.open(wsDir);
  const served = await startServer(ws, { port: 0, host: '127.0.0.1' });
  return {
    served,
    ws,
    close: async () => {
      await served.close();
      ws.close();
    },
  };
}

export async function request(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('content-type') ?? '';
  const parsed = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Signs in through POST /api/session and returns a client carrying the cookie and CSRF token. */
export async function signIn(base: string, name: string, password: string): Promise<Client> {
  const r = await request(`${base}/api/session`, 'POST', { name, password });
  if (r.status !== 200) throw new Error(`sign-in of ${name} failed: ${r.status} ${JSON.stringify(r.body)}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
  const csrf = r.body.csrf_token as string;
  return {
    name,
    csrf,
    cookie,
    call: (method, path, body, headers = {}) =>
      request(`${base}${path}`, method, body, { cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': csrf }), ...headers }),
  };
}
