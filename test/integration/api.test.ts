/**
 * The workspace API over HTTP, as its clients use it: the OpenAPI document,
 * sign-in, sessions, CSRF, the sign-in throttle, API tokens, leads, the case
 * state machine from opening to the raid's result, comments, assignment,
 * exports, users, partners, the audit log, reports and figures. One
 * workspace (a small generated world, analysed) and one server for the file;
 * the throttle gets a server of its own. What each role may not reach is in
 * api-roles.test.ts.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the API's JSON bodies, checked by value */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/workspace/users.ts';
import { SYSTEM } from '../../src/workspace/audit.ts';
import { download, eligibleIds, expectError, geoLeads, metres, moveCase, withoutId, type GeoLead, type PartnerOut } from '../helpers/api.ts';
import { tempDir } from '../helpers/db.ts';
import { makeWorkspace, request, serveWorkspace, signIn, type Client, type TestWorkspace } from '../helpers/workspace.ts';

let tw: TestWorkspace;
let server: Awaited<ReturnType<typeof serveWorkspace>>;
let base: string;
let leads: GeoLead[];
let partners: PartnerOut[];
const as: Record<string, Client> = {};

/** Every route these tests call, as the OpenAPI document must list it. */
const ROUTES = [
  'POST /api/session', 'GET /api/session', 'DELETE /api/session',
  'GET /api/runs', 'GET /api/runs/compare', 'GET /api/leads', 'GET /api/leads/{lead_id}', 'GET /api/stats',
  'GET /api/cases', 'POST /api/cases', 'GET /api/cases/{case_id}', 'POST /api/cases/{case_id}/transitions',
  'POST /api/cases/{case_id}/comments', 'PUT /api/cases/{case_id}/assignee', 'GET /api/cases/{case_id}/partners',
  'GET /api/cases/{case_id}/export', 'GET /api/outcomes',
  'GET /api/users', 'POST /api/users', 'POST /api/users/{name}/tokens', 'DELETE /api/tokens/{token_id}',
  'GET /api/partners', 'POST /api/partners', 'GET /api/partners/{partner_id}',
  'GET /api/audit', 'GET /api/audit/verify', 'GET /api/reports', 'POST /api/reports',
  // Reached in api-roles.test.ts.
  'GET /api/map/density', 'GET /api/map/places',
  // Reached in api-map.test.ts.
  'GET /api/team',
  // Reached in api-impact.test.ts.
  'GET /api/impact/outcomes', 'GET /api/impact/deterrence', 'GET /api/impact/resurfacings', 'GET /api/impact/programme',
  'GET /api/impact/candidates', 'GET /api/impact/capacity-at-risk', 'GET /api/notifications', 'POST /api/notifications/{notification_id}/read',
];

const ROLE_USERS = ['analyst', 'supervisor', 'west-police', 'east-police', 'brand-owner', 'programme', 'admin'];

beforeAll(async () => {
  tw = await makeWorkspace();
  server = await serveWorkspace(tw.wsDir);
  base = server.served.url;
  for (const name of ROLE_USERS) as[name] = await signIn(base, name, tw.users[name].password);
  leads = geoLeads(tw.results);
  partners = (await as.analyst.call('GET', '/api/partners')).body.items;
});

afterAll(async () => {
  await server?.close();
});

/** The text of a PDF, whitespace removed (pdftotext, from Debian's poppler-utils, which CI installs). */
function pdfText(bytes: Buffer): string {
  const file = join(tempDir('dragnet-api-pdf-'), 'case.pdf');
  writeFileSync(file, bytes);
  const r = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`pdftotext: ${r.error.message} (install Debian's poppler-utils; CI installs it)`);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.replace(/\s+/g, '');
}

/** Active leads by rank, each at least 2.5 km from the ones already taken, so that no two share a site. */
function pickLead(taken: GeoLead[], ok: (l: GeoLead) => boolean): GeoLead {
  const l = leads.find((x) => x.status === 'active' && ok(x) && taken.every((t) => t.lead_id !== x.lead_id && metres(t, x) > 2500));
  if (!l) throw new Error('the test world has no lead for this test');
  taken.push(l);
  return l;
}

describe('the OpenAPI document', () => {
  let doc: any;
  beforeAll(async () => {
    const r = await request(`${base}/api/openapi.json`, 'GET');
    expect(r.status).toBe(200);
    doc = r.body;
  });

  it('is served anonymously and is a valid OpenAPI 3.1.0 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
  });

  it('lists every route the tests call', () => {
    const documented = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(ROUTES.filter((r) => !documented.includes(r))).toEqual([]);
  });

  it('documents a 401 for every operation that is not public, and only sign-in is public', () => {
    const publicOps: string[] = [];
    for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (Array.isArray(op.security) && op.security.length === 0) publicOps.push(`${method.toUpperCase()} ${path}`);
        else expect(Object.keys(op.responses), `${method} ${path}`).toContain('401');
      }
    }
    expect(publicOps).toEqual(['POST /api/session']);
    expect(doc.security).toEqual([{ session: [] }, { token: [] }]);
  });

  it('answers every documented operation but sign-in with 401 unauthenticated when anonymous', async () => {
    const fill = (p: string) =>
      p.replace('{case_id}', '1').replace('{lead_id}', leads[0].lead_id).replace('{name}', 'analyst').replace('{token_id}', '1').replace('{partner_id}', 'west-psb');
    let checked = 0;
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(ops)) {
        if (`${method.toUpperCase()} ${path}` === 'POST /api/session') continue;
        const body = method === 'get' || method === 'delete' ? undefined : {};
        const r = await request(`${base}${fill(path)}`, method.toUpperCase(), body);
        expect({ op: `${method} ${path}`, status: r.status, code: r.body?.error?.code }).toEqual({ op: `${method} ${path}`, status: 401, code: 'unauthenticated' });
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(ROUTES.length - 1);
    // A cookie that is not a session is no better than none.
    expectError(await request(`${base}/api/leads`, 'GET', undefined, { cookie: 'dragnet_session=dns_forged' }), 401, 'unauthenticated');
  });
});

