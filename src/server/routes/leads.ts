/**
 * Runs and leads: the latest run's leads, filtered, sorted and paged; one
 * lead's file (detail and its history across runs); aggregate figures.
 * A rights holder sees only leads that concern their brands, and within
 * them only their brands' listings; a police liaison, an admin and a
 * programme manager see no leads (403).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { auditNow } from '../../workspace/audit.ts';
import { emptyDetail, getRun, latestRun, LEAD_COLUMNS, listRuns, toLead, type LeadRow } from '../../workspace/runs.ts';
import { parseJson, type Workspace } from '../../workspace/store.ts';
import type { LeadDetail, LeadRecord, Role } from '../../workspace/types.ts';
import { compareRuns } from '../../workspace/compare.ts';
import type { User } from '../../workspace/users.ts';
import { ApiError, errors, ok, requireRole, type Api, type ServerDeps } from '../context.ts';
import { Lead, LeadFull, LeadQuery, Page, Run } from '../schemas.ts';

export const LEAD_READERS: readonly Role[] = ['analyst', 'supervisor', 'rights_holder'];
const TEAM: readonly Role[] = ['analyst', 'supervisor'];

/** SQL limiting leads (alias l) to the user's scope. */
export function leadScope(user: User): { where: string; params: unknown[] } {
  if (user.role !== 'rights_holder') return { where: '1 = 1', params: [] };
  return {
    where: `EXISTS (SELECT 1 FROM lead_brands b WHERE b.run_id = l.run_id AND b.lead_id = l.lead_id AND b.brand IN (${user.brands.map(() => '?').join(', ')}))`,
    params: user.brands,
  };
}

/** Whether a lead of a run is in the user's scope (a rights holder: one of their brands). */
function inScope(ws: Workspace, user: User): (runId: number, leadId: string) => boolean {
  const scope = leadScope(user);
  return (runId, leadId) => ws.prepare(`SELECT 1 FROM leads l WHERE l.run_id = ? AND l.lead_id = ? AND ${scope.where}`).get(runId, leadId, ...scope.params) !== undefined;
}

/**
 * A lead as the user may see it: a rights holder gets only their brands, no
 * value mixing other brands', and a moved site's successor only when that
 * lead concerns their brands too (else a link that answers 404).
 */
export function redactLead(lead: LeadRecord, user: User, visible: (runId: number, leadId: string) => boolean): LeadRecord & { est_value: number | null } {
  if (user.role !== 'rights_holder') return lead;
  return {
    ...lead,
    successor_lead_id: lead.successor_lead_id && visible(lead.run_id, lead.successor_lead_id) ? lead.successor_lead_id : null,
    brands: lead.brands.filter((b) => user.brands.includes(b)),
    est_value: null as never,
    // The evidence states the same value in words.
    evidence: lead.evidence.filter((e) => !e.startsWith('estimated sales')),
  };
}

export function redactDetail(d: LeadDetail, user: User): LeadDetail {
  if (user.role !== 'rights_holder') return d;
  return { ...d, identifiers: [], listings: d.listings.filter((l) => l.brand !== null && user.brands.includes(l.brand)) };
}

const SORT_SQL: Record<string, string> = {
  rank: 'l.rank', score: 'l.score', waybills: 'l.waybills', last_seen: 'l.last_seen', est_value: 'l.est_value', night_share: 'l.night_share',
};

/** Pages of leads kept ready, in bytes of their JSON (about 35 KB a default page). */
const PAGE_CACHE_BYTES = 64 * 2 ** 20;
const pageSize = (p: { items: string[] }) => p.items.reduce((n, s) => n + s.length + 40, 0);

