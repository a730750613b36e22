/**
 * Cases: the board, opening a case on a lead, its page, transitions,
 * comments, assignment, the partners a referral may go to, its exports, and
 * the outcomes the workspace feeds back to the next analysis. Analysts and
 * supervisors see every case; a police liaison only the cases referred to
 * their agency, as a referral package; other roles none.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { audit, auditNow } from '../../workspace/audit.ts';
import {
  addComment, allowedTransitions, assignCase, caseEvents, caseLeads, getCase, listCases, openCase, transition, workspaceOutcomes,
  type CaseRecord,
} from '../../workspace/cases.ts';
import { buildCaseFile, policeDetail } from '../../workspace/casefile.ts';
import { eligiblePartners } from '../../workspace/partners.ts';
import { getLeadDetail, getLead, latestRun } from '../../workspace/runs.ts';
import type { Role } from '../../workspace/types.ts';
import type { User } from '../../workspace/users.ts';
import { EXPORT_FORMATS as EXPORTS, type ExportFormat } from '../../workspace/exports/index.ts';
import { ApiError, errors, ok, requireRole, type Api, type Ctx, type ServerDeps } from '../context.ts';
import { Case, CaseFull, CaseState, IdParam, NewCase, Page, Partner, PageQuery, ReferralPackage, TransitionIn } from '../schemas.ts';

const CASE_READERS: readonly Role[] = ['analyst', 'supervisor', 'police_liaison'];
const TEAM: readonly Role[] = ['analyst', 'supervisor'];

const transitionsOut = (c: CaseRecord, user: User) => allowedTransitions(c, user).map((t) => ({ to: t.to, label: t.label, needs: t.needs ?? null }));

function caseView(ws: ServerDeps['ws'], user: User, c: CaseRecord) {
  if (user.role !== 'police_liaison') {
    return { case: c, events: caseEvents(ws, c.case_id), leads: caseLeads(ws, c.case_id), allowed_transitions: transitionsOut(c, user) };
  }
  const lead = getLead(ws, c.run_id, c.lead_id);
  const detail = policeDetail(ws, getLeadDetail(ws, c.run_id, c.lead_id));
  return {
    case_id: c.case_id,
    title: c.title,
    state: c.state,
    partner_id: c.partner_id,
    site: { lat: c.lat, lng: c.lng, radius_m: c.radius_m },
    categories: c.categories,
    evidence: lead?.evidence ?? [],
    timeline: { parcels_by_day: detail.parcels_by_day, parcels_by_hour: detail.parcels_by_hour },
    accounts: detail.accounts.map((a) => ({ account: a.seller_id, score: a.score, parcels: a.parcels })),
    links: detail.identifiers.map((i) => ({ kind: i.kind, accounts: i.seller_ids })),
    events: policeEvents(caseEvents(ws, c.case_id)),
    outcome: c.outcome,
    allowed_transitions: transitionsOut(c, user),
  };
}

/**
 * The case's history as the police see it: every state change with its time,
 * but words only from the referral on (what the supervisor wrote to the
 * agency, and the agency's own); the team's earlier notes may name accounts.
 */
function policeEvents(events: ReturnType<typeof caseEvents>) {
  const referredAt = events.findIndex((e) => e.kind === 'transition' && e.to_state === 'referred');
  return events
    .map((e, i) => (i >= referredAt && referredAt >= 0 ? e : { ...e, comment: '', data: null }))
    .filter((e, i) => e.kind === 'transition' || (e.kind === 'comment' && i >= referredAt && referredAt >= 0));
}

