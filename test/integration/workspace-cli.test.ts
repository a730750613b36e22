/**
 * The workspace from the command line, through the real CLI: `analyze
 * --workspace` creating a workspace and registering the run, `workspace
 * import`, `user add` with the password piped in (and what it refuses),
 * `user token` giving a token the server takes, `partner add` with a good
 * and a broken GeoJSON file. A fresh workspace has no users at all.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../src/world/generate.ts';
import { SCENARIOS } from '../../src/world/scenarios.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { STORE_FILE, Workspace } from '../../src/workspace/store.ts';
import { listRuns } from '../../src/workspace/runs.ts';
import { listUsers } from '../../src/workspace/users.ts';
import { listPartners } from '../../src/workspace/partners.ts';
import { tempDir } from '../helpers/db.ts';
import { dragnet, type CliResult } from '../helpers/cli.ts';
import { request, serveWorkspace } from '../helpers/workspace.ts';

const ROOT = join(import.meta.dirname, '../..');

/** `dragnet ARGS` with `input` piped to its standard input (not a terminal, so the password is read from it). */
function dragnetWithInput(args: readonly string[], input: string): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dragnet.js'), ...args], {
    cwd: ROOT, encoding: 'utf8', input, timeout: 90_000, killSignal: 'SIGKILL',
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function withStore<T>(dir: string, fn: (ws: Workspace) => T): T {
  const ws = Workspace.open(dir);
  try {
    return fn(ws);
  } finally {
    ws.close();
  }
}

let root: string;
let world: string;
let out: string;
let ws: string;
let leadCount: number;
let analyzed: CliResult;

beforeAll(async () => {
  root = tempDir('dragnet-ws-cli-');
  world = join(root, 'world');
  await generateWorld({ scenario: SCENARIOS.putian.scenario, seed: 7, pickups: 8_000, out: world, format: 'csv', crs: 'WGS84' }, silentProgress);
  out = join(root, 'out');
  ws = join(root, 'ws');
  analyzed = dragnet(['analyze', world, '--out', out, '--workspace', ws, '--quiet']);
  leadCount = existsSync(join(out, 'leads.geojson')) ? JSON.parse(readFileSync(join(out, 'leads.geojson'), 'utf8')).features.length : -1;
});

describe('analyze --workspace and workspace import', () => {
  it('analyze DATASET --out OUT --workspace WS creates the workspace and registers the run', () => {
    expect(analyzed.status, analyzed.stderr).toBe(0);
    expect(leadCount).toBeGreaterThan(5);
    expect(existsSync(join(ws, STORE_FILE))).toBe(true);
    expect(analyzed.stdout).toMatch(new RegExp(`Registered run 1 \\(data to \\d{4}-\\d{2}-\\d{2}\\) \\(${leadCount} leads\\) in the workspace\\.\\n(Impact imported: .*\\n)?$`));
    withStore(ws, (s) => {
      const runs = listRuns(s);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ run_id: 1, out_dir: out, leads: leadCount, method: 'dragnet' });
      expect(s.sql.prepare(`SELECT count(*) FROM leads WHERE run_id = 1`).pluck().get()).toBe(leadCount);
      // The run kept its database: the leads have their parcels.
      expect(s.sql.prepare(`SELECT count(*) FROM lead_details WHERE run_id = 1`).pluck().get()).toBe(leadCount);
      expect(s.sql.prepare(`SELECT action FROM audit ORDER BY seq`).pluck().all()).toEqual(['run.register']);
    });
  });

  it('no default users: a workspace made by analyze, or opened fresh, has no one to sign in as', async () => {
    withStore(ws, (s) => expect(listUsers(s)).toEqual([]));
    const list = dragnet(['user', 'list', '--workspace', ws]);
    expect(list.status).toBe(0);
    expect(list.stdout).toBe('');
    const fresh = Workspace.open(join(root, 'fresh'), { create: true });
    try {
      expect(listUsers(fresh)).toEqual([]);
      expect(fresh.sql.prepare(`SELECT count(*) FROM users`).pluck().get()).toBe(0);
    } finally {
      fresh.close();
    }
    const server = await serveWorkspace(ws);
    try {
      for (const name of ['admin', 'analyst', 'dragnet']) {
        const r = await request(`${server.served.url}/api/session`, 'POST', { name, password: name });
        expect(r.status).toBe(401);
      }
    } finally {
      await server.close();
    }
  });

  it('workspace import OUT registers the run in another workspace', () => {
    const other = join(root, 'ws-import');
    const r = dragnet(['workspace', 'import', out, '--label', 'imported', '--workspace', other]);
    expect(r.status, r.stderr).toBe(0);
    // Followed by what the run's impact/ files held, once the analysis writes them.
    expect(r.stdout).toMatch(new RegExp(`^Registered imported \\(${leadCount} leads\\) in the workspace\\.\\n(Impact imported: .*\\n)?$`));
    withStore(other, (s) => {
      expect(listRuns(s).map((x) => [x.run_id, x.label, x.out_dir, x.leads])).toEqual([[1, 'imported', out, leadCount]]);
      expect(s.sql.prepare(`SELECT count(*) FROM leads`).pluck().get()).toBe(leadCount);
    });
    // A folder that is not a finished run is refused, naming what is missing.
    const bad = dragnet(['workspace', 'import', world, '--workspace', other]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`dragnet: ${world} is not the output of a finished run: ${join(world, 'run.json')} is missing\n`);
    withStore(other, (s) => expect(listRuns(s)).toHaveLength(1));
  });
});

