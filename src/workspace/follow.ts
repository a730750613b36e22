/**
 * A case follows its site across runs. When a run is registered, each open
 * case looks for its site among the run's leads: the same place (the two
 * points closer than the sum of their radii) or the same operation nearby
 * (a shared account or network within NEARBY_M). The nearest such lead
 * becomes the case's lead, with its score and evidence; a lead whose site
 * `moved` hands the case on to its successor. No case is opened twice for
 * one site: `caseForLead` finds the open case a lead already belongs to.
 */
import { haversineMeters } from '../geo.ts';
import { audit, type Actor } from './audit.ts';
import { json, now, parseJson, type Workspace } from './store.ts';
import { LEAD_COLUMNS, toLead, type LeadRow } from './runs.ts';
import type { LeadRecord } from './types.ts';

/** How far the same operation's accounts may ship from for a lead to count as the case's site moved or spread. */
export const NEARBY_M = 2000;
/** Added to the sum of radii, for sites whose radius is tiny. */
const SLACK_M = 50;

export const OPEN_STATES = ['new', 'analysing', 'offline_check', 'referral_proposed', 'referred', 'raided'] as const;
const OPEN_SQL = OPEN_STATES.map((s) => `'${s}'`).join(', ');

export interface FollowReport {
  /** Cases whose site was found in the run. */
  followed: { case_id: number; lead_id: string; relation: 'same_site' | 'same_operation' | 'successor' }[];
  /** Open cases whose site the run does not show. */
  unmatched: number[];
}

interface CaseSite {
  case_id: number;
  lat: number;
  lng: number;
  radius_m: number;
  seller_ids: string;
  network_ids: string;
}

/** Whether `lead` is the case's site: 'same_site', 'same_operation', or null. */
export function matchSite(
  c: { lat: number; lng: number; radius_m: number; seller_ids: string[]; network_ids: string[] },
  lead: LeadRecord,
): { relation: 'same_site' | 'same_operation'; distance: number } | null {
  const distance = haversineMeters(c.lat, c.lng, lead.lat, lead.lng);
  if (distance <= c.radius_m + lead.radius_m + SLACK_M) return { relation: 'same_site', distance };
  const shared = lead.seller_ids.some((s) => c.seller_ids.includes(s)) || lead.network_ids.some((n) => c.network_ids.includes(n));
  if (shared && distance <= NEARBY_M) return { relation: 'same_operation', distance };
  return null;
}

/** Open cases' sites, their accounts and networks parsed. */
function openCaseSites(ws: Workspace): (Omit<CaseSite, 'seller_ids' | 'network_ids'> & { seller_ids: string[]; network_ids: string[] })[] {
  const rows = ws.prepare(`SELECT case_id, lat, lng, radius_m, seller_ids, network_ids FROM cases WHERE state IN (${OPEN_SQL}) ORDER BY case_id`).all() as CaseSite[];
  return rows.map((c) => ({ ...c, seller_ids: parseJson<string[]>(c.seller_ids), network_ids: parseJson<string[]>(c.network_ids) }));
}

type Match = NonNullable<ReturnType<typeof matchSite>>;

/** Whether match `m` beats the best so far: the same place beats the same operation elsewhere; then the nearer. */
export function betterMatch(m: Match, best: Match | undefined): boolean {
  return !best || (m.relation === 'same_site' && best.relation !== 'same_site') || (m.relation === best.relation && m.distance < best.distance);
}

