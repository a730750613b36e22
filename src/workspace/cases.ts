/**
 * Cases: a lead taken up by the team and carried through offline checking,
 * a referral to a police partner, the raid and its result. The state machine
 * below is the whole of what may happen to a case, and who may do it
 * (docs/workspace.md draws it). Every change is one transaction with its
 * event and its audit entry.
 */
import { createHmac } from 'node:crypto';
import { audit, type Actor } from './audit.ts';
import { caseForLead, OPEN_STATES, setCaseLead } from './follow.ts';
import { getPartner, referralBar } from './partners.ts';
import { getLead } from './runs.ts';
import { json, now, parseJson, type Workspace } from './store.ts';
import type { CaseState, LeadRecord, Outcome, Role } from './types.ts';
import type { User } from './users.ts';

export class CaseError extends Error {
  constructor(
    readonly code: 'not_found' | 'forbidden' | 'conflict' | 'invalid_transition' | 'invalid',
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

interface Transition {
  from: readonly CaseState[];
  to: CaseState;
  roles: readonly Role[];
  /** What the request must carry besides a comment. */
  needs?: 'partner' | 'raid' | 'outcome' | 'reason';
  label: string;
}

const TEAM: readonly Role[] = ['analyst', 'supervisor'];

/** The case state machine: every allowed move, who may make it and what it needs. */
export const TRANSITIONS: readonly Transition[] = [
  { from: ['new'], to: 'analysing', roles: TEAM, label: 'start analysis' },
  { from: ['analysing'], to: 'offline_check', roles: TEAM, label: 'send for offline check' },
  { from: ['offline_check'], to: 'referral_proposed', roles: TEAM, needs: 'partner', label: 'propose a referral' },
  { from: ['referral_proposed'], to: 'referred', roles: ['supervisor'], label: 'approve the referral' },
  { from: ['referral_proposed'], to: 'offline_check', roles: ['supervisor'], label: 'reject the referral' },
  { from: ['referred'], to: 'raided', roles: ['police_liaison', 'supervisor'], needs: 'raid', label: 'record the raid' },
  { from: ['raided', 'referred'], to: 'closed', roles: ['police_liaison', 'supervisor'], needs: 'outcome', label: 'record the result' },
  { from: ['new', 'analysing', 'offline_check'], to: 'dismissed', roles: TEAM, needs: 'reason', label: 'dismiss' },
  { from: ['referral_proposed'], to: 'dismissed', roles: ['supervisor'], needs: 'reason', label: 'dismiss' },
];

/** States a police liaison sees a case in (their agency's, once referred). */
export const REFERRED_STATES: readonly CaseState[] = ['referred', 'raided', 'closed'];

export interface CaseRecord {
  case_id: number;
  title: string;
  state: CaseState;
  run_id: number;
  lead_id: string;
  lat: number;
  lng: number;
  radius_m: number;
  score: number;
  seller_ids: string[];
  network_ids: string[];
  brands: string[];
  categories: string[];
  assignee: string | null;
  partner_id: string | null;
  outcome: Outcome | null;
  dismiss_reason: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  /** When a later run found the case's operation shipping again from a new site (impact-files.ts), else null. */
  resurfaced_at: string | null;
}

interface CaseRow extends Omit<CaseRecord, 'seller_ids' | 'network_ids' | 'brands' | 'categories' | 'outcome'> {
  seller_ids: string;
  network_ids: string;
  brands: string;
  categories: string;
  outcome: string | null;
}

const CASE_SELECT = `SELECT c.case_id, c.title, c.state, c.run_id, c.lead_id, c.lat, c.lng, c.radius_m, c.score, c.seller_ids, c.network_ids,
  c.brands, c.categories, a.name AS assignee, c.partner_id, c.outcome, c.dismiss_reason, u.name AS created_by, c.created_at, c.updated_at, c.resurfaced_at
  FROM cases c JOIN users u ON u.user_id = c.created_by LEFT JOIN users a ON a.user_id = c.assignee_id`;

const toCase = (r: CaseRow): CaseRecord => ({
  ...r,
  seller_ids: parseJson(r.seller_ids),
  network_ids: parseJson(r.network_ids),
  brands: parseJson(r.brands),
  categories: parseJson(r.categories),
  outcome: parseJson(r.outcome),
});

/** The SQL condition limiting cases to what `user` may see, with its parameters. */
export function caseScope(user: User): { where: string; params: unknown[] } {
  switch (user.role) {
    case 'analyst':
    case 'supervisor':
      return { where: '1 = 1', params: [] };
    case 'police_liaison':
      return { where: `c.partner_id = ? AND c.state IN (${REFERRED_STATES.map((s) => `'${s}'`).join(', ')})`, params: [user.agency_id] };
    default:
      return { where: '1 = 0', params: [] };
  }
}

/** A case the user may see, else a not_found error (never telling whether it exists). */
export function getCase(ws: Workspace, user: User, caseId: number): CaseRecord {
  const scope = caseScope(user);
  const r = ws.prepare(`${CASE_SELECT} WHERE c.case_id = ? AND ${scope.where}`).get(caseId, ...scope.params) as CaseRow | undefined;
  if (!r) throw new CaseError('not_found', `no case ${caseId}`);
  return toCase(r);
}

export interface CaseFilter {
  state?: CaseState;
  assignee?: string;
  partner_id?: string;
  limit: number;
  offset: number;
}

export function listCases(ws: Workspace, user: User, f: CaseFilter): { items: CaseRecord[]; total: number } {
  const scope = caseScope(user);
  const where = [scope.where];
  const params = [...scope.params];
  if (f.state) {
    where.push('c.state = ?');
    params.push(f.state);
  }
  if (f.assignee) {
    where.push('a.name = ?');
    params.push(f.assignee);
  }
  if (f.partner_id) {
    where.push('c.partner_id = ?');
    params.push(f.partner_id);
  }
  const w = where.join(' AND ');
  const total = (ws.prepare(`SELECT count(*) AS n FROM cases c LEFT JOIN users a ON a.user_id = c.assignee_id WHERE ${w}`).get(...params) as { n: number }).n;
  const rows = ws.prepare(`${CASE_SELECT} WHERE ${w} ORDER BY c.updated_at DESC, c.case_id DESC LIMIT ? OFFSET ?`).all(...params, f.limit, f.offset) as CaseRow[];
  return { items: rows.map(toCase), total };
}

/** Opens a case on a lead of a registered run; a lead whose site already has an open case gets a conflict naming it. */
export function openCase(ws: Workspace, actor: Actor, user: User, runId: number, leadId: string, title?: string, comment = ''): CaseRecord {
  if (!TEAM.includes(user.role)) throw new CaseError('forbidden', `a ${user.role} cannot open cases`);
  return ws.tx(() => {
    const lead = getLead(ws, runId, leadId);
    if (!lead) throw new CaseError('not_found', `no lead ${leadId} in run ${runId}`);
    const existing = caseForLead(ws, lead);
    if (existing !== undefined) {
      throw new CaseError('conflict', `lead ${leadId} is already the site of open case ${existing}`, { case_id: existing });
    }
    const at = now();
    const { lastInsertRowid } = ws.sql
      .prepare(
        `INSERT INTO cases (title, state, run_id, lead_id, lat, lng, radius_m, score, seller_ids, network_ids, brands, categories, created_by, created_at, updated_at)
         VALUES (?, 'new', ?, ?, ?, ?, ?, ?, '[]', '[]', '[]', '[]', ?, ?, ?)`,
      )
      .run(title?.trim() || defaultTitle(lead), runId, leadId, lead.lat, lead.lng, lead.radius_m, lead.score, user.user_id, at, at);
    const caseId = Number(lastInsertRowid);
    setCaseLead(ws, caseId, lead, at);
    ws.prepare(`INSERT INTO case_leads (case_id, run_id, lead_id, relation, linked_at) VALUES (?, ?, ?, 'opened_on', ?)`).run(caseId, runId, leadId, at);
    event(ws, caseId, user, 'transition', null, 'new', comment, { run_id: runId, lead_id: leadId });
    audit(ws, actor, { action: 'case.open', object_type: 'case', object_id: caseId, detail: { run_id: runId, lead_id: leadId } });
    return getCase(ws, user, caseId);
  });
}

const defaultTitle = (l: LeadRecord) =>
  `${l.categories.join(', ') || 'goods'} site near ${l.lat.toFixed(4)}, ${l.lng.toFixed(4)} (${l.brands.slice(0, 3).join(', ') || 'no brand'})`;

function event(ws: Workspace, caseId: number, user: User, kind: string, from: CaseState | null, to: CaseState | null, comment: string, data?: unknown): void {
  ws.sql
    .prepare(`INSERT INTO case_events (case_id, at, user_id, kind, from_state, to_state, comment, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(caseId, now(), user.user_id, kind, from, to, comment, data === undefined ? null : json(data));
}

export interface TransitionInput {
  to: CaseState;
  comment: string;
  partner_id?: string;
  raid_date?: string;
  outcome?: Pick<Outcome, 'result'> & Partial<Omit<Outcome, 'result'>>;
  reason?: string;
}

/** The moves `user` may make on the case now. */
export function allowedTransitions(c: CaseRecord, user: User): Transition[] {
  return TRANSITIONS.filter((t) => t.from.includes(c.state) && t.roles.includes(user.role) && (user.role !== 'police_liaison' || c.partner_id === user.agency_id));
}

export function transition(ws: Workspace, actor: Actor, user: User, caseId: number, input: TransitionInput, today = now().slice(0, 10)): CaseRecord {
  return ws.tx(() => {
    const c = getCase(ws, user, caseId);
    const t = allowedTransitions(c, user).find((x) => x.to === input.to);
    if (!t) {
      const any = TRANSITIONS.some((x) => x.from.includes(c.state) && x.to === input.to);
      throw new CaseError('invalid_transition', any
        ? `a ${user.role} may not move case ${caseId} from ${c.state} to ${input.to}`
        : `case ${caseId} cannot go from ${c.state} to ${input.to}`, { state: c.state, allowed: allowedTransitions(c, user).map((x) => x.to) });
    }
    if (!input.comment.trim()) throw new CaseError('invalid', 'every transition carries a comment saying why');
    const set: Record<string, unknown> = { state: input.to, updated_at: now() };
    const data: Record<string, unknown> = {};
    if (t.needs === 'partner') {
      if (!input.partner_id) throw new CaseError('invalid', 'a referral names the partner (partner_id)');
      const p = getPartner(ws, input.partner_id);
      const bar = p ? referralBar(p, c, today) : `no partner ${input.partner_id}`;
      if (bar) throw new CaseError('invalid', `partner ${input.partner_id} cannot take this referral: ${bar}`, { partner_id: input.partner_id });
      set.partner_id = input.partner_id;
      data.partner_id = input.partner_id;
    }
    if (t.to === 'offline_check' && c.state === 'referral_proposed') set.partner_id = null;
    if (t.needs === 'raid') {
      if (!input.raid_date || !/^\d{4}-\d{2}-\d{2}$/.test(input.raid_date)) throw new CaseError('invalid', 'recording a raid needs its date (raid_date, YYYY-MM-DD)');
      data.raid_date = input.raid_date;
      set.outcome = json({ result: null, raid_date: input.raid_date });
    }
    if (t.needs === 'outcome') {
      const o = input.outcome;
      if (!o) throw new CaseError('invalid', 'closing a case records its result (outcome: confirmed or nothing_found)');
      // The raid's date as given now, else as recorded with the raid (the case read above holds it).
      const raidDate = o.raid_date ?? c.outcome?.raid_date;
      if (!raidDate) throw new CaseError('invalid', 'the result needs the raid date (outcome.raid_date)');
      const outcome: Outcome = {
        result: o.result,
        raid_date: raidDate,
        seized_value: o.seized_value ?? null,
        arrests: o.arrests ?? null,
        items: o.items ?? null,
        address_found: o.address_found ?? null,
        lat: o.lat ?? null,
        lng: o.lng ?? null,
        ...(o.site_kind ? { site_kind: o.site_kind } : {}),
      };
      set.outcome = json(outcome);
      data.outcome = outcome;
    }
    if (t.needs === 'reason') {
      if (!input.reason?.trim()) throw new CaseError('invalid', 'dismissing a case needs a reason');
      set.dismiss_reason = input.reason.trim();
      data.reason = input.reason.trim();
    }
    const cols = Object.keys(set);
    ws.prepare(`UPDATE cases SET ${cols.map((k) => `${k} = @${k}`).join(', ')} WHERE case_id = @case_id`).run({ ...set, case_id: caseId });
    event(ws, caseId, user, 'transition', c.state, input.to, input.comment.trim(), data);
    audit(ws, actor, { action: 'case.transition', object_type: 'case', object_id: caseId, detail: { from: c.state, to: input.to, ...data } });
    return getCase(ws, user, caseId);
  });
}

export function addComment(ws: Workspace, actor: Actor, user: User, caseId: number, comment: string): void {
  ws.tx(() => {
    const c = getCase(ws, user, caseId);
    if (!comment.trim()) throw new CaseError('invalid', 'a comment needs text');
    event(ws, caseId, user, 'comment', c.state, c.state, comment.trim());
    ws.prepare(`UPDATE cases SET updated_at = ? WHERE case_id = ?`).run(now(), caseId);
    audit(ws, actor, { action: 'case.comment', object_type: 'case', object_id: caseId });
  });
}

export function assignCase(ws: Workspace, actor: Actor, user: User, caseId: number, assignee: string | null): CaseRecord {
  return ws.tx(() => {
    getCase(ws, user, caseId);
    if (!TEAM.includes(user.role)) throw new CaseError('forbidden', `a ${user.role} cannot assign cases`);
    let id: number | null = null;
    if (assignee !== null) {
      const a = ws.prepare(`SELECT user_id, role FROM users WHERE name = ? AND disabled_at IS NULL`).get(assignee) as { user_id: number; role: Role } | undefined;
      if (!a || !TEAM.includes(a.role)) throw new CaseError('invalid', `${assignee} is not an analyst or supervisor of this workspace`);
      id = a.user_id;
    }
    ws.prepare(`UPDATE cases SET assignee_id = ?, updated_at = ? WHERE case_id = ?`).run(id, now(), caseId);
    event(ws, caseId, user, 'assign', null, null, assignee ? `assigned to ${assignee}` : 'unassigned', { assignee });
    audit(ws, actor, { action: 'case.assign', object_type: 'case', object_id: caseId, detail: { assignee } });
    return getCase(ws, user, caseId);
  });
}

export interface CaseEvent {
  event_id: number;
  at: string;
  user: string | null;
  role: Role | null;
  kind: string;
  from_state: CaseState | null;
  to_state: CaseState | null;
  comment: string;
  data: Record<string, unknown> | null;
}

export function caseEvents(ws: Workspace, caseId: number): CaseEvent[] {
  return (
    ws.sql
      .prepare(`SELECT e.event_id, e.at, u.name AS user, u.role, e.kind, e.from_state, e.to_state, e.comment, e.data
                FROM case_events e LEFT JOIN users u USING (user_id) WHERE e.case_id = ? ORDER BY e.event_id`)
      .all(caseId) as (Omit<CaseEvent, 'data'> & { data: string | null })[]
  ).map((e) => ({ ...e, data: parseJson(e.data) }));
}

/** The runs' leads a case followed, oldest first. */
export function caseLeads(ws: Workspace, caseId: number): { run_id: number; lead_id: string; relation: string; linked_at: string }[] {
  return ws.prepare(`SELECT run_id, lead_id, relation, linked_at FROM case_leads WHERE case_id = ? ORDER BY run_id, linked_at, lead_id`).all(caseId) as never;
}

/**
 * A stable pseudonym for an account in what goes to the police: the same
 * account gets the same pseudonym in every package of this workspace, and
 * no one without the store's key can turn it back.
 */
export function pseudonym(ws: Workspace, id: string): string {
  const key = ws.meta('pseudonym_key') ?? '';
  return `acct-${createHmac('sha256', key).update(id).digest('hex').slice(0, 12)}`;
}

/** Closed cases with a result, in the dataset contract's `outcomes` form (outcome_id ws-case-N). */
export function workspaceOutcomes(ws: Workspace): { outcome_id: string; lat: number; lng: number; date: string; result: string; seized_value: number | null; arrests: number | null; note: string }[] {
  const rows = ws.prepare(`SELECT case_id, lat, lng, outcome, title FROM cases WHERE state = 'closed' AND outcome IS NOT NULL ORDER BY case_id`).all() as {
    case_id: number; lat: number; lng: number; outcome: string; title: string;
  }[];
  return rows.map((r) => {
    const o = parseJson<Outcome>(r.outcome);
    return {
      outcome_id: `ws-case-${r.case_id}`,
      lat: o.lat ?? r.lat,
      lng: o.lng ?? r.lng,
      date: o.raid_date,
      result: o.result,
      seized_value: o.seized_value,
      arrests: o.arrests,
      note: [`workspace case ${r.case_id}`, o.address_found, o.items !== null ? `${o.items} items` : null].filter(Boolean).join('; '),
    };
  });
}

export const isOpen = (s: CaseState) => (OPEN_STATES as readonly string[]).includes(s);