describe('partner add', () => {
  it('adds a partner from a GeoJSON Feature', () => {
    const file = join(root, 'west.geojson');
    writeFileSync(file, JSON.stringify({
      type: 'Feature', properties: { name: 'west' },
      geometry: { type: 'Polygon', coordinates: [[[118.9, 25.3], [119.02, 25.3], [119.02, 25.6], [118.9, 25.6], [118.9, 25.3]]] },
    }));
    const r = dragnet(['partner', 'add', 'west-psb', '--name', 'West PSB', '--jurisdiction', file, '--categories', 'shoes, clothing', '--from', '2025-01-01', '--workspace', ws]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('Added partner west-psb (West PSB): shoes, clothing\n');
    withStore(ws, (s) => {
      expect(listPartners(s)).toMatchObject([{ partner_id: 'west-psb', name: 'West PSB', categories: ['shoes', 'clothing'], valid_from: '2025-01-01', valid_to: null,
        jurisdiction: { type: 'Polygon' } }]);
    });
  });

  it('refuses a broken file, naming it', () => {
    const notJson = join(root, 'broken.geojson');
    writeFileSync(notJson, '{"type": "Polygon", "coordinates": [[[118.9, 25.3], [119');
    let r = dragnet(['partner', 'add', 'east-psb', '--name', 'East PSB', '--jurisdiction', notJson, '--categories', 'shoes', '--workspace', ws]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^dragnet: --jurisdiction ${notJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not JSON: `));

    const point = join(root, 'point.geojson');
    writeFileSync(point, JSON.stringify({ type: 'Point', coordinates: [119, 25.4] }));
    r = dragnet(['partner', 'add', 'east-psb', '--name', 'East PSB', '--jurisdiction', point, '--categories', 'shoes', '--workspace', ws]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`dragnet: ${point}: the jurisdiction must be a GeoJSON Polygon or MultiPolygon in [lng, lat]`);

    const missing = join(root, 'nowhere.geojson');
    r = dragnet(['partner', 'add', 'east-psb', '--name', 'East PSB', '--jurisdiction', missing, '--categories', 'shoes', '--workspace', ws]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`dragnet: --jurisdiction ${missing}: no such file\n`);
    withStore(ws, (s) => expect(listPartners(s).map((p) => p.partner_id)).toEqual(['west-psb']));
  });
});

describe('user add and user token', () => {
  const PASSWORD = 'piped password 42';

  it('adds a user with the password piped on standard input', () => {
    const r = dragnetWithInput(['user', 'add', 'alice', '--role', 'analyst', '--workspace', ws], `${PASSWORD}\n`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Added analyst alice to ${ws}\n`);
    const p = dragnetWithInput(['user', 'add', 'pat', '--role', 'police_liaison', '--agency', 'west-psb', '--workspace', ws], PASSWORD);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toBe(`Added police_liaison pat of west-psb to ${ws}\n`);
    withStore(ws, (s) => {
      expect(listUsers(s).map((u) => [u.name, u.role, u.agency_id])).toEqual([['alice', 'analyst', null], ['pat', 'police_liaison', 'west-psb']]);
      // Only the scrypt hash is kept.
      const stored = s.sql.prepare(`SELECT password FROM users WHERE name = 'alice'`).pluck().get() as string;
      expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
      expect(stored).not.toContain(PASSWORD);
    });
  });

  it('refuses what it must, with a clear message and exit code 2', () => {
    const cases: [string[], string, string][] = [
      [['user', 'add', 'bob', '--role', 'analyst'], 'short pw\n', 'dragnet: the password must have at least 10 characters\n'],
      [['user', 'add', 'bob', '--role', 'analyst'], '', 'dragnet: no password on standard input (pipe it in, e.g. `printf %s "$PW" | dragnet user add ...`)\n'],
      [['user', 'add', 'bob', '--role', 'police_liaison'], `${PASSWORD}\n`, 'dragnet: a police_liaison belongs to one agency: give --agency ID (a partner of the workspace)\n'],
      [['user', 'add', 'bob', '--role', 'police_liaison', '--agency', 'nowhere-psb'], `${PASSWORD}\n`,
        'dragnet: agency nowhere-psb is not a partner of this workspace; add it first with `dragnet partner add`\n'],
      [['user', 'add', 'alice', '--role', 'analyst'], `${PASSWORD}\n`, 'dragnet: user alice exists already\n'],
    ];
    for (const [args, input, message] of cases) {
      const r = dragnetWithInput([...args, '--workspace', ws], input);
      expect(r.stderr, args.join(' ')).toBe(message);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
    }
    withStore(ws, (s) => expect(listUsers(s).map((u) => u.name)).toEqual(['alice', 'pat']));
  });

  it('prints a token, once, that works as a Bearer token against the served workspace', async () => {
    const r = dragnet(['user', 'token', 'alice', '--label', 'script', '--workspace', ws]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^dnt_[A-Za-z0-9_-]{43}\n$/);
    const token = r.stdout.trim();
    withStore(ws, (s) => {
      // Only its hash is kept.
      expect(s.sql.prepare(`SELECT count(*) FROM tokens WHERE token_hash = ?`).pluck().get(token)).toBe(0);
      expect(s.sql.prepare(`SELECT label FROM tokens t JOIN users u USING (user_id) WHERE u.name = 'alice'`).pluck().all()).toEqual(['script']);
    });

    const server = await serveWorkspace(ws);
    try {
      const base = server.served.url;
      const runs = await request(`${base}/api/runs`, 'GET', undefined, { authorization: `Bearer ${token}` });
      expect(runs.status).toBe(200);
      expect(JSON.stringify(runs.body)).toContain(out);
      // The token acts as alice: an analyst may open a case with it, and no CSRF token is needed.
      const leadId = JSON.parse(readFileSync(join(out, 'leads.geojson'), 'utf8')).features[0].properties.lead_id as string;
      const opened = await request(`${base}/api/cases`, 'POST', { lead_id: leadId }, { authorization: `Bearer ${token}` });
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
      expect(opened.body.created_by).toBe('alice');
      expect((await request(`${base}/api/runs`, 'GET', undefined, { authorization: `Bearer ${token}x` })).status).toBe(401);
      expect((await request(`${base}/api/runs`, 'GET')).status).toBe(401);
      const used = server.ws.sql.prepare(`SELECT user_name FROM audit WHERE action = 'token.use'`).pluck().all();
      expect(used).toEqual(['alice', 'alice']);
    } finally {
      await server.close();
    }
  });
});