describe('sign-in and sessions', () => {
  it('sets an http-only, SameSite=Strict session cookie and returns the user without the password hash', async () => {
    const r = await request(`${base}/api/session`, 'POST', { name: 'analyst', password: tw.users.analyst.password });
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^dragnet_session=dns_[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Strict/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(r.body.user).toMatchObject({ name: 'analyst', role: 'analyst', agency_id: null, brands: [] });
    expect(r.body.user).not.toHaveProperty('password');
    expect(JSON.stringify(r.body)).not.toContain('scrypt$');
    expect(r.body.csrf_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('tells who is signed in, with the CSRF token', async () => {
    const r = await as.supervisor.call('GET', '/api/session');
    expect(r.status).toBe(200);
    expect(r.body.user).toMatchObject({ name: 'supervisor', role: 'supervisor' });
    expect(r.body.csrf_token).toBe(as.supervisor.csrf);
  });

  it('refuses a sign-in body without a name or password, naming the field', async () => {
    expectError(await request(`${base}/api/session`, 'POST', { password: 'x' }), 400, 'invalid_request', 'name');
    expectError(await request(`${base}/api/session`, 'POST', { name: 'analyst', password: '' }), 400, 'invalid_request', 'password');
  });

  it('refuses a state-changing request that carries the cookie but not the CSRF token (403 csrf), and a wrong token', async () => {
    const c = as.analyst;
    const noToken = await request(`${base}/api/cases`, 'POST', { lead_id: leads[0].lead_id }, { cookie: c.cookie });
    expectError(noToken, 403, 'csrf', 'X-CSRF-Token');
    const wrong = await request(`${base}/api/cases`, 'POST', { lead_id: leads[0].lead_id }, { cookie: c.cookie, 'x-csrf-token': as.supervisor.csrf });
    expectError(wrong, 403, 'csrf');
    expectError(await request(`${base}/api/session`, 'DELETE', undefined, { cookie: c.cookie }), 403, 'csrf');
    // Nothing was opened by the refused requests.
    expect((await as.analyst.call('GET', '/api/cases')).body.total).toBe(0);
  });

  it('answers a body that is not JSON with 400 invalid_request, not a server error', async () => {
    const c = as.analyst;
    const post = (body: string, type?: string) =>
      fetch(`${base}/api/cases`, { method: 'POST', headers: { cookie: c.cookie, 'x-csrf-token': c.csrf, ...(type ? { 'content-type': type } : {}) }, body }).then(async (res) => ({
        status: res.status, body: await res.json(),
      }));
    expectError(await post('{"lead_id": ', 'application/json'), 400, 'invalid_request', /JSON/i);
    expectError(await post('lead_id=x', 'text/plain'), 400, 'invalid_request', /JSON/);
  });

  it('signs out with DELETE /api/session: the cookie no longer works, and both ends are audited', async () => {
    const c = await signIn(base, 'analyst', tw.users.analyst.password);
    expect((await c.call('GET', '/api/session')).status).toBe(200);
    const out = await c.call('DELETE', '/api/session');
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ signed_out: true });
    expect(out.headers.get('set-cookie')).toMatch(/dragnet_session=;/);
    expectError(await c.call('GET', '/api/session'), 401, 'unauthenticated');
    expectError(await c.call('GET', '/api/leads'), 401, 'unauthenticated');
    const ends = (await as.supervisor.call('GET', '/api/audit?action=session.end&user=analyst')).body;
    expect(ends.total).toBe(1);
    const starts = (await as.supervisor.call('GET', '/api/audit?action=session.create&user=analyst')).body;
    expect(starts.total).toBeGreaterThanOrEqual(2);
  });
});

describe('the sign-in throttle (a server of its own: the throttle is per server)', () => {
  let other: Awaited<ReturnType<typeof serveWorkspace>>;
  beforeAll(async () => {
    other = await serveWorkspace(tw.wsDir);
  });
  afterAll(async () => {
    await other?.close();
  });

  const attempt = async (name: string, password: string) => {
    const t = performance.now();
    const r = await request(`${other.served.url}/api/session`, 'POST', { name, password });
    return { ...r, ms: performance.now() - t };
  };

  it('gives a wrong name and a wrong password the same 401 and message, and audits both as session.fail', async () => {
    const wrongName = await attempt('nobody-here', 'whatever-password');
    const wrongPassword = await attempt('supervisor', 'not-the-password');
    expectError(wrongName, 401, 'unauthenticated');
    expectError(wrongPassword, 401, 'unauthenticated');
    expect(wrongName.body.error.message).toBe(wrongPassword.body.error.message);
    expect(wrongName.body.error.message).toBe('wrong name or password');
    expect(wrongName.headers.get('set-cookie')).toBeNull();
    const fails = (await as.supervisor.call('GET', '/api/audit?action=session.fail')).body.items as any[];
    expect(fails.map((e) => e.user_name).sort()).toEqual(['nobody-here', 'supervisor']);
    const forSupervisor = fails.find((e) => e.user_name === 'supervisor');
    expect(forSupervisor).toMatchObject({ role: 'supervisor', ip: '127.0.0.1' });
    expect(JSON.parse(forSupervisor.detail)).toEqual({ failures: 2 });
  });

  it('slows repeated failures for a name down, doubling the wait, and audits every one', async () => {
    // Three failures for a name are free, then 250, 500 and 1000 ms (an address gets twenty: an office shares one).
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await attempt('programme', `guess-${i}`);
      expectError(r, 401, 'unauthenticated');
      times.push(r.ms);
    }
    expect(times[3]).toBeGreaterThanOrEqual(240);
    expect(times[4]).toBeGreaterThanOrEqual(490);
    expect(times[5]).toBeGreaterThanOrEqual(990);
    const fails = (await as.supervisor.call('GET', '/api/audit?action=session.fail&user=programme')).body.items as any[];
    expect(fails).toHaveLength(6);
    // Newest first; the count audited is the larger of the name's and the address's (two earlier failures from here).
    expect(fails.map((e) => JSON.parse(e.detail).failures)).toEqual([8, 7, 6, 5, 4, 3]);
  });

  it('still lets the right password in (after the wait), and the main server was never slowed', async () => {
    const r = await attempt('programme', tw.users.programme.password);
    expect(r.status).toBe(200);
    expect(r.ms).toBeGreaterThanOrEqual(1900);
    const t = performance.now();
    await signIn(base, 'programme', tw.users.programme.password);
    expect(performance.now() - t).toBeLessThan(1900);
  });
});

describe('API tokens', () => {
  let tokenId: number;
  let token: string;

  it('are made by an admin for a user, shown once, and refused to anyone else', async () => {
    const r = await as.admin.call('POST', '/api/users/analyst/tokens?label=nightly%20script');
    expect(r.status).toBe(201);
    expect(r.body.token).toMatch(/^dnt_[A-Za-z0-9_-]{43}$/);
    expect(r.body.token_id).toBeGreaterThan(0);
    ({ token_id: tokenId, token } = r.body);
    expectError(await as.supervisor.call('POST', '/api/users/analyst/tokens'), 403, 'forbidden');
    expectError(await as.admin.call('POST', '/api/users/nobody-here/tokens'), 404, 'not_found', 'nobody-here');
    expectError(await as.admin.call('POST', `/api/users/analyst/tokens?label=${'x'.repeat(201)}`), 400, 'invalid_request', 'label');
    const made = (await as.admin.call('GET', `/api/audit?action=token.create`)).body.items as any[];
    expect(made.some((e) => JSON.parse(e.detail).token_id === tokenId && e.user_name === 'admin')).toBe(true);
  });

  it('work as Authorization: Bearer, as their user, and each use is audited', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const who = await request(`${base}/api/session`, 'GET', undefined, auth);
    expect(who.status).toBe(200);
    expect(who.body.user.name).toBe('analyst');
    const r = await request(`${base}/api/leads?limit=2`, 'GET', undefined, auth);
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(2);
    const uses = (await as.admin.call('GET', `/api/audit?action=token.use&object_id=${tokenId}`)).body.items as any[];
    expect(uses.length).toBe(2);
    expect(uses[0]).toMatchObject({ user_name: 'analyst', role: 'analyst', object_type: 'token' });
    expect(JSON.parse(uses[0].detail)).toEqual({ request: 'GET /api/leads' });
  });

  it('need no CSRF token (a script holds no cookie), yet still meet the schemas and the rules', async () => {
    const r = await request(`${base}/api/cases`, 'POST', { lead_id: 'L-does-not-exist' }, { authorization: `Bearer ${token}` });
    expectError(r, 404, 'not_found', 'L-does-not-exist');
    expectError(await request(`${base}/api/users`, 'GET', undefined, { authorization: `Bearer ${token}` }), 403, 'forbidden');
  });

  it('made with users.createToken work the same way', async () => {
    const user = server.ws.sql.prepare(`SELECT * FROM users WHERE name = 'brand-owner'`).get() as any;
    const t = createToken(server.ws, SYSTEM, { ...user, brands: JSON.parse(user.brands) }, 'made in the test');
    const r = await request(`${base}/api/reports`, 'GET', undefined, { authorization: `Bearer ${t.token}` });
    expect(r.status).toBe(200);
  });

  it('are revoked by an admin: a revoked or unknown token gets 401', async () => {
    expectError(await as.analyst.call('DELETE', `/api/tokens/${tokenId}`), 403, 'forbidden');
    expectError(await as.admin.call('DELETE', '/api/tokens/abc'), 400, 'invalid_request', 'token_id');
    const r = await as.admin.call('DELETE', `/api/tokens/${tokenId}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ revoked: true });
    expectError(await request(`${base}/api/leads`, 'GET', undefined, { authorization: `Bearer ${token}` }), 401, 'unauthenticated');
    expectError(await request(`${base}/api/leads`, 'GET', undefined, { authorization: 'Bearer dnt_made-up' }), 401, 'unauthenticated');
    expectError(await as.admin.call('DELETE', `/api/tokens/${tokenId}`), 404, 'not_found');
    const revoked = (await as.admin.call('GET', `/api/audit?action=token.revoke&object_id=${tokenId}`)).body;
    expect(revoked.total).toBe(1);
  });
});

describe('leads', () => {
  const all = async (query: string) => (await as.analyst.call('GET', `/api/leads?limit=1000&${query}`)).body;

  it('pages by 50 by default and carries the results contract\'s lead properties', async () => {
    const r = await as.analyst.call('GET', '/api/leads');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ total: leads.length, limit: 50, offset: 0, next_offset: leads.length > 50 ? 50 : null });
    expect(r.body.items.map((l: any) => l.lead_id)).toEqual(leads.slice(0, 50).map((l) => l.lead_id));
    const first = r.body.items[0];
    const feature = leads[0];
    for (const [key, value] of Object.entries(feature.properties)) expect(first[key], key).toEqual(key === 'first_seen' || key === 'last_seen' ? (value ?? '') : value);
    expect([first.lng, first.lat]).toEqual([feature.lng, feature.lat]);
    expect(first.run_id).toBe(1);
    expect(first.case_id).toBeNull();
  });

  it('takes at most 1000 a page: 1001, 0 and a negative offset are 400 naming the field', async () => {
    expect((await as.analyst.call('GET', '/api/leads?limit=1000')).body.limit).toBe(1000);
    expectError(await as.analyst.call('GET', '/api/leads?limit=1001'), 400, 'invalid_request', 'limit');
    expectError(await as.analyst.call('GET', '/api/leads?limit=0'), 400, 'invalid_request', 'limit');
    expectError(await as.analyst.call('GET', '/api/leads?offset=-1'), 400, 'invalid_request', 'offset');
  });

  it('refuses bad filters, naming the field', async () => {
    expectError(await as.analyst.call('GET', '/api/leads?min_score=1.5'), 400, 'invalid_request', 'min_score');
    expectError(await as.analyst.call('GET', '/api/leads?min_score=high'), 400, 'invalid_request', 'min_score');
    expectError(await as.analyst.call('GET', '/api/leads?status=open'), 400, 'invalid_request', 'status');
    expectError(await as.analyst.call('GET', '/api/leads?bbox=1,2,3'), 400, 'invalid_request', 'bbox');
    expectError(await as.analyst.call('GET', '/api/leads?sort=seller_id'), 400, 'invalid_request', 'sort');
    expectError(await as.analyst.call('GET', '/api/leads?order=up'), 400, 'invalid_request', 'order');
    expectError(await as.analyst.call('GET', '/api/leads?run=99'), 404, 'not_found', 'run 99');
  });

  it('filters by status, min_score, brand, category and bbox exactly as the run\'s leads say', async () => {
    const ids = (ls: GeoLead[]) => ls.map((l) => l.lead_id);
    const check = async (query: string, expected: GeoLead[]) => {
      const page = await all(query);
      expect(page.total, query).toBe(expected.length);
      expect(page.items.map((l: any) => l.lead_id), query).toEqual(ids(expected));
    };
    expect(new Set(leads.map((l) => l.status)).size).toBeGreaterThan(1);
    await check('status=active', leads.filter((l) => l.status === 'active'));
    await check('status=moved', leads.filter((l) => l.status === 'moved'));
    await check('min_score=0.5', leads.filter((l) => l.score >= 0.5));
    await check('min_score=0.5&max_score=0.9', leads.filter((l) => l.score >= 0.5 && l.score <= 0.9));
    const brand = leads[3].brands[0];
    await check(`brand=${encodeURIComponent(brand)}`, leads.filter((l) => l.brands.includes(brand)));
    await check('brand=NoSuchBrand', []);
    await check('category=luggage', leads.filter((l) => l.categories.includes('luggage')));
    const lngs = leads.map((l) => l.lng).sort((a, b) => a - b);
    const mid = lngs[Math.floor(lngs.length / 2)];
    const bbox = [lngs[0] - 0.01, 25, mid, 26];
    const inBox = leads.filter((l) => l.lng >= bbox[0] && l.lng <= bbox[2] && l.lat >= bbox[1] && l.lat <= bbox[3]);
    expect(inBox.length).toBeGreaterThan(0);
    expect(inBox.length).toBeLessThan(leads.length);
    await check(`bbox=${bbox.join(',')}`, inBox);
    await check(`status=active&category=shoes&bbox=${bbox.join(',')}`, inBox.filter((l) => l.status === 'active' && l.categories.includes('shoes')));
  });

  it('sorts by any offered key, in either order, ties by rank', async () => {
    const byWaybills = await all('sort=waybills');
    const w = byWaybills.items.map((l: any) => l.waybills);
    expect(w).toEqual([...w].sort((a, b) => b - a));
    const asc = await all('sort=score&order=asc');
    expect(asc.items.map((l: any) => l.lead_id)).toEqual([...leads].sort((a, b) => a.score - b.score || a.rank - b.rank).map((l) => l.lead_id));
    const rank = await all('sort=rank&order=desc');
    expect(rank.items.map((l: any) => l.rank)).toEqual(leads.map((l) => l.rank).reverse());
  });

  it('pages consistently: following next_offset, the pages concatenate to the full ordered list', async () => {
    for (const query of ['sort=waybills', 'sort=score&order=asc&status=active', 'sort=last_seen']) {
      const full = (await all(query)).items.map((l: any) => l.lead_id);
      const got: string[] = [];
      let offset: number | null = 0;
      let pages = 0;
      while (offset !== null) {
        const page: any = (await as.analyst.call('GET', `/api/leads?${query}&limit=4&offset=${offset}`)).body;
        expect(page.total).toBe(full.length);
        expect(page.items.length).toBeLessThanOrEqual(4);
        got.push(...page.items.map((l: any) => l.lead_id));
        offset = page.next_offset;
        pages++;
      }
      expect(got).toEqual(full);
      expect(pages).toBe(Math.ceil(full.length / 4));
    }
    const past = (await as.analyst.call('GET', `/api/leads?offset=${leads.length + 5}`)).body;
    expect(past).toMatchObject({ items: [], total: leads.length, next_offset: null });
  });

  it('gives a lead\'s file: parcels by day and by hour (24), accounts, identifiers, listings, history', async () => {
    const lead = leads[0];
    const r = await as.analyst.call('GET', `/api/leads/${lead.lead_id}`);
    expect(r.status).toBe(200);
    expect(r.body.lead.lead_id).toBe(lead.lead_id);
    const d = r.body.detail;
    expect(d.parcels_by_hour).toHaveLength(24);
    const byHour = d.parcels_by_hour.reduce((s: number, n: number) => s + n, 0);
    const byDay = d.parcels_by_day.reduce((s: number, x: any) => s + x.parcels, 0);
    expect(byDay).toBeGreaterThan(0);
    expect(byHour).toBe(byDay);
    expect(d.parcels_by_day.map((x: any) => x.date)).toEqual([...d.parcels_by_day.map((x: any) => x.date)].sort());
    expect(d.accounts.map((a: any) => a.seller_id).sort()).toEqual([...lead.seller_ids].sort());
    expect(Array.isArray(d.identifiers)).toBe(true);
    for (const i of d.identifiers) expect(i.seller_ids.every((s: string) => lead.seller_ids.includes(s))).toBe(true);
    expect(d.listings.length).toBeGreaterThan(0);
    for (const l of d.listings) expect(lead.seller_ids).toContain(l.seller_id);
    expect(r.body.history).toEqual([expect.objectContaining({ run_id: 1, lead_id: lead.lead_id, run_label: 'demo run', status: lead.status })]);
    const viewed = (await as.supervisor.call('GET', `/api/audit?action=lead.view&object_id=1/${lead.lead_id}`)).body;
    expect(viewed.total).toBe(1);
  });

  it('answers an unknown lead or run with 404, and a bad run with 400', async () => {
    expectError(await as.analyst.call('GET', '/api/leads/L-0000000000'), 404, 'not_found', 'L-0000000000');
    expectError(await as.analyst.call('GET', `/api/leads/${leads[0].lead_id}?run=7`), 404, 'not_found');
    expectError(await as.analyst.call('GET', `/api/leads/${leads[0].lead_id}?run=zero`), 400, 'invalid_request', 'run');
  });
});

describe('cases: the state machine through the API', () => {
  const taken: GeoLead[] = [];
  let west: GeoLead;
  let caseId: number;

  it('opens a case on a lead (201) for an analyst; a second case on the same lead is 409 with the case', async () => {
    west = pickLead(taken, (l) => eligibleIds(partners, l).includes('west-psb') && !eligibleIds(partners, l).includes('east-psb'));
    const r = await as.analyst.call('POST', '/api/cases', { lead_id: west.lead_id, comment: 'night pickups at one door' });
    expect(r.status).toBe(201);
    caseId = r.body.case_id;
    expect(r.body).toMatchObject({
      state: 'new', run_id: 1, lead_id: west.lead_id, lat: west.lat, lng: west.lng, created_by: 'analyst', partner_id: null, assignee: null, outcome: null,
    });
    expect(r.body.seller_ids).toEqual([...west.seller_ids].sort());
    expect(r.body.categories).toEqual([...west.categories].sort());
    const again = await as.supervisor.call('POST', '/api/cases', { lead_id: west.lead_id });
    expectError(again, 409, 'conflict', String(caseId));
    expect(again.body.error.details).toEqual({ case_id: caseId });
    const listed = (await as.analyst.call('GET', `/api/leads?limit=1000`)).body.items.find((l: any) => l.lead_id === west.lead_id);
    expect(listed.case_id).toBe(caseId);
  });

  it('refuses a bad body (400 naming the field) and an unknown lead (404)', async () => {
    expectError(await as.analyst.call('POST', '/api/cases', {}), 400, 'invalid_request', 'lead_id');
    expectError(await as.analyst.call('POST', '/api/cases', { lead_id: west.lead_id, run_id: 'one' }), 400, 'invalid_request', 'run_id');
    expectError(await as.analyst.call('POST', '/api/cases', { lead_id: 'L-0000000000' }), 404, 'not_found', 'L-0000000000');
    expectError(await as.analyst.call('POST', '/api/cases', { lead_id: leads[1].lead_id, run_id: 5 }), 404, 'not_found');
  });

  it('shows the case to the team with its events, leads and the moves allowed now', async () => {
    const r = await as.analyst.call('GET', `/api/cases/${caseId}`);
    expect(r.status).toBe(200);
    expect(r.body.case).toMatchObject({ case_id: caseId, state: 'new' });
    expect(r.body.events).toEqual([expect.objectContaining({ kind: 'transition', from_state: null, to_state: 'new', user: 'analyst', comment: 'night pickups at one door' })]);
    expect(r.body.leads).toEqual([expect.objectContaining({ run_id: 1, lead_id: west.lead_id, relation: 'opened_on' })]);
    expect(r.body.allowed_transitions.map((t: any) => t.to).sort()).toEqual(['analysing', 'dismissed']);
    expectError(await as.analyst.call('GET', '/api/cases/0'), 400, 'invalid_request', 'case_id');
    expectError(await as.analyst.call('GET', '/api/cases/123456'), 404, 'not_found', 'no case 123456');
  });

  it('refuses moves the machine does not have (409 invalid_transition) and moves without a comment (400)', async () => {
    const skip = await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'referred', comment: 'straight to the police' });
    expectError(skip, 409, 'invalid_transition');
    expect(skip.body.error.details).toMatchObject({ state: 'new' });
    expectError(await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'analysing' }), 400, 'invalid_request', 'comment');
    expectError(await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'analysing', comment: '' }), 400, 'invalid_request', 'comment');
    expectError(await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'solved', comment: 'x' }), 400, 'invalid_request', 'to');
    expectError(await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'analysing', comment: '   ' }), 400, 'invalid_request', 'comment');
  });

  it('goes new → analysing → offline_check', async () => {
    const a = await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'analysing', comment: 'pulling the accounts' });
    expect(a.status).toBe(200);
    expect(a.body.state).toBe('analysing');
    const b = await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'offline_check', comment: 'checked against the marketplace' });
    expect(b.body.state).toBe('offline_check');
  });

  it('lists as eligible partners exactly those whose jurisdiction holds the site and whose agreement covers its categories', async () => {
    const r = await as.analyst.call('GET', `/api/cases/${caseId}/partners`);
    expect(r.status).toBe(200);
    const got = r.body.items.map((p: any) => p.partner_id).sort();
    expect(got).toEqual(eligibleIds(partners, west));
    expect(got).toContain('west-psb');
    expect(got).not.toContain('east-psb');
    expectError(await as.analyst.call('GET', '/api/cases/123456/partners'), 404, 'not_found');
    expectError(await as.analyst.call('GET', '/api/cases/abc/partners'), 400, 'invalid_request', 'case_id');
  });

  it('refuses to propose an ineligible or unknown partner (400), or none', async () => {
    const wrong = partners.map((p) => p.partner_id).filter((id) => !eligibleIds(partners, west).includes(id));
    expect(wrong.length).toBeGreaterThan(0);
    for (const id of wrong) {
      const r = await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'referral_proposed', comment: 'to them', partner_id: id });
      expectError(r, 400, 'invalid_request', id);
      expect(r.body.error.details).toEqual({ partner_id: id });
    }
    expectError(await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'referral_proposed', comment: 'to them', partner_id: 'nobody' }), 400, 'invalid_request', 'nobody');
    expectError(await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'referral_proposed', comment: 'to them' }), 400, 'invalid_request', 'partner_id');
    expect((await as.analyst.call('GET', `/api/cases/${caseId}`)).body.case.state).toBe('offline_check');
  });

  it('proposes the referral; an analyst may not approve it (409); a supervisor does', async () => {
    const p = await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'referral_proposed', comment: 'west bureau has the area', partner_id: 'west-psb' });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ state: 'referral_proposed', partner_id: 'west-psb' });
    // Not referred yet: the bureau sees nothing.
    expectError(await as['west-police'].call('GET', `/api/cases/${caseId}`), 404, 'not_found');
    expect((await as['west-police'].call('GET', '/api/cases')).body.total).toBe(0);
    const analyst = await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'referred', comment: 'approving my own' });
    expectError(analyst, 409, 'invalid_transition', 'analyst');
    expect(analyst.body.error.details.allowed).toEqual([]);
    const ok = await as.supervisor.call('POST', `/api/cases/${caseId}/transitions`, { to: 'referred', comment: 'approved' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ state: 'referred', partner_id: 'west-psb' });
  });

  it('is then seen by the police liaison of that agency, as a referral package with pseudonymous accounts', async () => {
    const list = (await as['west-police'].call('GET', '/api/cases')).body;
    expect(list.total).toBe(1);
    expect(list.items.map((c: any) => c.case_id)).toEqual([caseId]);
    expect(list.items[0].seller_ids).toEqual([]);
    const r = await as['west-police'].call('GET', `/api/cases/${caseId}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ case_id: caseId, state: 'referred', partner_id: 'west-psb', site: { lat: west.lat, lng: west.lng } });
    expect(r.body).not.toHaveProperty('seller_ids');
    expect(r.body).not.toHaveProperty('case');
    expect(r.body.accounts.length).toBe(west.seller_ids.length);
    for (const a of r.body.accounts) expect(a.account).toMatch(/^acct-[0-9a-f]{12}$/);
    const text = JSON.stringify(r.body) + JSON.stringify(list);
    for (const s of west.seller_ids) expect(text).not.toContain(s);
    for (const n of west.network_ids) expect(text).not.toContain(n);
    expect(r.body.allowed_transitions.map((t: any) => t.to).sort()).toEqual(['closed', 'raided']);
  });

  it('is hidden from the other agency\'s liaison: 404 like a case that does not exist, and an empty list', async () => {
    const east = as['east-police'];
    const hidden = await east.call('GET', `/api/cases/${caseId}`);
    const missing = await east.call('GET', '/api/cases/987654');
    expectError(hidden, 404, 'not_found');
    expectError(missing, 404, 'not_found');
    expect(withoutId(hidden.body.error.message, caseId)).toBe(withoutId(missing.body.error.message, 987654));
    expect(hidden.body.error).not.toHaveProperty('details');
    expect((await east.call('GET', '/api/cases')).body).toMatchObject({ items: [], total: 0 });
    expect((await east.call('GET', '/api/cases?partner_id=west-psb')).body.total).toBe(0);
    expectError(await east.call('POST', `/api/cases/${caseId}/transitions`, { to: 'raided', comment: 'ours now', raid_date: '2026-01-02' }), 404, 'not_found');
  });

  it('records the raid (needs raid_date) and then the result, by the liaison', async () => {
    const police = as['west-police'];
    expectError(await police.call('POST', `/api/cases/${caseId}/transitions`, { to: 'raided', comment: 'went in' }), 400, 'invalid_request', 'raid_date');
    expectError(await police.call('POST', `/api/cases/${caseId}/transitions`, { to: 'raided', comment: 'went in', raid_date: '2026/01/02' }), 400, 'invalid_request', 'raid_date');
    expectError(await as.analyst.call('POST', `/api/cases/${caseId}/transitions`, { to: 'raided', comment: 'x', raid_date: '2026-01-02' }), 409, 'invalid_transition');
    const raid = await police.call('POST', `/api/cases/${caseId}/transitions`, { to: 'raided', comment: 'went in at dawn', raid_date: '2026-01-02' });
    expect(raid.status).toBe(200);
    expect(raid.body.state).toBe('raided');
    expect(raid.body.seller_ids).toEqual([]);
    expectError(await police.call('POST', `/api/cases/${caseId}/transitions`, { to: 'closed', comment: 'done' }), 400, 'invalid_request', 'outcome');
    expectError(await police.call('POST', `/api/cases/${caseId}/transitions`, { to: 'closed', comment: 'done', outcome: { result: 'maybe' } }), 400, 'invalid_request', 'outcome.result');
    expectError(await police.call('POST', `/api/cases/${caseId}/transitions`, { to: 'closed', comment: 'done', outcome: { result: 'confirmed', arrests: -1 } }), 400, 'invalid_request', 'outcome.arrests');
    const closed = await police.call('POST', `/api/cases/${caseId}/transitions`, {
      to: 'closed', comment: 'stock seized', outcome: { result: 'confirmed', seized_value: 125000, arrests: 3, items: 2400 },
    });
    expect(closed.status).toBe(200);
    expect(closed.body.state).toBe('closed');
    expect(closed.body.outcome).toMatchObject({ result: 'confirmed', raid_date: '2026-01-02', seized_value: 125000, arrests: 3, items: 2400 });
    const view = (await police.call('GET', `/api/cases/${caseId}`)).body;
    expect(view.events.map((e: any) => e.to_state)).toEqual(['new', 'analysing', 'offline_check', 'referral_proposed', 'referred', 'raided', 'closed']);
    expect(view.allowed_transitions).toEqual([]);
  });

  it('shows the result in GET /api/outcomes as ws-case-N, to the team and to that agency only', async () => {
    const expected = { outcome_id: `ws-case-${caseId}`, date: '2026-01-02', result: 'confirmed', seized_value: 125000, arrests: 3, lat: west.lat, lng: west.lng };
    const team = (await as.analyst.call('GET', '/api/outcomes')).body.items;
    expect(team).toEqual([expect.objectContaining(expected)]);
    expect((await as['west-police'].call('GET', '/api/outcomes')).body.items).toEqual([expect.objectContaining(expected)]);
    expect((await as['east-police'].call('GET', '/api/outcomes')).body.items).toEqual([]);
  });

  it('counts the result in the figures', async () => {
    const r = await as.programme.call('GET', '/api/stats');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ run_id: 1, sites_confirmed: 1, value_seized: 125000, arrests: 3 });
    expect(r.body.cases_by_state.closed).toBe(1);
    expect(r.body.by_month).toContainEqual(expect.objectContaining({ month: '2026-01', raids: 1, confirmed: 1, value_seized: 125000, arrests: 3 }));
  });

  it('lets a supervisor reject a proposed referral back to offline_check, clearing the partner', async () => {
    const east = pickLead(taken, (l) => eligibleIds(partners, l).includes('east-psb'));
    const id = (await as.analyst.call('POST', '/api/cases', { lead_id: east.lead_id })).body.case_id;
    await moveCase(as.analyst, id, [
      { to: 'analysing', comment: 'a' }, { to: 'offline_check', comment: 'b' }, { to: 'referral_proposed', comment: 'c', partner_id: 'east-psb' },
    ]);
    expectError(await as.analyst.call('POST', `/api/cases/${id}/transitions`, { to: 'offline_check', comment: 'take it back' }), 409, 'invalid_transition');
    const back = await as.supervisor.call('POST', `/api/cases/${id}/transitions`, { to: 'offline_check', comment: 'not enough yet' });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ state: 'offline_check', partner_id: null });
    expectError(await as['east-police'].call('GET', `/api/cases/${id}`), 404, 'not_found');
  });

  it('dismisses only with a reason', async () => {
    const lead = pickLead(taken, () => true);
    const id = (await as.analyst.call('POST', '/api/cases', { lead_id: lead.lead_id })).body.case_id;
    expectError(await as.analyst.call('POST', `/api/cases/${id}/transitions`, { to: 'dismissed', comment: 'nothing there' }), 400, 'invalid_request', 'reason');
    expectError(await as.analyst.call('POST', `/api/cases/${id}/transitions`, { to: 'dismissed', comment: 'nothing there', reason: ' ' }), 400, 'invalid_request', 'reason');
    const r = await as.analyst.call('POST', `/api/cases/${id}/transitions`, { to: 'dismissed', comment: 'nothing there', reason: 'a genuine outlet store' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: 'dismissed', dismiss_reason: 'a genuine outlet store' });
    expectError(await as.analyst.call('POST', `/api/cases/${id}/transitions`, { to: 'analysing', comment: 'again' }), 409, 'invalid_transition');
    // A dismissed site may be opened again.
    expect((await as.analyst.call('POST', '/api/cases', { lead_id: lead.lead_id })).status).toBe(201);
  });

  it('filters and pages the case board', async () => {
    const everything = (await as.analyst.call('GET', '/api/cases')).body;
    expect(everything.total).toBe(4);
    expect((await as.analyst.call('GET', '/api/cases?state=closed')).body.items.map((c: any) => c.case_id)).toEqual([caseId]);
    expect((await as.analyst.call('GET', '/api/cases?state=dismissed')).body.total).toBe(1);
    const p1 = (await as.analyst.call('GET', '/api/cases?limit=3')).body;
    const p2 = (await as.analyst.call('GET', `/api/cases?limit=3&offset=${p1.next_offset}`)).body;
    expect(p1.next_offset).toBe(3);
    expect(p2.next_offset).toBeNull();
    expect([...p1.items, ...p2.items].map((c: any) => c.case_id)).toEqual(everything.items.map((c: any) => c.case_id));
    expectError(await as.analyst.call('GET', '/api/cases?state=open'), 400, 'invalid_request', 'state');
    expectError(await as.analyst.call('GET', '/api/cases?limit=1001'), 400, 'invalid_request', 'limit');
  });
});

