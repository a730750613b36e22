/**
 * The audit log names tampering. A workspace gathers entries the way a
 * served one does (sign-ins, a failed one, searches, views, a case opened,
 * moved and commented on); `dragnet audit verify` finds it intact. Then, on
 * fresh copies of the store, one entry is edited, one removed from the
 * middle, two swapped, the last one cut off, and one rewritten with a
 * recomputed hash: each is named, by the CLI (exit 1) and by verifyAudit().
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM, verifyAudit, entryHash, type AuditEntry, type VerifyResult } from '../../src/workspace/audit.ts';
import { registerRun } from '../../src/workspace/runs.ts';
import { STORE_FILE, Workspace } from '../../src/workspace/store.ts';
import { addUser } from '../../src/workspace/users.ts';
import { tempDir } from '../helpers/db.ts';
import { dragnet } from '../helpers/cli.ts';
import { handLead, writeHandRun } from '../helpers/hand-run.ts';
import { request, serveWorkspace, signIn } from '../helpers/workspace.ts';

const PASSWORD = 'a long enough password';

let root: string;
let wsDir: string;
let entries: AuditEntry[];

/** A fresh copy of the workspace, changed by `tamper` through SQLite directly. */
function tampered(name: string, tamper: (db: BetterSqlite3.Database) => void): string {
  const dir = join(root, name);
  cpSync(wsDir, dir, { recursive: true });
  const db = new BetterSqlite3(join(dir, STORE_FILE));
  try {
    tamper(db);
  } finally {
    db.close();
  }
  return dir;
}

function verify(dir: string): VerifyResult {
  const ws = Workspace.open(dir);
  try {
    return verifyAudit(ws);
  } finally {
    ws.close();
  }
}

const entry = (seq: number) => entries.find((e) => e.seq === seq)!;
const where = (e: AuditEntry) => `entry ${e.seq} (${e.at}, ${e.action}${e.user_name ? ` by ${e.user_name}` : ''})`;

beforeAll(async () => {
  root = tempDir('dragnet-audit-');
  wsDir = join(root, 'ws');
  const ws = Workspace.open(wsDir, { create: true });
  try {
    await registerRun(ws, SYSTEM, writeHandRun(join(root, 'run'), [
      handLead({ lead_id: 'L-a', lat: 25.45, lng: 119.0 }),
      handLead({ lead_id: 'L-b', lat: 25.47, lng: 119.02 }),
    ]));
    await addUser(ws, SYSTEM, { name: 'ana', role: 'analyst', password: PASSWORD });
    await addUser(ws, SYSTEM, { name: 'sup', role: 'supervisor', password: PASSWORD });
  } finally {
    ws.close();
  }
  const server = await serveWorkspace(wsDir);
  try {
    const base = server.served.url;
    expect((await request(`${base}/api/session`, 'POST', { name: 'ana', password: 'not the password' })).status).toBe(401);
    const ana = await signIn(base, 'ana', PASSWORD);
    const sup = await signIn(base, 'sup', PASSWORD);
    expect((await ana.call('GET', '/api/leads')).status).toBe(200);
    const opened = await ana.call('POST', '/api/cases', { lead_id: 'L-a', comment: 'night pickups' });
    expect(opened.status).toBe(201);
    const id = opened.body.case_id;
    expect((await ana.call('GET', `/api/cases/${id}`)).status).toBe(200);
    expect((await ana.call('POST', `/api/cases/${id}/transitions`, { to: 'analysing', comment: 'reading' })).status).toBe(200);
    expect((await ana.call('POST', `/api/cases/${id}/comments`, { comment: 'eleven accounts' })).status).toBe(201);
    expect((await sup.call('GET', `/api/cases/${id}`)).status).toBe(200);
    expect((await ana.call('POST', `/api/cases/${id}/transitions`, { to: 'offline_check', comment: 'field team' })).status).toBe(200);
    expect((await sup.call('GET', '/api/cases')).status).toBe(200);
  } finally {
    await server.close();
  }
  const ws2 = Workspace.open(wsDir);
  try {
    entries = ws2.sql.prepare(`SELECT * FROM audit ORDER BY seq`).all() as AuditEntry[];
  } finally {
    ws2.close();
  }
});

