/**
 * What the server acknowledged survives `kill -9`. The real `dragnet serve`
 * runs in a child process; a burst of comments and case transitions goes to
 * it, several in flight at once, and it is killed with SIGKILL half-way.
 * Every write that got a 2xx is then in the store, the store passes SQLite's
 * integrity check, each change landed with its audit entry, and the audit
 * chain verifies. Then `dragnet workspace backup` runs while a server keeps
 * writing: it finishes, and its copy is whole and holds what was written
 * before it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditNow, SYSTEM, verifyAudit } from '../../src/workspace/audit.ts';
import { registerRun } from '../../src/workspace/runs.ts';
import { checkStoreFile, STORE_FILE, Workspace } from '../../src/workspace/store.ts';
import { addUser } from '../../src/workspace/users.ts';
import { tempDir } from '../helpers/db.ts';
import { east, handLead, writeHandRun, type HandLead } from '../helpers/hand-run.ts';

const ROOT = join(import.meta.dirname, '../..');
const PASSWORD = 'durable password 1';
/** Cases the burst works on, one per lead, its leads 500 m apart. */
const CASES = 20;

const children = new Set<ChildProcess>();

/** Starts a child process of the real CLI, remembered so that afterAll kills it whatever happens. */
function cli(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/dragnet.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `dragnet serve --port 0` on the workspace; resolves with its URL once it prints it. */
async function serve(wsDir: string): Promise<{ url: string; child: ChildProcess; exited: Promise<unknown>; stderr: () => string }> {
  const p = cli(['serve', '--workspace', wsDir, '--port', '0']);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = /^Serving workspace .* at (http:\/\/127\.0\.0\.1:\d+)\/ /m.exec(p.stdout());
    if (m) return { url: m[1], child: p.child, exited: p.exited, stderr: p.stderr };
    if (p.child.exitCode !== null || Date.now() > deadline) throw new Error(`dragnet serve did not start: ${p.stderr()}`);
    await sleep(50);
  }
}

interface Session { cookie: string; csrf: string }

async function call(base: string, s: Session | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(s ? { cookie: s.cookie, 'x-csrf-token': s.csrf } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function signIn(base: string, name: string): Promise<Session> {
  const r = await call(base, null, 'POST', '/api/session', { name, password: PASSWORD });
  expect(r.status).toBe(200);
  return { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0], csrf: r.body.csrf_token as string };
}

/** Runs the tasks `width` at a time. */
async function pool(tasks: (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < tasks.length) await tasks[next++]();
  }));
}

