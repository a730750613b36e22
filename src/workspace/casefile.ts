/**
 * A case's file as one requester may see it: what the exports (PDF,
 * GeoJSON, KML, CSV, FollowTheMoney) render and the police referral package
 * shows. A police liaison gets the referral package only: accounts under
 * pseudonyms, identifier values withheld, no listings.
 */
import { caseEvents, caseLeads, getCase, pseudonym } from './cases.ts';
import { getPartner } from './partners.ts';
import { getLead, getLeadDetail, getRun } from './runs.ts';
import type { Workspace } from './store.ts';
import type { CaseFile, LeadDetail, Role } from './types.ts';
import type { User } from './users.ts';
import type { AuditEntry } from './audit.ts';

export function buildCaseFile(ws: Workspace, user: User, caseId: number): CaseFile {
  const c = getCase(ws, user, caseId);
  const lead = getLead(ws, c.run_id, c.lead_id)!;
  const run = getRun(ws, c.run_id)!;
  let detail = getLeadDetail(ws, c.run_id, c.lead_id);
  const police = user.role === 'police_liaison';
  const leadOut = { ...lead, seller_ids: lead.seller_ids, network_ids: lead.network_ids };
  if (police) {
    detail = policeDetail(ws, detail);
    leadOut.seller_ids = lead.seller_ids.map((s) => pseudonym(ws, s));
    leadOut.network_ids = lead.network_ids.map((s) => pseudonym(ws, s));
  }
  const history = caseLeads(ws, caseId)
    .map((cl) => {
      const l = getLead(ws, cl.run_id, cl.lead_id);
      const r = getRun(ws, cl.run_id);
      return l && r
        ? { run_id: l.run_id, run_label: r.label, lead_id: l.lead_id, lat: l.lat, lng: l.lng, radius_m: l.radius_m, score: l.score, status: l.status, successor_lead_id: l.successor_lead_id, last_seen: l.last_seen }
        : undefined;
    })
    .filter((x) => x !== undefined);
  const partner = c.partner_id ? getPartner(ws, c.partner_id) : undefined;
  const custody = (ws.prepare(`SELECT * FROM audit WHERE object_type = 'case' AND object_id = ? ORDER BY seq`).all(String(caseId)) as AuditEntry[]).map((e) => ({
    seq: e.seq, at: e.at, user: e.user_name ?? '', role: (e.role as Role | null) ?? null, action: e.action, ip: e.ip, hash: e.hash,
  }));
  return {
    generated_at: new Date().toISOString(),
    generated_by: { name: user.name, role: user.role },
    timezone: run.timezone,
    currency: run.currency ?? '',
    case: {
      case_id: c.case_id,
      title: c.title,
      state: c.state,
      created_at: c.created_at,
      categories: c.categories,
      brands: c.brands,
      partner: partner ? { partner_id: partner.partner_id, name: partner.name } : null,
      outcome: c.outcome,
    },
    lead: leadOut,
    site_history: history,
    detail,
    transitions: caseEvents(ws, caseId)
      .filter((e) => e.kind === 'transition')
      .map((e) => ({ at: e.at, user: e.user ?? '', role: (e.role ?? 'analyst') as Role, from: e.from_state, to: e.to_state!, comment: e.comment })),
    custody,
  };
}

/** The detail as it goes to the police: accounts and the identifiers linking them under pseudonyms, no listings. */
export function policeDetail(ws: Workspace, d: LeadDetail): LeadDetail {
  return {
    ...d,
    accounts: d.accounts.map((a) => ({ ...a, seller_id: pseudonym(ws, a.seller_id), shop_name: null, network_id: pseudonym(ws, a.network_id) })),
    identifiers: d.identifiers.map((i) => ({ kind: i.kind, value: 'withheld', seller_ids: i.seller_ids.map((s) => pseudonym(ws, s)) })),
    listings: [],
  };
}