describe('case comments and assignment', () => {
  let id: number;
  beforeAll(async () => {
    id = (await as.analyst.call('GET', '/api/cases?state=offline_check')).body.items[0].case_id;
  });

  it('adds a comment to the case\'s events (201); an empty one is 400', async () => {
    const r = await as.analyst.call('POST', `/api/cases/${id}/comments`, { comment: 'courier confirms night pickups' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ added: true });
    const events = (await as.supervisor.call('GET', `/api/cases/${id}`)).body.events;
    expect(events.at(-1)).toMatchObject({ kind: 'comment', user: 'analyst', comment: 'courier confirms night pickups' });
    expectError(await as.analyst.call('POST', `/api/cases/${id}/comments`, { comment: '' }), 400, 'invalid_request', 'comment');
    expectError(await as.analyst.call('POST', `/api/cases/${id}/comments`, {}), 400, 'invalid_request', 'comment');
    expectError(await as.analyst.call('POST', '/api/cases/987654/comments', { comment: 'x' }), 404, 'not_found');
  });

  it('assigns to an analyst or supervisor, unassigns with null, and refuses a police user (400)', async () => {
    const r = await as.supervisor.call('PUT', `/api/cases/${id}/assignee`, { assignee: 'analyst' });
    expect(r.status).toBe(200);
    expect(r.body.assignee).toBe('analyst');
    expect((await as.analyst.call('GET', '/api/cases?assignee=analyst')).body.items.map((c: any) => c.case_id)).toEqual([id]);
    expectError(await as.supervisor.call('PUT', `/api/cases/${id}/assignee`, { assignee: 'west-police' }), 400, 'invalid_request', 'west-police');
    expectError(await as.supervisor.call('PUT', `/api/cases/${id}/assignee`, { assignee: 'nobody-here' }), 400, 'invalid_request', 'nobody-here');
    expectError(await as.supervisor.call('PUT', `/api/cases/${id}/assignee`, {}), 400, 'invalid_request', 'assignee');
    expectError(await as['west-police'].call('PUT', `/api/cases/${id}/assignee`, { assignee: 'analyst' }), 403, 'forbidden');
    expect((await as.analyst.call('GET', `/api/cases/${id}`)).body.case.assignee).toBe('analyst');
    const none = await as.analyst.call('PUT', `/api/cases/${id}/assignee`, { assignee: null });
    expect(none.body.assignee).toBeNull();
    const events = (await as.analyst.call('GET', `/api/cases/${id}`)).body.events.filter((e: any) => e.kind === 'assign');
    expect(events.map((e: any) => e.comment)).toEqual(['assigned to analyst', 'unassigned']);
  });
});