function integrity(file: string): string {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

let root: string;
let wsDir: string;
let leadIds: string[];

beforeAll(async () => {
  root = tempDir('dragnet-durable-');
  wsDir = join(root, 'ws');
  const ws = Workspace.open(wsDir, { create: true });
  try {
    const P = { lat: 25.40, lng: 118.95 };
    const leads: HandLead[] = [];
    for (let i = 0; i < CASES + 10; i++) leads.push(handLead({ lead_id: `L-${i}`, ...east(P.lat, P.lng, 500 * i), network_ids: [`N-${i}`] }));
    // Many more leads far north, with long evidence: a store of a few MB, which a backup copies in many pages.
    const evidence = Array.from({ length: 12 }, (_, k) => `evidence line ${k}: ${'parcels picked up at night from a back room '.repeat(3)}`);
    for (let i = 0; i < 3000; i++) leads.push(handLead({ lead_id: `L-pad-${i}`, lat: 26 + (i % 60) * 0.01, lng: 119 + Math.floor(i / 60) * 0.01, evidence }));
    await registerRun(ws, SYSTEM, writeHandRun(join(root, 'run'), leads));
    leadIds = leads.slice(0, CASES).map((l) => l.lead_id);
    await addUser(ws, SYSTEM, { name: 'ana', role: 'analyst', password: PASSWORD });
    await addUser(ws, SYSTEM, { name: 'sup', role: 'supervisor', password: PASSWORD });
  } finally {
    ws.close();
  }
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('kill -9 loses nothing acknowledged', () => {
  const comments: { text: string; case_id: number; acked: boolean }[] = [];
  const moves: { case_id: number; to: string; acked: boolean }[] = [];
  let caseIds: number[];
  let killedAt = -1;

  beforeAll(async () => {
    const server = await serve(wsDir);
    const base = server.url;
    const ana = await signIn(base, 'ana');
    caseIds = [];
    for (const lead of leadIds) {
      const r = await call(base, ana, 'POST', '/api/cases', { lead_id: lead, comment: 'opened before the burst' });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      caseIds.push(r.body.case_id as number);
    }

    let acked = 0;
    const KILL_AFTER = 90;
    const send = async (path: string, body: unknown): Promise<boolean> => {
      try {
        const r = await call(base, ana, 'POST', path, body);
        if (r.status >= 200 && r.status < 300) {
          if (++acked === KILL_AFTER) {
            killedAt = acked;
            server.child.kill('SIGKILL');
          }
          return true;
        }
        throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
      } catch (e) {
        // After the kill a request fails to connect or loses its connection; before it, nothing may fail.
        if (killedAt < 0) throw e;
        return false;
      }
    };
    const tasks: (() => Promise<void>)[] = [];
    for (let i = 0; i < 160; i++) {
      const c = { text: `burst comment ${i}`, case_id: caseIds[i % CASES], acked: false };
      comments.push(c);
      tasks.push(async () => void (c.acked = await send(`/api/cases/${c.case_id}/comments`, { comment: c.text })));
      // Every eighth task moves a case along: start analysis, then send it for an offline check.
      if (i % 8 === 0) {
        const id = caseIds[i / 8];
        tasks.push(async () => {
          for (const to of ['analysing', 'offline_check']) {
            const m = { case_id: id, to, acked: false };
            moves.push(m);
            m.acked = await send(`/api/cases/${id}/transitions`, { to, comment: `burst move to ${to}` });
            if (!m.acked) return;
          }
        });
      }
    }
    expect(tasks.length).toBe(180); // 160 comments, 20 cases moved twice: 200 writes
    await pool(tasks, 8);
    const exit = await server.exited;
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('was killed mid-burst, with writes in flight', () => {
    expect(killedAt).toBe(90);
    const ackedWrites = comments.filter((c) => c.acked).length + moves.filter((m) => m.acked).length;
    expect(ackedWrites).toBeGreaterThanOrEqual(90);
    // Far from all of the 200 writes got through.
    expect(ackedWrites).toBeLessThan(150);
  });

  it('the store opens whole, with every acknowledged write and each change\'s audit entry', () => {
    expect(integrity(join(wsDir, STORE_FILE))).toBe('ok');
    const ws = Workspace.open(wsDir);
    try {
      expect(ws.sql.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = new Set(ws.sql.prepare(`SELECT case_id || ':' || comment FROM case_events WHERE kind = 'comment'`).pluck().all() as string[]);
      const lost = comments.filter((c) => c.acked && !stored.has(`${c.case_id}:${c.text}`));
      expect(lost).toEqual([]);
      expect(stored.size).toBeGreaterThanOrEqual(comments.filter((c) => c.acked).length);
      const moved = new Set(ws.sql.prepare(`SELECT case_id || ':' || to_state FROM case_events WHERE kind = 'transition'`).pluck().all() as string[]);
      expect(moves.filter((m) => m.acked && !moved.has(`${m.case_id}:${m.to}`))).toEqual([]);
      // A case is at least as far along as its last acknowledged move.
      for (const m of moves.filter((x) => x.acked && x.to === 'offline_check')) {
        expect(ws.sql.prepare(`SELECT state FROM cases WHERE case_id = ?`).pluck().get(m.case_id)).toBe('offline_check');
      }
      // Each change landed with its audit entry, or neither did.
      const count = (sql: string) => ws.sql.prepare(sql).pluck().get();
      expect(count(`SELECT count(*) FROM audit WHERE action = 'case.comment'`)).toBe(count(`SELECT count(*) FROM case_events WHERE kind = 'comment'`));
      expect(count(`SELECT count(*) FROM audit WHERE action IN ('case.transition', 'case.open')`)).toBe(count(`SELECT count(*) FROM case_events WHERE kind = 'transition'`));
      expect(verifyAudit(ws)).toMatchObject({ ok: true });
    } finally {
      ws.close();
    }
  });
});

describe('workspace backup while the server runs and writes continue', () => {
  it('finishes, and its copy is whole and holds the cases written before it started', async () => {
    const server = await serve(wsDir);
    const base = server.url;
    const ana = await signIn(base, 'ana');
    const before: number[] = [];
    for (const lead of ['L-20', 'L-21', 'L-22']) {
      const r = await call(base, ana, 'POST', '/api/cases', { lead_id: lead, comment: 'opened before the backup' });
      expect(r.status).toBe(201);
      before.push(r.body.case_id as number);
    }

    // Writers that keep going until the backup is done.
    let stop = false;
    let written = 0;
    let writtenDuringBackup = 0;
    let backingUp = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const r = await call(base, ana, 'POST', `/api/cases/${before[w % before.length]}/comments`, { comment: `writer ${w} comment ${i}` });
        expect(r.status).toBe(201);
        written++;
        if (backingUp) writtenDuringBackup++;
      }
    });
    while (written < 20) await sleep(10);

    const file = join(root, 'backup.sqlite');
    backingUp = true;
    const backup = cli(['workspace', 'backup', wsDir, file]);
    const done = await Promise.race([backup.exited, sleep(60_000).then(() => null)]);
    backingUp = false;
    stop = true;
    await Promise.all(writers);
    if (done === null) backup.child.kill('SIGKILL');
    expect(done, `backup did not finish within 60 s while the server wrote: ${backup.stderr()}`).toEqual({ code: 0, signal: null });
    expect(backup.stdout()).toBe(`Backed up ${wsDir} to ${file} (integrity check: ok)\n`);
    expect(writtenDuringBackup).toBeGreaterThan(0);

    server.child.kill('SIGKILL');
    await server.exited;

    expect(checkStoreFile(file)).toBe('ok');
    expect(integrity(file)).toBe('ok');
    // The copy is a workspace of its own: it opens, and its audit chain (a consistent snapshot of it) verifies.
    const copyDir = join(root, 'restored');
    mkdirSync(copyDir);
    copyFileSync(file, join(copyDir, STORE_FILE));
    const copy = Workspace.open(copyDir);
    try {
      const cases = copy.sql.prepare(`SELECT case_id FROM cases ORDER BY case_id`).pluck().all() as number[];
      expect(cases).toEqual(expect.arrayContaining(before));
      expect(cases).toHaveLength(CASES + before.length);
      expect(copy.sql.prepare(`SELECT count(*) FROM leads`).pluck().get()).toBe(CASES + 10 + 3000);
      expect(verifyAudit(copy)).toMatchObject({ ok: true });
      // Comments written before the backup started are in it.
      const inCopy = copy.sql.prepare(`SELECT count(*) FROM case_events WHERE kind = 'comment' AND comment LIKE 'writer %'`).pluck().get() as number;
      expect(inCopy).toBeGreaterThanOrEqual(20);
      expect(inCopy).toBeLessThanOrEqual(written);
    } finally {
      copy.close();
    }
  });

  it('copies in one go: Workspace.backup finishes while another connection commits all the time', async () => {
    // Copied a hundred pages at a time, a copy restarts at each commit of another connection between two steps.
    const ws = Workspace.open(wsDir);
    const writer = Workspace.open(wsDir);
    expect(ws.sql.pragma('page_count', { simple: true })).toBeGreaterThan(2000);
    let writes = 0;
    const timer = setInterval(() => {
      auditNow(writer, SYSTEM, { action: 'test.write', detail: { n: writes } });
      writes++;
    }, 1);
    try {
      while (writes < 20) await sleep(5);
      const file = join(root, 'in-process-backup.sqlite');
      const copying = ws.backup(file);
      const finished = await Promise.race([copying.then(() => true), sleep(15_000).then(() => false)]);
      clearInterval(timer);
      await copying;
      expect(finished, 'the backup finished only once the writes stopped').toBe(true);
      expect(checkStoreFile(file)).toBe('ok');
    } finally {
      clearInterval(timer);
      writer.close();
      ws.close();
    }
    expect(writes).toBeGreaterThan(20);
  });
});
