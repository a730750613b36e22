/**
 * Users, passwords, sessions and API tokens. Passwords are hashed with
 * scrypt (memory-hard, in Node's crypto); session and API tokens are random
 * 32-byte values of which only the SHA-256 is stored, so a copy of the store
 * lets no one sign in.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { UserError } from '../errors.ts';
import { audit, type Actor } from './audit.ts';
import { json, now, parseJson, type Workspace } from './store.ts';
import { ROLES, type Role } from './types.ts';

/** scrypt cost: N=2^15, r=8 (32 MiB, ~100 ms a hash here). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 2 ** 20 };
const KEY_BYTES = 32;
export const SESSION_HOURS = 12;
export const MIN_PASSWORD = 10;

export interface User {
  user_id: number;
  name: string;
  role: Role;
  agency_id: string | null;
  brands: string[];
  created_at: string;
  disabled_at: string | null;
}

interface UserRow extends Omit<User, 'brands'> {
  brands: string;
  password: string;
}

const scrypt = (password: string, salt: Buffer, o: ScryptOptions & { keylen: number }) =>
  new Promise<Buffer>((res, rej) => scryptCb(password, salt, o.keylen, o, (err, key) => (err ? rej(err) : res(key))));

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, { ...SCRYPT, keylen: KEY_BYTES });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt') return false;
  const expected = Buffer.from(key, 'base64');
  const got = await scrypt(password, Buffer.from(salt, 'base64'), {
    N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem, keylen: expected.length,
  });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** Checked against when the name is unknown, so that a wrong name costs the same time as a wrong password. */
let decoy: Promise<string> | undefined;
export const decoyHash = () => (decoy ??= hashPassword(randomBytes(16).toString('hex')));

const toUser = (r: UserRow): User => ({
  user_id: r.user_id, name: r.name, role: r.role, agency_id: r.agency_id, brands: parseJson(r.brands), created_at: r.created_at, disabled_at: r.disabled_at,
});

export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;

export interface NewUser {
  name: string;
  role: Role;
  agency_id?: string | null;
  brands?: string[];
  password: string;
}

/** Checks what a role needs (a police liaison's agency, a rights holder's brands); throws a UserError naming what is wrong. */
export function checkNewUser(ws: Workspace, u: NewUser): void {
  if (!NAME_RE.test(u.name)) throw new UserError(`user name ${JSON.stringify(u.name)}: 2-64 letters, digits, dot, underscore, @ or dash, starting with a letter or digit`);
  if (!(ROLES as readonly string[]).includes(u.role)) throw new UserError(`role ${JSON.stringify(u.role)}: one of ${ROLES.join(', ')}`);
  if (u.password.length < MIN_PASSWORD) throw new UserError(`the password must have at least ${MIN_PASSWORD} characters`);
  if (u.role === 'police_liaison') {
    if (!u.agency_id) throw new UserError('a police_liaison belongs to one agency: give --agency ID (a partner of the workspace)');
    if (!ws.prepare(`SELECT 1 FROM partners WHERE partner_id = ?`).get(u.agency_id)) {
      throw new UserError(`agency ${u.agency_id} is not a partner of this workspace; add it first with \`dragnet partner add\``);
    }
  } else if (u.agency_id) {
    throw new UserError(`only a police_liaison has an agency, not a ${u.role}`);
  }
  if (u.role === 'rights_holder' && (u.brands ?? []).length === 0) throw new UserError('a rights_holder holds one or more brands: give --brand BRAND');
  if (u.role !== 'rights_holder' && (u.brands ?? []).length > 0) throw new UserError(`only a rights_holder has brands, not a ${u.role}`);
  if (ws.prepare(`SELECT 1 FROM users WHERE name = ?`).get(u.name)) throw new UserError(`user ${u.name} exists already`);
}