export function caseRoutes(app: Api, { ws }: ServerDeps): void {
  const caseParam = IdParam('case_id');
  const one = (c: Ctx) => Number(c.req.param('case_id'));

  app.openapi(
    createRoute({
      method: 'get', path: '/api/cases', tags: ['cases'], summary: 'Cases in your scope, most recently changed first',
      request: {
        query: z.object({ state: CaseState.optional(), assignee: z.string().max(64).optional(), partner_id: z.string().max(64).optional(), ...PageQuery }),
      },
      responses: { 200: { description: 'a page of cases', content: { 'application/json': { schema: Page(Case, 'CasePage') } } }, ...errors(400, 401, 403) },
    }),
    (c) => {
      const user = requireRole(c, CASE_READERS);
      const q = c.req.valid('query');
      const { items, total } = listCases(ws, user, q);
      auditNow(ws, c.get('actor'), { action: 'case.search', detail: { query: c.req.query(), total } });
      const shown = user.role === 'police_liaison' ? items.map((x) => ({ ...x, seller_ids: [], network_ids: [] })) : items;
      return ok(c, { items: shown, total, limit: q.limit, offset: q.offset, next_offset: q.offset + items.length < total ? q.offset + items.length : null });
    },
  );

  app.openapi(
    createRoute({
      method: 'post', path: '/api/cases', tags: ['cases'], summary: 'Open a case on a lead (409 with the case when its site already has an open case)',
      request: { body: { content: { 'application/json': { schema: NewCase } }, required: true } },
      responses: { 201: { description: 'the new case', content: { 'application/json': { schema: Case } } }, ...errors(400, 401, 403, 404, 409) },
    }),
    (c) => {
      const user = requireRole(c, TEAM);
      const body = c.req.valid('json');
      const runId = body.run_id ?? latestRun(ws)?.run_id;
      if (!runId) throw new ApiError('not_found', 'no run is registered in this workspace');
      return ok(c, openCase(ws, c.get('actor'), user, runId, body.lead_id, body.title, body.comment ?? ''), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/cases/{case_id}', tags: ['cases'],
      summary: "A case: for analysts and supervisors its events, leads across runs and allowed transitions; for a police liaison the referral package",
      request: { params: caseParam },
      responses: {
        200: { description: 'the case', content: { 'application/json': { schema: z.union([CaseFull, ReferralPackage]) } } },
        ...errors(400, 401, 403, 404),
      },
    }),
    (c) => {
      const user = requireRole(c, CASE_READERS);
      const found = getCase(ws, user, one(c));
      auditNow(ws, c.get('actor'), { action: 'case.view', object_type: 'case', object_id: found.case_id });
      return ok(c, caseView(ws, user, found));
    },
  );

  app.openapi(
    createRoute({
      method: 'post', path: '/api/cases/{case_id}/transitions', tags: ['cases'],
      summary: 'Move a case along its state machine (docs/workspace.md); every move carries a comment',
      request: { params: caseParam, body: { content: { 'application/json': { schema: TransitionIn } }, required: true } },
      responses: { 200: { description: 'the case after the move', content: { 'application/json': { schema: Case } } }, ...errors(400, 401, 403, 404, 409) },
    }),
    (c) => {
      const user = requireRole(c, CASE_READERS);
      const body = c.req.valid('json');
      const out = transition(ws, c.get('actor'), user, one(c), body);
      return ok(c, user.role === 'police_liaison' ? { ...out, seller_ids: [], network_ids: [] } : out);
    },
  );

  app.openapi(
    createRoute({
      method: 'post', path: '/api/cases/{case_id}/comments', tags: ['cases'], summary: 'Comment on a case',
      request: { params: caseParam, body: { content: { 'application/json': { schema: z.object({ comment: z.string().min(1).max(5000) }) } }, required: true } },
      responses: { 201: { description: 'added', content: { 'application/json': { schema: z.object({ added: z.boolean() }) } } }, ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const user = requireRole(c, CASE_READERS);
      addComment(ws, c.get('actor'), user, one(c), c.req.valid('json').comment);
      return ok(c, { added: true }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'put', path: '/api/cases/{case_id}/assignee', tags: ['cases'], summary: 'Assign a case to an analyst or supervisor (null to unassign)',
      request: { params: caseParam, body: { content: { 'application/json': { schema: z.object({ assignee: z.string().max(64).nullable() }) } }, required: true } },
      responses: { 200: { description: 'the case', content: { 'application/json': { schema: Case } } }, ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const user = requireRole(c, TEAM);
      return ok(c, assignCase(ws, c.get('actor'), user, one(c), c.req.valid('json').assignee));
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/cases/{case_id}/partners', tags: ['cases'],
      summary: 'Partners a referral of this case may go to: jurisdiction contains the site, agreement covers its categories and is in force today',
      request: { params: caseParam },
      responses: { 200: { description: 'eligible partners', content: { 'application/json': { schema: z.object({ items: z.array(Partner) }) } } }, ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const user = requireRole(c, TEAM);
      const found = getCase(ws, user, one(c));
      return ok(c, { items: eligiblePartners(ws, found, new Date().toISOString().slice(0, 10)) });
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/cases/{case_id}/export', tags: ['cases'],
      summary: 'Export the case file: PDF, GeoJSON (RFC 7946), KML, CSV of linked accounts, or FollowTheMoney entities; on the audit log',
      request: { params: caseParam, query: z.object({ format: z.enum(Object.keys(EXPORTS) as [ExportFormat, ...ExportFormat[]]) }) },
      responses: {
        200: {
          description: 'the file',
          content: Object.fromEntries(Object.values(EXPORTS).map((e) => [e.contentType.split(';')[0], { schema: z.string().openapi({ format: 'binary' }) }])),
        },
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const user = requireRole(c, CASE_READERS);
      const caseId = one(c);
      const { format } = c.req.valid('query');
      const file = buildCaseFile(ws, user, caseId);
      const e = EXPORTS[format];
      const rendered = await e.render(file);
      const body = typeof rendered === 'string' ? Buffer.from(rendered, 'utf8') : rendered;
      ws.tx(() => audit(ws, c.get('actor'), { action: 'case.export', object_type: 'case', object_id: caseId, detail: { format, bytes: body.length } }));
      return c.body(new Uint8Array(body), 200, {
        'content-type': e.contentType,
        'content-disposition': `attachment; filename="case-${caseId}.${e.extension}"`,
      }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/outcomes', tags: ['cases'],
      summary: "Closed cases' results in the dataset contract's outcomes form, as the next analysis reads them",
      responses: {
        200: {
          description: 'outcomes',
          content: {
            'application/json': {
              schema: z.object({
                items: z.array(z.object({ outcome_id: z.string(), lat: z.number(), lng: z.number(), date: z.string(), result: z.string(), seized_value: z.number().nullable(), arrests: z.number().int().nullable(), note: z.string() })),
              }),
            },
          },
        },
        ...errors(401, 403),
      },
    }),
    (c) => {
      const user = requireRole(c, CASE_READERS);
      let items = workspaceOutcomes(ws);
      if (user.role === 'police_liaison') {
        const mine = new Set(listCases(ws, user, { limit: 1_000_000, offset: 0 }).items.map((x) => `ws-case-${x.case_id}`));
        items = items.filter((o) => mine.has(o.outcome_id));
      }
      return ok(c, { items });
    },
  );
}