export function followCases(ws: Workspace, actor: Actor, runId: number): FollowReport {
  const open = openCaseSites(ws);
  const report: FollowReport = { followed: [], unmatched: [] };
  if (open.length === 0) return report;
  const leads = (ws.prepare(`SELECT ${LEAD_COLUMNS} FROM leads WHERE run_id = ?`).all(runId) as LeadRow[]).map(toLead);
  const byId = new Map(leads.map((l) => [l.lead_id, l]));
  const link = ws.prepare(`INSERT OR IGNORE INTO case_leads (case_id, run_id, lead_id, relation, linked_at) VALUES (?, ?, ?, ?, ?)`);
  for (const c of open) {
    let best: (Match & { lead: LeadRecord }) | undefined;
    for (const lead of leads) {
      const m = matchSite(c, lead);
      if (m && betterMatch(m, best)) best = { lead, ...m };
    }
    if (!best) {
      report.unmatched.push(c.case_id);
      continue;
    }
    const at = now();
    link.run(c.case_id, runId, best.lead.lead_id, best.relation, at);
    report.followed.push({ case_id: c.case_id, lead_id: best.lead.lead_id, relation: best.relation });
    let current = best.lead;
    // A moved site hands the case on to where its operation resumed.
    const successor = current.status === 'moved' && current.successor_lead_id ? byId.get(current.successor_lead_id) : undefined;
    if (successor) {
      link.run(c.case_id, runId, successor.lead_id, 'successor', at);
      report.followed.push({ case_id: c.case_id, lead_id: successor.lead_id, relation: 'successor' });
      current = successor;
    }
    setCaseLead(ws, c.case_id, current, at);
    ws.sql
      .prepare(`INSERT INTO case_events (case_id, at, user_id, kind, comment, data) VALUES (?, ?, ?, 'lead_update', ?, ?)`)
      .run(
        c.case_id, at, actor.user_id,
        successor
          ? `run ${runId}: the site moved; lead ${best.lead.lead_id} continues at ${successor.lead_id}`
          : `run ${runId}: the site is lead ${current.lead_id} (${best.relation.replace('_', ' ')}, ${Math.round(best.distance)} m from the case's point)`,
        json({ run_id: runId, lead_id: current.lead_id, matched_lead_id: best.lead.lead_id, relation: successor ? 'successor' : best.relation, score: current.score, rank: current.rank, status: current.status, distance_m: Math.round(best.distance) }),
      );
    audit(ws, actor, { action: 'case.follow', object_type: 'case', object_id: c.case_id, detail: { run_id: runId, lead_id: current.lead_id, relation: successor ? 'successor' : best.relation } });
  }
  return report;
}

/** Points a case at a lead: its place, radius, score, accounts and networks (accounts and networks accumulate). */
export function setCaseLead(ws: Workspace, caseId: number, lead: LeadRecord, at: string): void {
  const c = ws.prepare(`SELECT seller_ids, network_ids, brands, categories FROM cases WHERE case_id = ?`).get(caseId) as Record<string, string>;
  const union = (a: string, b: string[]) => json([...new Set([...parseJson<string[]>(a), ...b])].sort());
  ws.sql
    .prepare(
      `UPDATE cases SET run_id = ?, lead_id = ?, lat = ?, lng = ?, radius_m = ?, score = ?, seller_ids = ?, network_ids = ?,
         brands = ?, categories = ?, updated_at = ? WHERE case_id = ?`,
    )
    .run(lead.run_id, lead.lead_id, lead.lat, lead.lng, lead.radius_m, lead.score, union(c.seller_ids, lead.seller_ids), union(c.network_ids, lead.network_ids),
      union(c.brands, lead.brands), union(c.categories, lead.categories), at, caseId);
}

/** The open case a lead belongs to, if any (by its link, or by matching its site). */
export function caseForLead(ws: Workspace, lead: LeadRecord): number | undefined {
  const linked = ws.sql
    .prepare(`SELECT cl.case_id FROM case_leads cl JOIN cases c USING (case_id) WHERE cl.run_id = ? AND cl.lead_id = ? AND c.state IN (${OPEN_SQL}) ORDER BY cl.case_id LIMIT 1`)
    .get(lead.run_id, lead.lead_id) as { case_id: number } | undefined;
  if (linked) return linked.case_id;
  const open = openCaseSites(ws);
  for (const c of open) {
    const m = matchSite(c, lead);
    if (m?.relation === 'same_site') return c.case_id;
  }
  return undefined;
}