export function leadRoutes(app: Api, { ws }: ServerDeps): void {
  const pages = new Map<string, { total: number; ids: string[]; items: string[] }>();
  let pageBytes = 0;
  /**
   * Each lead's open case, for a run: worked out again only when a case
   * changed (triggers move meta's cases_version), whichever process changed it.
   */
  let caseIndex: { stamp: string; runId: number; map: Map<string, number> } | undefined;
  const openCases = (runId: number): Map<string, number> => {
    const stamp = ws.meta('cases_version') ?? '';
    if (caseIndex?.stamp !== stamp || caseIndex.runId !== runId) {
      const rows = ws
        .prepare(`SELECT cl.lead_id, min(cl.case_id) AS case_id FROM case_leads cl JOIN cases cs USING (case_id)
                  WHERE cl.run_id = ? AND cs.state NOT IN ('closed', 'dismissed') GROUP BY cl.lead_id`)
        .all(runId) as { lead_id: string; case_id: number }[];
      caseIndex = { stamp, runId, map: new Map(rows.map((r) => [r.lead_id, r.case_id])) };
    }
    return caseIndex.map;
  };
  app.openapi(
    createRoute({
      method: 'get', path: '/api/runs', tags: ['runs'], summary: 'Analysis runs registered in the workspace, oldest first',
      responses: { 200: { description: 'runs', content: { 'application/json': { schema: z.object({ items: z.array(Run) }) } } }, ...errors(401, 403) },
    }),
    (c) => {
      const user = requireRole(c, [...LEAD_READERS, 'programme_manager']);
      const runs = listRuns(ws);
      if (user.role !== 'rights_holder') return ok(c, { items: runs });
      // A rights holder counts only their brands' leads (the run's total would tell of the others), and is not told the server's paths.
      const scope = leadScope(user);
      const count = ws.prepare(`SELECT count(*) AS n FROM leads l WHERE l.run_id = ? AND ${scope.where}`).pluck();
      return ok(c, { items: runs.map((r) => ({ ...r, out_dir: '', leads: count.get(r.run_id, ...scope.params) as number })) });
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/runs/compare', tags: ['runs'],
      summary: "Compare two runs: the later run's new leads, those continuing an earlier site (score and status then and now), and sites gone",
      request: { query: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }) },
      responses: {
        200: {
          description: 'the comparison',
          content: {
            'application/json': {
              schema: z.object({
                from_run: z.number().int(), to_run: z.number().int(),
                continuing: z.array(z.object({ lead_id: z.string(), previous_lead_id: z.string(), relation: z.string(), distance_m: z.number(), score: z.number(), previous_score: z.number(), status: z.string(), previous_status: z.string() })),
                new: z.array(z.object({ lead_id: z.string(), score: z.number(), rank: z.number().int() })),
                gone: z.array(z.object({ lead_id: z.string(), score: z.number(), rank: z.number().int(), status: z.string() })),
              }),
            },
          },
        },
        ...errors(400, 401, 403, 404),
      },
    }),
    (c) => {
      requireRole(c, TEAM);
      const { from, to } = c.req.valid('query');
      for (const id of [from, to]) if (!getRun(ws, id)) throw new ApiError('not_found', `no run ${id}`);
      return ok(c, compareRuns(ws, from, to));
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/leads', tags: ['leads'],
      summary: 'The leads of a run (the latest by default), filtered, sorted and paged',
      request: { query: LeadQuery },
      responses: { 200: { description: 'a page of leads', content: { 'application/json': { schema: Page(Lead, 'LeadPage') } } }, ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const user = requireRole(c, LEAD_READERS);
      const q = c.req.valid('query');
      const run = q.run ? getRun(ws, q.run) : latestRun(ws);
      if (!run) {
        if (q.run) throw new ApiError('not_found', `no run ${q.run}`);
        return ok(c, { items: [], total: 0, limit: q.limit, offset: q.offset, next_offset: null });
      }
      const scope = leadScope(user);
      const where = ['l.run_id = ?', scope.where];
      const params: unknown[] = [run.run_id, ...scope.params];
      if (q.status) {
        where.push('l.status = ?');
        params.push(q.status);
      }
      if (q.min_score !== undefined) {
        where.push('l.score >= ?');
        params.push(q.min_score);
      }
      if (q.max_score !== undefined) {
        where.push('l.score <= ?');
        params.push(q.max_score);
      }
      if (q.brand) {
        if (user.role === 'rights_holder' && !user.brands.includes(q.brand)) throw new ApiError('forbidden', `brand ${q.brand} is not one of yours`);
        where.push('EXISTS (SELECT 1 FROM lead_brands b2 WHERE b2.run_id = l.run_id AND b2.lead_id = l.lead_id AND b2.brand = ?)');
        params.push(q.brand);
      }
      if (q.category) {
        where.push('EXISTS (SELECT 1 FROM json_each(l.categories) WHERE value = ?)');
        params.push(q.category);
      }
      if (q.bbox) {
        const [minLng, minLat, maxLng, maxLat] = q.bbox.split(',').map(Number);
        where.push('l.lng BETWEEN ? AND ? AND l.lat BETWEEN ? AND ?');
        params.push(minLng, maxLng, minLat, maxLat);
      }
      const order = q.order ?? (q.sort === 'rank' ? 'asc' : 'desc');
      const w = where.join(' AND ');
      // A run's leads never change once registered: a filter's count and pages are worked out once (rights holders' redacted).
      const key = JSON.stringify([w, params, q.sort, order, q.limit, q.offset, user.role === 'rights_holder']);
      let page = pages.get(key);
      if (!page) {
        const total = (ws.prepare(`SELECT count(*) AS n FROM leads l WHERE ${w}`).get(...params) as { n: number }).n;
        const query = `SELECT l.lead_id, l.item FROM leads l WHERE ${w} ORDER BY ${SORT_SQL[q.sort]} ${order}${q.sort === 'rank' ? '' : ', l.rank'} LIMIT ? OFFSET ?`;
        const rows = ws.prepare(query).all(...params, q.limit, q.offset) as { lead_id: string; item: string }[];
        page = {
          total,
          ids: rows.map((r) => r.lead_id),
          // Stored as the contract's lead in JSON; a rights holder's cut to their brands.
          items: rows.map((r) => (user.role === 'rights_holder' ? JSON.stringify(redactLead(JSON.parse(r.item) as LeadRecord, user, inScope(ws, user))) : r.item)),
        };
        pages.set(key, page);
        pageBytes += pageSize(page);
        // Bounded by size, oldest out first: a map panned across the city asks for pages that never come again.
        while (pageBytes > PAGE_CACHE_BYTES && pages.size > 1) {
          const [oldKey, old] = pages.entries().next().value!;
          pages.delete(oldKey);
          pageBytes -= pageSize(old);
        }
      }
      const { total } = page;
      auditNow(ws, c.get('actor'), { action: 'lead.search', object_type: 'run', object_id: run.run_id, detail: { query: c.req.query(), total } });
      const next = q.offset + page.ids.length < total ? q.offset + page.ids.length : null;
      let items = page.items;
      if (TEAM.includes(user.role)) {
        // The open case on each lead's site, appended inside each item; the page is joined as text.
        const cases = openCases(run.run_id);
        items = items.map((item, i) => `${item.slice(0, -1)},"case_id":${cases.get(page.ids[i]) ?? 'null'}}`);
      }
      c.header('content-type', 'application/json; charset=UTF-8');
      return c.body(`{"items":[${items.join(',')}],"total":${total},"limit":${q.limit},"offset":${q.offset},"next_offset":${next ?? 'null'}}`, 200) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/leads/{lead_id}', tags: ['leads'],
      summary: "One lead's file: the lead, its parcels by day and hour, handover points, accounts, linking identifiers, listings, and its history across runs",
      request: {
        params: z.object({ lead_id: z.string().min(1).max(200).openapi({ param: { name: 'lead_id', in: 'path' } }) }),
        query: z.object({ run: z.coerce.number().int().min(1).optional() }),
      },
      responses: { 200: { description: 'the lead file', content: { 'application/json': { schema: LeadFull } } }, ...errors(400, 401, 403, 404) },
    }),
    (c) => {
      const user = requireRole(c, LEAD_READERS);
      const { lead_id } = c.req.valid('param');
      const { run } = c.req.valid('query');
      const runId = run ?? latestRun(ws)?.run_id;
      const scope = leadScope(user);
      const row = ws.sql
        .prepare(`SELECT ${LEAD_COLUMNS.replace(/(\w+)/g, 'l.$1')}, d.detail FROM leads l LEFT JOIN lead_details d USING (run_id, lead_id)
                  WHERE l.run_id = ? AND l.lead_id = ? AND ${scope.where}`)
        .get(runId ?? -1, lead_id, ...scope.params) as LeadRow | undefined;
      if (!row) throw new ApiError('not_found', `no lead ${lead_id}${run ? ` in run ${run}` : ''}`);
      const lead = toLead(row);
      const detail = row.detail ? parseJson<LeadDetail>(row.detail) : emptyDetail();
      const historyRows = ws.sql
        .prepare(
          `SELECT l.run_id, r.label AS run_label, l.lead_id, l.status, l.score, l.lat, l.lng, l.radius_m, l.last_seen, l.successor_lead_id
           FROM leads l JOIN runs r USING (run_id)
           WHERE (l.lead_id = ? OR (? AND (l.run_id, l.lead_id) IN (
             SELECT run_id, lead_id FROM case_leads WHERE case_id IN (SELECT case_id FROM case_leads WHERE run_id = ? AND lead_id = ?))))
             AND ${scope.where}
           ORDER BY l.run_id, l.lead_id`,
        )
        .all(lead_id, TEAM.includes(user.role) ? 1 : 0, lead.run_id, lead_id, ...scope.params);
      auditNow(ws, c.get('actor'), { action: 'lead.view', object_type: 'lead', object_id: `${lead.run_id}/${lead_id}` });
      const caseId = TEAM.includes(user.role) ? { case_id: openCases(lead.run_id).get(lead_id) ?? null } : {};
      const visible = inScope(ws, user);
      const history = user.role === 'rights_holder'
        ? (historyRows as { run_id: number; successor_lead_id: string | null }[]).map((h) => ({ ...h, successor_lead_id: h.successor_lead_id && visible(h.run_id, h.successor_lead_id) ? h.successor_lead_id : null }))
        : historyRows;
      return ok(c, { lead: { ...redactLead(lead, user, visible), ...caseId }, detail: redactDetail(detail, user), history });
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/api/stats', tags: ['figures'],
      summary: 'Aggregate figures: leads by status, cases by state, sites confirmed, value seized, arrests, by month; no seller-level data',
      responses: {
        200: {
          description: 'figures',
          content: {
            'application/json': {
              schema: z.object({
                run_id: z.number().int().nullable(),
                leads_by_status: z.record(z.string(), z.number().int()),
                cases_by_state: z.record(z.string(), z.number().int()),
                sites_confirmed: z.number().int(),
                value_seized: z.number(),
                arrests: z.number().int(),
                by_month: z.array(z.object({ month: z.string(), cases_opened: z.number().int(), referred: z.number().int(), raids: z.number().int(), confirmed: z.number().int(), value_seized: z.number(), arrests: z.number().int() })),
              }),
            },
          },
        },
        ...errors(401, 403),
      },
    }),
    (c) => {
      requireRole(c, ['analyst', 'supervisor', 'programme_manager']);
      const run = latestRun(ws);
      const count = (sql: string, ...p: unknown[]) => Object.fromEntries((ws.prepare(sql).all(...p) as { k: string; n: number }[]).map((r) => [r.k, r.n]));
      const closed = ws.prepare(`SELECT outcome, updated_at FROM cases WHERE state = 'closed' AND outcome IS NOT NULL`).all() as { outcome: string; updated_at: string }[];
      const outcomes = closed.map((r) => parseJson<{ result: string; raid_date: string; seized_value: number | null; arrests: number | null }>(r.outcome));
      const months = new Map<string, { month: string; cases_opened: number; referred: number; raids: number; confirmed: number; value_seized: number; arrests: number }>();
      const month = (m: string) => {
        let v = months.get(m);
        if (!v) months.set(m, (v = { month: m, cases_opened: 0, referred: 0, raids: 0, confirmed: 0, value_seized: 0, arrests: 0 }));
        return v;
      };
      for (const r of ws.prepare(`SELECT substr(created_at, 1, 7) AS m, count(*) AS n FROM cases GROUP BY m`).all() as { m: string; n: number }[]) month(r.m).cases_opened = r.n;
      for (const r of ws.prepare(`SELECT substr(at, 1, 7) AS m, count(*) AS n FROM case_events WHERE kind = 'transition' AND to_state = 'referred' GROUP BY m`).all() as { m: string; n: number }[]) month(r.m).referred = r.n;
      for (const o of outcomes) {
        const v = month(o.raid_date.slice(0, 7));
        v.raids++;
        if (o.result === 'confirmed') v.confirmed++;
        v.value_seized += o.seized_value ?? 0;
        v.arrests += o.arrests ?? 0;
      }
      auditNow(ws, c.get('actor'), { action: 'stats.view' });
      return ok(c, {
        run_id: run?.run_id ?? null,
        leads_by_status: run ? count(`SELECT status AS k, count(*) AS n FROM leads WHERE run_id = ? GROUP BY status`, run.run_id) : {},
        cases_by_state: count(`SELECT state AS k, count(*) AS n FROM cases GROUP BY state`),
        sites_confirmed: outcomes.filter((o) => o.result === 'confirmed').length,
        value_seized: outcomes.reduce((s, o) => s + (o.seized_value ?? 0), 0),
        arrests: outcomes.reduce((s, o) => s + (o.arrests ?? 0), 0),
        by_month: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)),
      });
    },
  );
}