export async function addUser(ws: Workspace, actor: Actor, u: NewUser): Promise<User> {
  checkNewUser(ws, u);
  const password = await hashPassword(u.password);
  return ws.tx(() => {
    checkNewUser(ws, u);
    const { lastInsertRowid } = ws.sql
      .prepare(`INSERT INTO users (name, role, agency_id, brands, password, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(u.name, u.role, u.agency_id ?? null, json(u.brands ?? []), password, now());
    const user = getUser(ws, Number(lastInsertRowid))!;
    audit(ws, actor, { action: 'user.add', object_type: 'user', object_id: user.user_id, detail: { name: u.name, role: u.role, agency_id: u.agency_id ?? null, brands: u.brands ?? [] } });
    return user;
  });
}

export function getUser(ws: Workspace, id: number): User | undefined {
  const r = ws.prepare(`SELECT * FROM users WHERE user_id = ?`).get(id) as UserRow | undefined;
  return r && toUser(r);
}

export function userByName(ws: Workspace, name: string): (User & { password: string }) | undefined {
  const r = ws.prepare(`SELECT * FROM users WHERE name = ?`).get(name) as UserRow | undefined;
  return r && { ...toUser(r), password: r.password };
}

export function listUsers(ws: Workspace): User[] {
  return (ws.prepare(`SELECT * FROM users ORDER BY user_id`).all() as UserRow[]).map(toUser);
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const secret = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

export interface Session {
  token: string;
  csrf: string;
  expires_at: string;
}

export function createSession(ws: Workspace, user: User): Session {
  const token = secret('dns');
  const csrf = randomBytes(24).toString('base64url');
  const expires_at = new Date(Date.now() + SESSION_HOURS * 3600_000).toISOString();
  ws.prepare(`INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`)
    .run(sha256(token), user.user_id, csrf, now(), expires_at);
  return { token, csrf, expires_at };
}

export function sessionUser(ws: Workspace, token: string): { user: User; csrf: string } | undefined {
  const r = ws.sql
    .prepare(`SELECT u.*, s.csrf, s.expires_at AS s_expires FROM sessions s JOIN users u USING (user_id) WHERE s.token_hash = ?`)
    .get(sha256(token)) as (UserRow & { csrf: string; s_expires: string }) | undefined;
  if (!r || r.disabled_at || r.s_expires < now()) return undefined;
  return { user: toUser(r), csrf: r.csrf };
}

export function endSession(ws: Workspace, token: string): void {
  ws.prepare(`DELETE FROM sessions WHERE token_hash = ?`).run(sha256(token));
}

/** A new API token for a user; the token itself is returned once and only its hash kept. */
export function createToken(ws: Workspace, actor: Actor, user: User, label: string | null = null): { token_id: number; token: string } {
  const token = secret('dnt');
  return ws.tx(() => {
    const { lastInsertRowid } = ws.sql
      .prepare(`INSERT INTO tokens (user_id, token_hash, label, created_at) VALUES (?, ?, ?, ?)`)
      .run(user.user_id, sha256(token), label, now());
    audit(ws, actor, { action: 'token.create', object_type: 'user', object_id: user.user_id, detail: { token_id: Number(lastInsertRowid), label } });
    return { token_id: Number(lastInsertRowid), token };
  });
}

export function tokenUser(ws: Workspace, token: string): { user: User; token_id: number } | undefined {
  const r = ws.sql
    .prepare(`SELECT u.*, t.token_id FROM tokens t JOIN users u USING (user_id) WHERE t.token_hash = ? AND t.revoked_at IS NULL`)
    .get(sha256(token)) as (UserRow & { token_id: number }) | undefined;
  if (!r || r.disabled_at) return undefined;
  return { user: toUser(r), token_id: r.token_id };
}

export function revokeToken(ws: Workspace, actor: Actor, tokenId: number): boolean {
  return ws.tx(() => {
    const { changes } = ws.prepare(`UPDATE tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL`).run(now(), tokenId);
    if (changes > 0) audit(ws, actor, { action: 'token.revoke', object_type: 'token', object_id: tokenId });
    return changes > 0;
  });
}

export const actorOf = (u: User, ip: string | null): Actor => ({ user_id: u.user_id, name: u.name, role: u.role, ip });