describe('case exports', () => {
  let id: number;
  let lead: GeoLead;
  beforeAll(async () => {
    const c = (await as.analyst.call('GET', '/api/cases?state=closed')).body.items[0];
    id = c.case_id;
    lead = leads.find((l) => l.lead_id === c.lead_id)!;
  });

  const TYPES: Record<string, string> = {
    pdf: 'application/pdf', geojson: 'application/geo+json', kml: 'application/vnd.google-earth.kml+xml', csv: 'text/csv; charset=utf-8', ftm: 'application/json',
  };

  it('renders every format with its content type, as an attachment, and audits each as case.export', async () => {
    for (const [format, type] of Object.entries(TYPES)) {
      const r = await download(base, as.analyst, `/api/cases/${id}/export?format=${format}`);
      expect({ format, status: r.status, type: r.type }).toEqual({ format, status: 200, type });
      expect(r.disposition).toMatch(new RegExp(`^attachment; filename="case-${id}\\.(pdf|geojson|kml|csv|json)"$`));
      expect(r.bytes.length).toBeGreaterThan(100);
    }
    const pdf = await download(base, as.analyst, `/api/cases/${id}/export?format=pdf`);
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const geo = JSON.parse((await download(base, as.analyst, `/api/cases/${id}/export?format=geojson`)).text);
    expect(geo.type).toBe('FeatureCollection');
    expect((await download(base, as.analyst, `/api/cases/${id}/export?format=kml`)).text).toContain('<kml');
    const csv = (await download(base, as.analyst, `/api/cases/${id}/export?format=csv`)).text;
    expect(csv.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('seller_id,shop_name,network_id,score,parcels,shared_identifier_kinds,shares_with');
    expect(csv).toContain(lead.seller_ids[0]);
    expect(JSON.parse((await download(base, as.analyst, `/api/cases/${id}/export?format=ftm`)).text)).toBeTruthy();
    expect(pdfText(pdf.bytes)).toContain(lead.seller_ids[0]);
    const audited = (await as.supervisor.call('GET', `/api/audit?action=case.export&object_id=${id}&user=analyst`)).body.items as any[];
    expect(audited).toHaveLength(Object.keys(TYPES).length + 5);
    expect(new Set(audited.map((e) => JSON.parse(e.detail).format))).toEqual(new Set(Object.keys(TYPES)));
  });

  it('gives the police liaison exports without a single real seller id', async () => {
    for (const format of ['geojson', 'kml', 'csv', 'ftm']) {
      const r = await download(base, as['west-police'], `/api/cases/${id}/export?format=${format}`);
      expect({ format, status: r.status }).toEqual({ format, status: 200 });
      for (const s of lead.seller_ids) expect(r.text, `${format} shows ${s}`).not.toContain(s);
      if (format !== 'kml') expect(r.text, format).toMatch(/acct-[0-9a-f]{12}/);
    }
    const pdf = await download(base, as['west-police'], `/api/cases/${id}/export?format=pdf`);
    expect(pdf.status).toBe(200);
    const text = pdfText(pdf.bytes);
    expect(text).toMatch(/acct-[0-9a-f]{12}/);
    for (const s of lead.seller_ids) expect(text, `the PDF shows ${s}`).not.toContain(s);
    const audited = (await as.supervisor.call('GET', `/api/audit?action=case.export&object_id=${id}&user=west-police`)).body;
    expect(audited.total).toBe(5);
  });

  it('refuses a rights holder, an admin and a programme manager (403), and hides the case from the other agency (404)', async () => {
    for (const name of ['brand-owner', 'admin', 'programme']) {
      const r = await as[name].call('GET', `/api/cases/${id}/export?format=csv`);
      expectError(r, 403, 'forbidden');
    }
    const hidden = await as['east-police'].call('GET', `/api/cases/${id}/export?format=csv`);
    const missing = await as['east-police'].call('GET', '/api/cases/987654/export?format=csv');
    expectError(hidden, 404, 'not_found');
    expect(withoutId(hidden.body.error.message, id)).toBe(withoutId(missing.body.error.message, 987654));
  });

  it('refuses an unknown or missing format (400 naming format)', async () => {
    expectError(await as.analyst.call('GET', `/api/cases/${id}/export?format=docx`), 400, 'invalid_request', 'format');
    expectError(await as.analyst.call('GET', `/api/cases/${id}/export`), 400, 'invalid_request', 'format');
  });
});

describe('administration: users and partners', () => {
  it('lists users for an admin, without password hashes', async () => {
    const r = await as.admin.call('GET', '/api/users');
    expect(r.status).toBe(200);
    expect(r.body.items.map((u: any) => u.name)).toEqual(expect.arrayContaining(ROLE_USERS));
    expect(r.body.items.find((u: any) => u.name === 'east-police')).toMatchObject({ role: 'police_liaison', agency_id: 'east-psb' });
    for (const u of r.body.items) expect(u).not.toHaveProperty('password');
    expect(JSON.stringify(r.body)).not.toContain('scrypt');
  });

  it('adds a user who can then sign in', async () => {
    const r = await as.admin.call('POST', '/api/users', { name: 'analyst-2', role: 'analyst', password: 'correct horse battery' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: 'analyst-2', role: 'analyst', agency_id: null, brands: [], disabled_at: null });
    expect(r.body).not.toHaveProperty('password');
    const c = await signIn(base, 'analyst-2', 'correct horse battery');
    expect((await c.call('GET', '/api/session')).body.user.name).toBe('analyst-2');
    const added = (await as.admin.call('GET', '/api/audit?action=user.add&user=admin')).body.items as any[];
    expect(added.map((e) => JSON.parse(e.detail).name)).toContain('analyst-2');
  });

  it('refuses a user the roles do not allow, or a short password, naming the field', async () => {
    const add = (body: Record<string, unknown>) => as.admin.call('POST', '/api/users', { password: 'long enough password', ...body });
    expectError(await add({ name: 'cop', role: 'police_liaison' }), 400, 'invalid_request', 'agency_id');
    expectError(await add({ name: 'cop', role: 'police_liaison', agency_id: 'north-pole' }), 400, 'invalid_request', 'north-pole');
    expectError(await add({ name: 'owner', role: 'rights_holder' }), 400, 'invalid_request', 'brands');
    expectError(await add({ name: 'owner', role: 'analyst', brands: ['Nike'] }), 400, 'invalid_request', 'brands');
    expectError(await add({ name: 'short', role: 'analyst', password: 'abc' }), 400, 'invalid_request', 'password');
    expectError(await add({ name: 'chief', role: 'chief' }), 400, 'invalid_request', 'role');
    expectError(await add({ name: 'x', role: 'analyst' }), 400, 'invalid_request', 'name');
    expectError(await add({ name: 'analyst', role: 'analyst' }), 400, 'invalid_request', 'exists');
    expectError(await as.supervisor.call('POST', '/api/users', { name: 'sneaky', role: 'admin', password: 'long enough password' }), 403, 'forbidden');
    const names = (await as.admin.call('GET', '/api/users')).body.items.map((u: any) => u.name);
    expect(names).not.toContain('cop');
    expect(names).not.toContain('sneaky');
  });

  const north = {
    partner_id: 'north-psb',
    name: 'North District PSB',
    jurisdiction: { type: 'Polygon', coordinates: [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]] },
    categories: ['shoes'],
    valid_from: '2025-01-01',
  };

  it('adds a partner through the API, then shows it', async () => {
    const r = await as.admin.call('POST', '/api/partners', north);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ partner_id: 'north-psb', categories: ['shoes'], valid_from: '2025-01-01', valid_to: null, jurisdiction: north.jurisdiction });
    const one = await as.analyst.call('GET', '/api/partners/north-psb');
    expect(one.status).toBe(200);
    expect(one.body.name).toBe('North District PSB');
    expect((await as.supervisor.call('GET', '/api/partners')).body.items.map((p: any) => p.partner_id)).toEqual(['city-amr', 'east-psb', 'north-psb', 'west-psb']);
    expectError(await as.analyst.call('GET', '/api/partners/south-psb'), 404, 'not_found', 'south-psb');
    expectError(await as.analyst.call('GET', `/api/partners/${'p'.repeat(65)}`), 400, 'invalid_request', 'partner_id');
  });

  it('refuses an invalid partner (400 naming the field), a duplicate, and a non-admin (403)', async () => {
    const add = (p: Record<string, unknown>) => as.admin.call('POST', '/api/partners', { ...north, partner_id: 'south-psb', ...p });
    expectError(await add({ jurisdiction: { type: 'Point', coordinates: [10, 10] } }), 400, 'invalid_request', 'jurisdiction');
    expectError(await add({ jurisdiction: { type: 'Polygon', coordinates: [[[10, 10], [11, 10], [11, 11], [10, 11]]] } }), 400, 'invalid_request', 'jurisdiction');
    expectError(await add({ jurisdiction: { type: 'Polygon', coordinates: [[[200, 10], [201, 10], [201, 11], [200, 10]]] } }), 400, 'invalid_request', 'jurisdiction');
    expectError(await add({ categories: [] }), 400, 'invalid_request', 'categories');
    expectError(await add({ partner_id: 'bad id!' }), 400, 'invalid_request', 'partner_id');
    expectError(await add({ valid_to: '2024-01-01' }), 400, 'invalid_request', '2024-01-01');
    expectError(await add({ partner_id: 'north-psb' }), 400, 'invalid_request', 'exists');
    expectError(await as.supervisor.call('POST', '/api/partners', { ...north, partner_id: 'south-psb' }), 403, 'forbidden');
    expectError(await as.analyst.call('GET', '/api/partners/south-psb'), 404, 'not_found');
  });
});

