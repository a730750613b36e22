/**
 * Administration and the record: users and their API tokens (admin),
 * partners (read by the case team, written by an admin), the audit log and
 * its verification (supervisor, admin), and reports filed by rights holders
 * (notices and test-buy results, which the next analysis reads as `reports`).
 */
import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { audit, auditNow, verifyAudit } from '../../workspace/audit.ts';
import { addPartner, getPartner, listPartners, parseJurisdiction } from '../../workspace/partners.ts';
import { now } from '../../workspace/store.ts';
import { addUser, createToken, listUsers, revokeToken, userByName } from '../../workspace/users.ts';
import { ApiError, errors, ok, requireRole, type Api, type ServerDeps } from '../context.ts';
import { AuditEntry, IdParam, NewPartner, NewReport, NewUser, Page, PageQuery, Partner, Report, UserOut } from '../schemas.ts';

export function adminRoutes(app: Api, { ws }: ServerDeps): void {
  app.openapi(
    createRoute({
      method: 'get', path: '/api/users', tags: ['admin'], summary: 'Users of the workspace (admin)',
      responses: { 200: { description: 'users', content: { 'application/json': { schema: z.object({ items: z.array(UserOut) }) } } }, ...errors(401, 403) },
    }),
    (c) => {
      requireRole(c, ['admin']);
      return ok(c, { items: listUsers(ws) });
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/team', tags: ['cases'], summary: 'The analysts and supervisors a case may be assigned to',
      responses: {
        200: { description: 'the team', content: { 'application/json': { schema: z.object({ items: z.array(z.object({ name: z.string(), role: z.string() })) }) } } },
        ...errors(401, 403),
      },
    }),
    (c) => {
      requireRole(c, ['analyst', 'supervisor']);
      const items = ws.prepare(`SELECT name, role FROM users WHERE role IN ('analyst', 'supervisor') AND disabled_at IS NULL ORDER BY name`).all();
      return ok(c, { items });
    },
  );

  app.openapi(
    createRoute({
      method: 'post', path: '/api/users', tags: ['admin'], summary: 'Add a user (admin)',
      request: { body: { content: { 'application/json': { schema: NewUser } }, required: true } },
      responses: { 201: { description: 'the user', content: { 'application/json': { schema: UserOut } } }, ...errors(400, 401, 403) },
    }),
    async (c) => {
      requireRole(c, ['admin']);
      return ok(c, await addUser(ws, c.get('actor'), c.req.valid('json')), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post', path: '/api/users/{name}/tokens', tags: ['admin'], summary: 'A new API token for a user, shown once (admin)',
      request: {
        params: z.object({ name: z.string().min(1).max(64).openapi({ param: { name: 'name', in: 'path' } }) }),
        query: z.object({ label: z.string().max(200).optional() }),
      },
      responses: { 201: { description: 'the token', content: { 'application/json': { schema: z.object({ token_id: z.number().int(), token: z.string() }) } } }, ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      requireRole(c, ['admin']);
      const user = userByName(ws, c.req.valid('param').name);
      if (!user) throw new ApiError('not_found', `no user ${c.req.valid('param').name}`);
      return ok(c, createToken(ws, c.get('actor'), user, c.req.valid('query').label ?? null), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete', path: '/api/tokens/{token_id}', tags: ['admin'], summary: 'Revoke an API token (admin)',
      request: { params: IdParam('token_id') },
      responses: { 200: { description: 'revoked', content: { 'application/json': { schema: z.object({ revoked: z.boolean() }) } } }, ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      requireRole(c, ['admin']);
      if (!revokeToken(ws, c.get('actor'), Number(c.req.param('token_id')))) throw new ApiError('not_found', `no live token ${c.req.param('token_id')}`);
      return ok(c, { revoked: true });
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/partners', tags: ['partners'], summary: 'Police partners, their jurisdictions, categories and agreement dates',
      responses: { 200: { description: 'partners', content: { 'application/json': { schema: z.object({ items: z.array(Partner) }) } } }, ...errors(401, 403) },
    }),
    (c) => {
      const user = requireRole(c, ['admin', 'analyst', 'supervisor', 'police_liaison']);
      const all = listPartners(ws);
      return ok(c, { items: user.role === 'police_liaison' ? all.filter((p) => p.partner_id === user.agency_id) : all });
    },
  );

  app.openapi(
    createRoute({
      method: 'post', path: '/api/partners', tags: ['partners'], summary: 'Add a police partner (admin)',
      request: { body: { content: { 'application/json': { schema: NewPartner } }, required: true } },
      responses: { 201: { description: 'the partner', content: { 'application/json': { schema: Partner } } }, ...errors(400, 401, 403) },
    }),
    (c) => {
      requireRole(c, ['admin']);
      const p = c.req.valid('json');
      return ok(c, addPartner(ws, c.get('actor'), { ...p, jurisdiction: parseJurisdiction(p.jurisdiction, 'jurisdiction') }), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/partners/{partner_id}', tags: ['partners'], summary: 'One partner',
      request: { params: z.object({ partner_id: z.string().min(1).max(64).openapi({ param: { name: 'partner_id', in: 'path' } }) }) },
      responses: { 200: { description: 'the partner', content: { 'application/json': { schema: Partner } } }, ...errors(401, 403, 404) },
    }),
    (c) => {
      const user = requireRole(c, ['admin', 'analyst', 'supervisor', 'police_liaison']);
      const id = c.req.valid('param').partner_id;
      const p = getPartner(ws, id);
      if (!p || (user.role === 'police_liaison' && user.agency_id !== id)) throw new ApiError('not_found', `no partner ${id}`);
      return ok(c, p);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/audit', tags: ['audit'], summary: 'The audit log, newest first (supervisor, admin)',
      request: {
        query: z.object({
          action: z.string().max(64).optional(), object_type: z.string().max(64).optional(), object_id: z.string().max(200).optional(),
          user: z.string().max(64).optional(), ...PageQuery,
        }),
      },
      responses: { 200: { description: 'entries', content: { 'application/json': { schema: Page(AuditEntry, 'AuditPage') } } }, ...errors(400, 401, 403) },
    }),
    (c) => {
      requireRole(c, ['supervisor', 'admin']);
      const q = c.req.valid('query');
      const where: string[] = ['1 = 1'];
      const params: unknown[] = [];
      if (q.action) {
        where.push('action = ?');
        params.push(q.action);
      }
      if (q.object_type) {
        where.push('object_type = ?');
        params.push(q.object_type);
      }
      if (q.object_id) {
        where.push('object_id = ?');
        params.push(q.object_id);
      }
      if (q.user) {
        where.push('user_name = ?');
        params.push(q.user);
      }
      const w = where.join(' AND ');
      const total = (ws.prepare(`SELECT count(*) AS n FROM audit WHERE ${w}`).get(...params) as { n: number }).n;
      const items = ws.prepare(`SELECT * FROM audit WHERE ${w} ORDER BY seq DESC LIMIT ? OFFSET ?`).all(...params, q.limit, q.offset);
      auditNow(ws, c.get('actor'), { action: 'audit.read', detail: { query: c.req.query() } });
      return ok(c, { items, total, limit: q.limit, offset: q.offset, next_offset: q.offset + items.length < total ? q.offset + items.length : null });
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/audit/verify', tags: ['audit'], summary: 'Recompute the hash chain of the audit log (supervisor, admin)',
      responses: {
        200: {
          description: 'the result',
          content: { 'application/json': { schema: z.object({ ok: z.boolean(), entries: z.number().int(), problem: z.object({ seq: z.number().int(), what: z.string(), message: z.string() }).optional() }) } },
        },
        ...errors(401, 403),
      },
    }),
    (c) => {
      requireRole(c, ['supervisor', 'admin']);
      return ok(c, verifyAudit(ws));
    },
  );

  app.openapi(
    createRoute({
      method: 'post', path: '/api/reports', tags: ['reports'], summary: "A rights holder's notice or test-buy result about a listing or seller of their brand",
      request: { body: { content: { 'application/json': { schema: NewReport } }, required: true } },
      responses: { 201: { description: 'the report', content: { 'application/json': { schema: Report } } }, ...errors(400, 401, 403) },
    }),
    (c) => {
      const user = requireRole(c, ['rights_holder']);
      const r = c.req.valid('json');
      if (!user.brands.includes(r.brand)) throw new ApiError('forbidden', `brand ${r.brand} is not one of yours`);
      const report = { report_id: `ws-report-${randomUUID()}`, ...r, note: r.note ?? '', created_at: now(), filed_by: user.name };
      ws.tx(() => {
        ws.sql
          .prepare(`INSERT INTO reports (report_id, user_id, brand, target_type, target_id, source, verdict, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(report.report_id, user.user_id, r.brand, r.target_type, r.target_id, r.source, r.verdict, report.note, report.created_at);
        audit(ws, c.get('actor'), { action: 'report.file', object_type: 'report', object_id: report.report_id, detail: { brand: r.brand, target: `${r.target_type}:${r.target_id}`, verdict: r.verdict } });
      });
      return ok(c, report, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/reports', tags: ['reports'], summary: 'Reports filed in the workspace: a rights holder sees their own brands only',
      request: { query: z.object({ ...PageQuery }) },
      responses: { 200: { description: 'reports', content: { 'application/json': { schema: Page(Report, 'ReportPage') } } }, ...errors(400, 401, 403) },
    }),
    (c) => {
      const user = requireRole(c, ['rights_holder', 'analyst', 'supervisor']);
      const q = c.req.valid('query');
      const brands = user.role === 'rights_holder' ? user.brands : null;
      const w = brands ? `brand IN (${brands.map(() => '?').join(', ')})` : '1 = 1';
      const params = brands ?? [];
      const total = (ws.prepare(`SELECT count(*) AS n FROM reports WHERE ${w}`).get(...params) as { n: number }).n;
      const items = ws.sql
        .prepare(`SELECT r.report_id, r.brand, r.target_type, r.target_id, r.source, r.verdict, r.note, r.created_at, u.name AS filed_by
                  FROM reports r JOIN users u USING (user_id) WHERE ${w} ORDER BY r.created_at DESC LIMIT ? OFFSET ?`)
        .all(...params, q.limit, q.offset);
      return ok(c, { items, total, limit: q.limit, offset: q.offset, next_offset: q.offset + items.length < total ? q.offset + items.length : null });
    },
  );
}
