/**
 * Impact (issue 12): enforcement outcomes, deterrence after raids,
 * resurfacings, the own-brand programme, candidates to invite, OEM capacity
 * at risk, and the signed-in user's notifications.
 *
 * Who sees what (docs/workspace.md, "Impact"):
 * - analyst, supervisor (the enforcement team): everything, lead by lead.
 * - programme_manager: aggregates only (outcomes, deterrence per raid and
 *   region without its leads, the programme) and the candidate list; never
 *   capacity at risk, resurfacings or a lead's deterrence.
 * - admin: the same aggregates, no candidates (seller-level) and nothing
 *   lead by lead (an admin sees no case content).
 * - police_liaison: their agency's region only: its outcome figures, its
 *   raids' deterrence in aggregate, and the resurfacings of their agency's
 *   cases (the new site; no network id, as referral packages carry none).
 * - rights_holder: none (the figures mix every brand).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { audit, auditNow } from '../../workspace/audit.ts';
import { caseScope } from '../../workspace/cases.ts';
import { candidates, capacityAtRisk, deterrence, outcomeFigures, programme, resurfacings } from '../../workspace/impact.ts';
import { now } from '../../workspace/store.ts';
import type { Role } from '../../workspace/types.ts';
import { ApiError, errors, ok, requireRole, type Api, type ServerDeps } from '../context.ts';
import { IdParam, PageQuery } from '../schemas.ts';
import { Capacity, CandidatePage, DeterrenceOut, Int, Notification, OutcomesOut, Programme, Resurfacing } from '../impact-schemas.ts';

const TEAM: readonly Role[] = ['analyst', 'supervisor'];
const AGGREGATES: readonly Role[] = [...TEAM, 'programme_manager', 'admin', 'police_liaison'];

const json = (schema: z.ZodTypeAny, description: string) => ({ 200: { description, content: { 'application/json': { schema } } } });

export function impactRoutes(app: Api, { ws }: ServerDeps): void {
  /** A police liaison's region is their agency; everyone else's is the whole workspace (or the region asked for). */
  const regionOf = (role: Role, agency: string | null, asked?: string): string | undefined => {
    if (role !== 'police_liaison') return asked;
    if (asked && asked !== agency) throw new ApiError('not_found', `no region ${asked}`);
    return agency ?? '\u0000none';
  };

  app.openapi(
    createRoute({
      method: 'get', path: '/api/impact/outcomes', tags: ['impact'],
      summary: 'Enforcement outcomes by month and region: leads referred, cases opened and referred, raids, sites found by kind, arrests, value seized, conversion, days to lead and to raid',
      request: { query: z.object({ region: z.string().max(64).optional() }) },
      responses: {
        ...json(OutcomesOut, 'figures by month and region'),
        ...errors(400, 401, 403, 404),
      },
    }),
    (c) => {
      const user = requireRole(c, AGGREGATES);
      const region = regionOf(user.role, user.agency_id, c.req.valid('query').region);
      const figures = outcomeFigures(ws, region);
      auditNow(ws, c.get('actor'), { action: 'impact.outcomes.view', detail: { region: region ?? null } });
      return ok(c, figures);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/impact/deterrence', tags: ['impact'],
      summary: "Deterrence after each raid and per region by month: the region's other leads' parcels per day before and after, which paused, stopped or moved",
      request: { query: z.object({ region: z.string().max(64).optional(), outcome_id: z.string().max(200).optional() }) },
      responses: {
        ...json(DeterrenceOut, 'deterrence per raid and per region'),
        ...errors(400, 401, 403, 404),
      },
    }),
    (c) => {
      const user = requireRole(c, AGGREGATES);
      const q = c.req.valid('query');
      const region = regionOf(user.role, user.agency_id, q.region);
      const result = deterrence(ws, { withLeads: TEAM.includes(user.role), region, outcomeId: q.outcome_id });
      if (q.outcome_id && result.raids.length === 0) throw new ApiError('not_found', `no deterrence measured for raid ${q.outcome_id}`);
      auditNow(ws, c.get('actor'), { action: 'impact.deterrence.view', detail: { region: region ?? null, outcome_id: q.outcome_id ?? null } });
      return ok(c, result);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/impact/resurfacings', tags: ['impact'],
      summary: "Operations that went quiet and shipped again from a new site, with both sites and the case flagged (a police liaison: their agency's cases only)",
      responses: { ...json(z.object({ items: z.array(Resurfacing) }), 'resurfacings of the latest run'), ...errors(401, 403) },
    }),
    (c) => {
      const user = requireRole(c, [...TEAM, 'police_liaison']);
      const items = user.role === 'police_liaison'
        ? resurfacings(ws, caseScope(user)).map((r) => ({ ...r, network_id: null, evidence: '' }))
        : resurfacings(ws);
      auditNow(ws, c.get('actor'), { action: 'impact.resurfacings.view', detail: { items: items.length } });
      return ok(c, { items });
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/impact/programme', tags: ['impact'],
      summary: "The own-brand programme's headline figures: belts, factories enrolled, categories, daily turnover, share by province, growth on the same period a year before",
      responses: { ...json(Programme, 'programme figures (aggregates only)'), ...errors(401, 403) },
    }),
    (c) => {
      requireRole(c, [...TEAM, 'programme_manager', 'admin']);
      const p = programme(ws);
      auditNow(ws, c.get('actor'), { action: 'impact.programme.view' });
      return ok(c, p);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/impact/candidates', tags: ['impact'],
      summary: 'Sellers or factories to invite to the own-brand programme, ranked, with evidence',
      request: { query: z.object({ belt: z.string().max(200).optional(), ...PageQuery }) },
      responses: {
        ...json(CandidatePage, 'a page of candidates'),
        ...errors(400, 401, 403),
      },
    }),
    (c) => {
      requireRole(c, [...TEAM, 'programme_manager']);
      const q = c.req.valid('query');
      const { items, total } = candidates(ws, q);
      auditNow(ws, c.get('actor'), { action: 'impact.candidates.view', detail: { belt: q.belt ?? null, total } });
      return ok(c, { items, total, limit: q.limit, offset: q.offset, next_offset: q.offset + items.length < total ? q.offset + items.length : null });
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/impact/capacity-at-risk', tags: ['impact'],
      summary: 'OEM factories whose accounts or premises link to counterfeit leads (enforcement team only)',
      responses: { ...json(z.object({ source: z.enum(['run', 'workspace']).nullable(), items: z.array(Capacity) }), 'factories at risk'), ...errors(401, 403) },
    }),
    (c) => {
      requireRole(c, TEAM);
      const r = capacityAtRisk(ws);
      auditNow(ws, c.get('actor'), { action: 'impact.capacity.view', detail: { items: r.items.length } });
      return ok(c, r);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/notifications', tags: ['notifications'],
      summary: "The signed-in user's notifications, newest first (a resurfacing on a case they own)",
      request: { query: z.object({ unread: z.enum(['true', 'false']).optional(), ...PageQuery }) },
      responses: { ...json(z.object({ items: z.array(Notification), unread: Int }), 'notifications'), ...errors(400, 401) },
    }),
    (c) => {
      const user = c.get('user');
      const q = c.req.valid('query');
      const rows = ws
        .prepare(`SELECT notification_id, at, kind, case_id, message, data, read_at FROM notifications WHERE user_id = ? ${q.unread === 'true' ? 'AND read_at IS NULL' : ''}
                  ORDER BY notification_id DESC LIMIT ? OFFSET ?`)
        .all(user.user_id, q.limit, q.offset) as { data: string | null }[];
      const unread = (ws.prepare(`SELECT count(*) AS n FROM notifications WHERE user_id = ? AND read_at IS NULL`).get(user.user_id) as { n: number }).n;
      return ok(c, { items: rows.map((r) => ({ ...r, data: r.data === null ? null : JSON.parse(r.data) })), unread });
    },
  );

  app.openapi(
    createRoute({
      method: 'post', path: '/api/notifications/{notification_id}/read', tags: ['notifications'], summary: 'Mark one of your notifications read',
      request: { params: IdParam('notification_id') },
      responses: { ...json(z.object({ read: z.boolean() }), 'marked'), ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const user = c.get('user');
      const id = Number(c.req.param('notification_id'));
      ws.tx(() => {
        const { changes } = ws.prepare(`UPDATE notifications SET read_at = coalesce(read_at, ?) WHERE notification_id = ? AND user_id = ?`).run(now(), id, user.user_id);
        if (changes === 0) throw new ApiError('not_found', `no notification ${id}`);
        audit(ws, c.get('actor'), { action: 'notification.read', object_type: 'notification', object_id: id });
      });
      return ok(c, { read: true });
    },
  );
}