describe('the audit log', () => {
  it('is read by a supervisor or an admin, newest first, filtered; an analyst gets 403', async () => {
    const r = await as.supervisor.call('GET', '/api/audit?limit=20');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(20);
    const seqs = r.body.items.map((e: any) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => b - a));
    expect(r.body.total).toBeGreaterThan(20);
    const opens = (await as.admin.call('GET', '/api/audit?action=case.open')).body;
    expect(opens.total).toBe(4);
    expect(opens.items.every((e: any) => e.action === 'case.open' && e.user_name === 'analyst' && e.object_type === 'case')).toBe(true);
    for (const name of ['analyst', 'west-police', 'brand-owner', 'programme']) expectError(await as[name].call('GET', '/api/audit'), 403, 'forbidden');
    expectError(await as.supervisor.call('GET', '/api/audit?limit=0'), 400, 'invalid_request', 'limit');
    const reads = (await as.admin.call('GET', '/api/audit?action=audit.read&user=supervisor')).body;
    expect(reads.total).toBeGreaterThan(0);
  });

  it('verifies: the chain is whole', async () => {
    const total = (await as.admin.call('GET', '/api/audit?limit=1')).body.total;
    const r = await as.supervisor.call('GET', '/api/audit/verify');
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.problem).toBeUndefined();
    // One more entry since: the admin's read just now.
    expect(r.body.entries).toBe(total + 1);
    expect((await as.admin.call('GET', '/api/audit/verify')).body.ok).toBe(true);
    expectError(await as.analyst.call('GET', '/api/audit/verify'), 403, 'forbidden');
  });
});

