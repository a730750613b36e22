/**
 * The audit log: append-only, one entry per sign-in, view, search, export,
 * change and token use, each carrying the hash of the entry before it. An
 * entry edited, removed or moved breaks the chain at that place, and
 * `verifyAudit` names it. The head (count and last hash) is also kept in
 * `meta`, so that entries cut off the end are found too.
 */
import { createHash } from 'node:crypto';
import { now, type Workspace } from './store.ts';
import type { Role } from './types.ts';

export const GENESIS = '0'.repeat(64);

export interface Actor {
  user_id: number | null;
  name: string | null;
  role: Role | null;
  ip: string | null;
}

export const SYSTEM: Actor = { user_id: null, name: 'dragnet', role: null, ip: null };

export interface AuditEntry {
  seq: number;
  at: string;
  user_id: number | null;
  user_name: string | null;
  role: string | null;
  ip: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

/** The hash of an entry: SHA-256 over its fields in a fixed order, the previous hash first. */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const fields = [e.prev_hash, e.seq, e.at, e.user_id, e.user_name, e.role, e.ip, e.action, e.object_type, e.object_id, e.detail];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

export interface AuditInput {
  action: string;
  object_type?: string;
  object_id?: string | number;
  detail?: Record<string, unknown>;
}

/** Appends one entry; call inside the transaction of the change it records, so both land or neither. */
export function audit(ws: Workspace, actor: Actor, input: AuditInput): AuditEntry {
  const head = ws.prepare(`SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).get() as { seq: number; hash: string } | undefined;
  const base = {
    seq: (head?.seq ?? 0) + 1,
    at: now(),
    user_id: actor.user_id,
    user_name: actor.name,
    role: actor.role,
    ip: actor.ip,
    action: input.action,
    object_type: input.object_type ?? null,
    object_id: input.object_id === undefined ? null : String(input.object_id),
    detail: input.detail === undefined ? null : JSON.stringify(input.detail),
    prev_hash: head?.hash ?? GENESIS,
  };
  const entry = { ...base, hash: entryHash(base) };
  ws.sql
    .prepare(
      `INSERT INTO audit (seq, at, user_id, user_name, role, ip, action, object_type, object_id, detail, prev_hash, hash)
       VALUES (@seq, @at, @user_id, @user_name, @role, @ip, @action, @object_type, @object_id, @detail, @prev_hash, @hash)`,
    )
    .run(entry);
  ws.prepare(`INSERT INTO meta (key, value) VALUES ('audit_head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
    .run(`${entry.seq}:${entry.hash}`);
  return entry;
}

/**
 * Appends in a transaction of its own, for reads (views, searches, token
 * use, failed sign-ins): kept whatever happens to the process, flushed to
 * disk with the next change (Workspace.lightTx).
 */
export function auditNow(ws: Workspace, actor: Actor, input: AuditInput): AuditEntry {
  return ws.lightTx(() => audit(ws, actor, input));
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  /** The first entry found wrong, and how. */
  problem?: { seq: number; what: 'edited' | 'removed' | 'reordered' | 'truncated'; message: string };
}

/**
 * Recomputes the chain from the first entry. At each entry, in order: its
 * `prev_hash` must be the hash of the entry before it (else an entry was
 * removed there, when `seq` jumps, or entries were moved, when that hash
 * belongs to another entry of the log), and its own hash must match its
 * fields (else it was edited).
 */
export function verifyAudit(ws: Workspace): VerifyResult {
  const stored = new Map<string, number>();
  for (const r of ws.prepare(`SELECT seq, hash FROM audit`).iterate() as IterableIterator<{ seq: number; hash: string }>) {
    stored.set(r.hash, r.seq);
  }
  let prev = GENESIS;
  let expectedSeq = 1;
  let entries = 0;
  const fail = (seq: number, what: NonNullable<VerifyResult['problem']>['what'], message: string): VerifyResult => ({
    ok: false,
    entries,
    problem: { seq, what, message },
  });
  for (const e of ws.prepare(`SELECT * FROM audit ORDER BY seq`).iterate() as IterableIterator<AuditEntry>) {
    entries++;
    const where = `entry ${e.seq} (${e.at}, ${e.action}${e.user_name ? ` by ${e.user_name}` : ''})`;
    if (e.prev_hash !== prev) {
      if (e.seq !== expectedSeq) return fail(e.seq, 'removed', `entries ${expectedSeq}..${e.seq - 1} before ${where} were removed`);
      if (stored.has(e.prev_hash)) {
        return fail(e.seq, 'reordered', `${where} is out of place: it followed entry ${stored.get(e.prev_hash) ?? '?'} when written`);
      }
      return fail(e.seq - 1, 'edited', `entry ${e.seq - 1} was replaced: ${where} does not follow it`);
    }
    const { hash, ...rest } = e;
    if (entryHash(rest) !== hash) return fail(e.seq, 'edited', `${where} was edited: its hash no longer matches its contents`);
    prev = hash;
    expectedSeq = e.seq + 1;
  }
  const head = ws.meta('audit_head');
  if (head) {
    const [seq, hash] = head.split(':');
    if (Number(seq) !== expectedSeq - 1 || hash !== prev) {
      return fail(Number(seq), 'truncated', `the log ends at entry ${expectedSeq - 1}, but entry ${seq} was written: entries were removed from its end`);
    }
  }
  return { ok: true, entries };
}