describe('an untouched log', () => {
  it('holds what was done, in order, and verifies', () => {
    expect(entries.map((e) => e.action)).toEqual([
      'run.register', 'user.add', 'user.add', 'session.fail', 'session.create', 'session.create', 'lead.search', 'case.open', 'case.view',
      'case.transition', 'case.comment', 'case.view', 'case.transition', 'case.search',
    ]);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(verify(wsDir)).toEqual({ ok: true, entries: entries.length });
    const r = dragnet(['audit', 'verify', '--workspace', wsDir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`Audit log intact: ${entries.length} entries, chain verified.\n`);
  });
});

describe('tampering is named', () => {
  function expectBroken(dir: string, problem: NonNullable<VerifyResult['problem']>, entriesRead: number): void {
    expect(verify(dir)).toEqual({ ok: false, entries: entriesRead, problem });
    const r = dragnet(['audit', 'verify', '--workspace', dir]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toBe(`Audit log BROKEN at entry ${problem.seq}: ${problem.message}\n`);
  }

  it('an edited entry: its action changed', () => {
    const n = entries.find((e) => e.action === 'case.transition')!.seq; // the first move of the case
    const dir = tampered('edited', (db) => db.prepare(`UPDATE audit SET action = 'case.view' WHERE seq = ?`).run(n));
    const e = { ...entry(n), action: 'case.view' };
    expectBroken(dir, { seq: n, what: 'edited', message: `${where(e)} was edited: its hash no longer matches its contents` }, n);
    expect(verify(dir).problem!.message).toContain(`entry ${n} `);
  });

  it('an entry replaced whole, its hash recomputed: the next one no longer follows it', () => {
    const n = entries.find((e) => e.action === 'case.comment')!.seq;
    const dir = tampered('replaced', (db) => {
      const e = { ...entry(n), user_name: 'sup' };
      const { hash: _old, ...rest } = e;
      db.prepare(`UPDATE audit SET user_name = ?, hash = ? WHERE seq = ?`).run('sup', entryHash(rest), n);
    });
    expectBroken(dir, { seq: n, what: 'edited', message: `entry ${n} was replaced: ${where(entry(n + 1))} does not follow it` }, n + 1);
  });

  it('an entry removed from the middle', () => {
    const n = entries.find((e) => e.action === 'case.open')!.seq;
    const dir = tampered('removed', (db) => db.prepare(`DELETE FROM audit WHERE seq = ?`).run(n));
    expectBroken(dir, { seq: n + 1, what: 'removed', message: `entries ${n}..${n} before ${where(entry(n + 1))} were removed` }, n);
  });

  it('two entries swapped', () => {
    const a = entries.find((e) => e.action === 'case.open')!.seq;
    const b = a + 3;
    const dir = tampered('swapped', (db) => {
      const move = db.prepare(`UPDATE audit SET seq = ? WHERE seq = ?`);
      db.transaction(() => {
        move.run(-1, a);
        move.run(a, b);
        move.run(b, -1);
      })();
    });
    // Entry `b` now stands at `a`: it was written after entry b - 1.
    const moved = { ...entry(b), seq: a };
    expectBroken(dir, { seq: a, what: 'reordered', message: `${where(moved)} is out of place: it followed entry ${b - 1} when written` }, a);
  });

  it('the last entry cut off', () => {
    const last = entries.at(-1)!.seq;
    const dir = tampered('truncated', (db) => db.prepare(`DELETE FROM audit WHERE seq = ?`).run(last));
    expectBroken(dir, {
      seq: last, what: 'truncated', message: `the log ends at entry ${last - 1}, but entry ${last} was written: entries were removed from its end`,
    }, last - 1);
  });

  it('the original is untouched by the copies', () => {
    expect(verify(wsDir)).toEqual({ ok: true, entries: entries.length });
  });
});