describe('reports by rights holders', () => {
  let brand: string;
  let otherBrand: string;
  beforeAll(() => {
    brand = tw.users['brand-owner'].brands![0];
    otherBrand = leads.flatMap((l) => l.brands).find((b) => b !== brand)!;
  });

  const report = (b: string) => ({ brand: b, target_type: 'listing', target_id: 'LST-1', source: 'test_buy', verdict: 'counterfeit', note: 'stitching wrong' });

  it('files a report for their own brand (201), not for another (403)', async () => {
    const r = await as['brand-owner'].call('POST', '/api/reports', report(brand));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ ...report(brand), filed_by: 'brand-owner' });
    expect(r.body.report_id).toMatch(/^ws-report-[0-9a-f-]{36}$/);
    expectError(await as['brand-owner'].call('POST', '/api/reports', report(otherBrand)), 403, 'forbidden', otherBrand);
    expectError(await as['brand-owner'].call('POST', '/api/reports', { ...report(brand), verdict: 'fake' }), 400, 'invalid_request', 'verdict');
    expectError(await as['brand-owner'].call('POST', '/api/reports', { ...report(brand), target_type: 'shop' }), 400, 'invalid_request', 'target_type');
    expectError(await as.analyst.call('POST', '/api/reports', report(brand)), 403, 'forbidden');
    const filed = (await as.supervisor.call('GET', '/api/audit?action=report.file')).body;
    expect(filed.total).toBe(1);
  });

  it('shows a rights holder only their brands\' reports; the team sees all', async () => {
    const made = await as.admin.call('POST', '/api/users', { name: 'other-owner', role: 'rights_holder', brands: [otherBrand], password: 'another long password' });
    expect(made.status).toBe(201);
    const other = await signIn(base, 'other-owner', 'another long password');
    expect((await other.call('POST', '/api/reports', report(otherBrand))).status).toBe(201);
    const mine = (await as['brand-owner'].call('GET', '/api/reports')).body;
    expect(mine.total).toBe(1);
    expect(mine.items.map((x: any) => x.brand)).toEqual([brand]);
    const theirs = (await other.call('GET', '/api/reports')).body;
    expect(theirs.items.map((x: any) => x.brand)).toEqual([otherBrand]);
    const team = (await as.analyst.call('GET', '/api/reports')).body;
    expect(team.total).toBe(2);
    expect(team.items.map((x: any) => x.brand).sort()).toEqual([brand, otherBrand].sort());
    expectError(await as.analyst.call('GET', '/api/reports?limit=5000'), 400, 'invalid_request', 'limit');
  });
});

describe('runs and figures', () => {
  it('lists the registered runs', async () => {
    const r = await as.analyst.call('GET', '/api/runs');
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([expect.objectContaining({ run_id: 1, label: 'demo run', leads: leads.length, out_dir: tw.results, timezone: 'Asia/Shanghai' })]);
  });

  it('compares two runs for the team; a missing or unknown run is 400 or 404', async () => {
    const r = await as.analyst.call('GET', '/api/runs/compare?from=1&to=1');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ from_run: 1, to_run: 1, new: [], gone: [] });
    expect(r.body.continuing).toHaveLength(leads.length);
    expectError(await as.analyst.call('GET', '/api/runs/compare?from=1'), 400, 'invalid_request', 'to');
    expectError(await as.analyst.call('GET', '/api/runs/compare?from=1&to=9'), 404, 'not_found', 'run 9');
  });

  it('gives aggregate figures: leads by status as the run has them', async () => {
    const r = await as.supervisor.call('GET', '/api/stats');
    expect(r.status).toBe(200);
    const byStatus: Record<string, number> = {};
    for (const l of leads) byStatus[l.status] = (byStatus[l.status] ?? 0) + 1;
    expect(r.body.leads_by_status).toEqual(byStatus);
    expect(Object.values<number>(r.body.cases_by_state).reduce((s, n) => s + n, 0)).toBe(4);
  });
});
