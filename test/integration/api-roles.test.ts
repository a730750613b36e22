/**
 * What each role may reach through the API, and what it may not: a table
 * of every route against every role, then each role's attempts to reach
 * data outside its scope. An object outside the caller's scope answers 404
 * exactly as one that does not exist, and shows in no list, count, search,
 * export or message. One workspace and one server for the file, with cases
 * referred to each police agency.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the API's JSON bodies, checked by value */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, eligibleIds, expectError, geoLeads, metres, moveCase, withoutId, type GeoLead, type PartnerOut } from '../helpers/api.ts';
import { makeWorkspace, serveWorkspace, signIn, type Client, type TestWorkspace } from '../helpers/workspace.ts';

let tw: TestWorkspace;
let server: Awaited<ReturnType<typeof serveWorkspace>>;
let base: string;
let leads: GeoLead[];
let partners: PartnerOut[];
const as: Record<string, Client> = {};
const ROLE_USERS = ['analyst', 'supervisor', 'west-police', 'east-police', 'brand-owner', 'programme', 'admin'];

/** Cases set up for the file: referred to the west bureau, to the east bureau, proposed to the west bureau (not approved), and new. */
const cases = { west: 0, east: 0, proposed: 0, fresh: 0 };
const caseLead: Record<keyof typeof cases, GeoLead> = {} as never;
let brand: string;
/** A lead of the rights holder's brand, and one that has none of their brands. */
let brandLead: GeoLead;
let foreignLead: GeoLead;
/** A lead no case is open on. */
let freeLead: GeoLead;

const MISSING = 987654;

beforeAll(async () => {
  tw = await makeWorkspace();
  server = await serveWorkspace(tw.wsDir);
  base = server.served.url;
  for (const name of ROLE_USERS) as[name] = await signIn(base, name, tw.users[name].password);
  leads = geoLeads(tw.results);
  partners = (await as.admin.call('GET', '/api/partners')).body.items;
  brand = tw.users['brand-owner'].brands![0];

  const taken: GeoLead[] = [];
  const pick = (ok: (l: GeoLead) => boolean) => {
    const l = leads.find((x) => x.status === 'active' && ok(x) && taken.every((t) => t.lead_id !== x.lead_id && metres(t, x) > 2000));
    if (!l) throw new Error('the test world has no lead for this test');
    taken.push(l);
    return l;
  };
  const goesTo = (id: string) => (l: GeoLead) => eligibleIds(partners, l).includes(id);
  caseLead.west = pick(goesTo('west-psb'));
  caseLead.east = pick(goesTo('east-psb'));
  caseLead.proposed = pick(goesTo('west-psb'));
  caseLead.fresh = pick(() => true);
  freeLead = pick(() => true);
  for (const k of Object.keys(cases) as (keyof typeof cases)[]) {
    const r = await as.analyst.call('POST', '/api/cases', { lead_id: caseLead[k].lead_id });
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    cases[k] = r.body.case_id;
  }
  const toProposal = (partner: string) => [
    { to: 'analysing', comment: 'looking' }, { to: 'offline_check', comment: 'checking' }, { to: 'referral_proposed', comment: 'proposing', partner_id: partner },
  ];
  await moveCase(as.analyst, cases.west, toProposal('west-psb'));
  await moveCase(as.supervisor, cases.west, [{ to: 'referred', comment: 'approved' }]);
  await moveCase(as.analyst, cases.east, toProposal('east-psb'));
  await moveCase(as.supervisor, cases.east, [{ to: 'referred', comment: 'approved' }]);
  await moveCase(as.analyst, cases.proposed, toProposal('west-psb'));

  brandLead = leads.find((l) => l.brands.includes(brand) && l.brands.length > 1)!;
  foreignLead = leads.find((l) => !l.brands.includes(brand))!;
  if (!brandLead || !foreignLead) throw new Error('the test world needs leads with and without the rights holder\'s brand');
});

afterAll(async () => {
  await server?.close();
});

describe('every route against every role', () => {
  type Row = [route: string, allowed: Record<string, number>];
  // Status by user; a user not named gets 403. The west bureau's case is referred to west-police, so east-police gets 404.
  const TEAM = { analyst: 200, supervisor: 200 };
  const table = (): Row[] => [
    ['GET /api/session', { ...TEAM, 'west-police': 200, 'east-police': 200, 'brand-owner': 200, programme: 200, admin: 200 }],
    ['GET /api/runs', { ...TEAM, 'brand-owner': 200, programme: 200 }],
    ['GET /api/runs/compare?from=1&to=1', TEAM],
    ['GET /api/leads', { ...TEAM, 'brand-owner': 200 }],
    [`GET /api/leads/${brandLead.lead_id}`, { ...TEAM, 'brand-owner': 200 }],
    ['GET /api/stats', { ...TEAM, programme: 200 }],
    ['GET /api/cases', { ...TEAM, 'west-police': 200, 'east-police': 200 }],
    [`GET /api/cases/${cases.west}`, { ...TEAM, 'west-police': 200, 'east-police': 404 }],
    [`GET /api/cases/${cases.west}/partners`, TEAM],
    [`GET /api/cases/${cases.west}/export?format=csv`, { ...TEAM, 'west-police': 200, 'east-police': 404 }],
    ['GET /api/outcomes', { ...TEAM, 'west-police': 200, 'east-police': 200 }],
    ['GET /api/users', { admin: 200 }],
    ['GET /api/partners', { ...TEAM, 'west-police': 200, 'east-police': 200, admin: 200 }],
    ['GET /api/partners/west-psb', { ...TEAM, 'west-police': 200, 'east-police': 404, admin: 200 }],
    ['GET /api/audit', { supervisor: 200, admin: 200 }],
    ['GET /api/audit/verify', { supervisor: 200, admin: 200 }],
    ['GET /api/reports', { ...TEAM, 'brand-owner': 200 }],
    ['GET /api/map/density', TEAM],
    ['GET /api/map/places', { ...TEAM, 'brand-owner': 200, 'west-police': 200, 'east-police': 200 }],
    ['GET /api/impact/outcomes', { ...TEAM, programme: 200, admin: 200, 'west-police': 200, 'east-police': 200 }],
    ['GET /api/impact/deterrence', { ...TEAM, programme: 200, admin: 200, 'west-police': 200, 'east-police': 200 }],
    ['GET /api/impact/resurfacings', { ...TEAM, 'west-police': 200, 'east-police': 200 }],
    ['GET /api/impact/programme', { ...TEAM, programme: 200, admin: 200 }],
    ['GET /api/impact/candidates', { ...TEAM, programme: 200 }],
    ['GET /api/impact/capacity-at-risk', TEAM],
    ['GET /api/notifications', { ...TEAM, 'west-police': 200, 'east-police': 200, 'brand-owner': 200, programme: 200, admin: 200 }],
  ];

  it('answers each role on each read route as its scope allows', async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const [route, allowed] of table()) {
      const [method, path] = route.split(' ');
      for (const name of ROLE_USERS) {
        const r = await as[name].call(method, path);
        got.push(`${name} ${route} ${r.status}${r.status >= 400 ? ` ${r.body.error.code}` : ''}`);
        const status = allowed[name] ?? 403;
        want.push(`${name} ${route} ${status}${status >= 400 ? ` ${status === 403 ? 'forbidden' : 'not_found'}` : ''}`);
      }
    }
    expect(got).toEqual(want);
  });

  it('refuses the roles a change is not theirs to make (403), and nothing changes', async () => {
    const before = (await as.analyst.call('GET', '/api/cases')).body.total;
    const users = (await as.admin.call('GET', '/api/users')).body.items.length;
    const refused: [string, string, unknown, string[]][] = [
      ['POST', '/api/cases', { lead_id: freeLead.lead_id }, ['west-police', 'brand-owner', 'programme', 'admin']],
      ['POST', `/api/cases/${cases.fresh}/transitions`, { to: 'analysing', comment: 'mine' }, ['brand-owner', 'programme', 'admin']],
      ['POST', `/api/cases/${cases.fresh}/comments`, { comment: 'hello' }, ['brand-owner', 'programme', 'admin']],
      ['PUT', `/api/cases/${cases.fresh}/assignee`, { assignee: 'analyst' }, ['west-police', 'brand-owner', 'programme', 'admin']],
      ['POST', '/api/users', { name: 'intruder', role: 'admin', password: 'long enough password' }, ['analyst', 'supervisor', 'west-police', 'brand-owner', 'programme']],
      ['POST', '/api/users/analyst/tokens', undefined, ['analyst', 'supervisor', 'west-police', 'brand-owner', 'programme']],
      ['DELETE', '/api/tokens/1', undefined, ['analyst', 'supervisor', 'west-police', 'brand-owner', 'programme']],
      ['POST', '/api/partners', { partner_id: 'rogue', name: 'Rogue', jurisdiction: partners[0].jurisdiction, categories: ['shoes'] }, ['analyst', 'supervisor', 'west-police', 'brand-owner', 'programme']],
      ['POST', '/api/reports', { brand, target_type: 'seller', target_id: 'S1', source: 'rights_holder', verdict: 'counterfeit' }, ['analyst', 'supervisor', 'west-police', 'programme', 'admin']],
    ];
    for (const [method, path, body, names] of refused) {
      for (const name of names) {
        const r = await as[name].call(method, path, body);
        expect({ name, route: `${method} ${path}`, status: r.status, code: r.body?.error?.code }).toEqual({ name, route: `${method} ${path}`, status: 403, code: 'forbidden' });
      }
    }
    expect((await as.analyst.call('GET', '/api/cases')).body.total).toBe(before);
    expect((await as.analyst.call('GET', `/api/cases/${cases.fresh}`)).body).toMatchObject({ case: { state: 'new', assignee: null }, events: [expect.objectContaining({ kind: 'transition' })] });
    expect((await as.admin.call('GET', '/api/users')).body.items.length).toBe(users);
    expect((await as.admin.call('GET', '/api/partners')).body.items.map((p: any) => p.partner_id)).not.toContain('rogue');
    expect((await as.analyst.call('GET', '/api/reports')).body.total).toBe(0);
  });
});

describe('police liaison: only the cases referred to their agency', () => {
  it('lists only their agency\'s referred cases, in every filter and count', async () => {
    const west = (await as['west-police'].call('GET', '/api/cases')).body;
    expect(west).toMatchObject({ total: 1, next_offset: null });
    expect(west.items.map((c: any) => c.case_id)).toEqual([cases.west]);
    const east = (await as['east-police'].call('GET', '/api/cases')).body;
    expect(east.items.map((c: any) => c.case_id)).toEqual([cases.east]);
    for (const q of ['state=referral_proposed', 'state=new', 'partner_id=east-psb', 'assignee=analyst']) {
      expect((await as['west-police'].call('GET', `/api/cases?${q}`)).body, q).toMatchObject({ items: [], total: 0 });
    }
    expect((await as['west-police'].call('GET', '/api/cases?partner_id=west-psb')).body.total).toBe(1);
  });

  it('gets 404 for every case not referred to them, worded as for a case that does not exist', async () => {
    const police = as['west-police'];
    for (const id of [cases.east, cases.proposed, cases.fresh]) {
      const paths = [
        ['GET', `/api/cases/${id}`, undefined],
        ['GET', `/api/cases/${id}/export?format=geojson`, undefined],
        ['POST', `/api/cases/${id}/transitions`, { to: 'raided', comment: 'x', raid_date: '2026-01-02' }],
        ['POST', `/api/cases/${id}/comments`, { comment: 'x' }],
      ] as const;
      for (const [method, path, body] of paths) {
        const hidden = await police.call(method, path, body);
        const missing = await police.call(method, path.replace(String(id), String(MISSING)), body);
        expectError(hidden, 404, 'not_found');
        expectError(missing, 404, 'not_found');
        expect(withoutId(hidden.body.error.message, id), `${method} ${path}`).toBe(withoutId(missing.body.error.message, MISSING));
        expect(hidden.body.error.details, `${method} ${path}`).toBeUndefined();
      }
    }
    // Nothing was changed or commented through the hidden cases.
    expect((await as.analyst.call('GET', `/api/cases/${cases.east}`)).body.events.filter((e: any) => e.kind === 'comment')).toEqual([]);
    expect((await as.analyst.call('GET', `/api/cases/${cases.east}`)).body.case.state).toBe('referred');
  });

  it('sees their case as a referral package: accounts under stable pseudonyms, no real seller id, no listings', async () => {
    const lead = caseLead.west;
    const r = await as['west-police'].call('GET', `/api/cases/${cases.west}`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(
      ['accounts', 'allowed_transitions', 'case_id', 'categories', 'events', 'evidence', 'links', 'outcome', 'partner_id', 'site', 'state', 'timeline', 'title'].sort(),
    );
    expect(r.body.accounts.length).toBe(lead.seller_ids.length);
    const pseudonyms = r.body.accounts.map((a: any) => a.account);
    for (const p of pseudonyms) expect(p).toMatch(/^acct-[0-9a-f]{12}$/);
    expect(new Set(pseudonyms).size).toBe(pseudonyms.length);
    for (const l of r.body.links) for (const a of l.accounts) expect(pseudonyms).toContain(a);
    expect(r.body.timeline.parcels_by_hour).toHaveLength(24);
    const text = JSON.stringify(r.body);
    for (const s of lead.seller_ids) expect(text).not.toContain(s);
    // The same accounts, the same pseudonyms, in the exports.
    const csv = (await download(base, as['west-police'], `/api/cases/${cases.west}/export?format=csv`)).text;
    for (const p of pseudonyms) expect(csv).toContain(p);
    for (const s of lead.seller_ids) expect(csv).not.toContain(s);
  });

  it('sees only their own agency among the partners', async () => {
    const list = (await as['west-police'].call('GET', '/api/partners')).body.items;
    expect(list.map((p: any) => p.partner_id)).toEqual(['west-psb']);
    const hidden = await as['west-police'].call('GET', '/api/partners/east-psb');
    const missing = await as['west-police'].call('GET', '/api/partners/south-psb');
    expectError(hidden, 404, 'not_found');
    expect(withoutId(hidden.body.error.message, 'east-psb')).toBe(withoutId(missing.body.error.message, 'south-psb'));
  });

  it('sees only their own results among the outcomes', async () => {
    await moveCase(as['east-police'], cases.east, [
      { to: 'raided', comment: 'in', raid_date: '2026-02-03' },
      { to: 'closed', comment: 'empty', outcome: { result: 'nothing_found' } },
    ]);
    expect((await as['east-police'].call('GET', '/api/outcomes')).body.items.map((o: any) => o.outcome_id)).toEqual([`ws-case-${cases.east}`]);
    expect((await as['west-police'].call('GET', '/api/outcomes')).body.items).toEqual([]);
    expect((await as.analyst.call('GET', '/api/outcomes')).body.items.map((o: any) => o.outcome_id)).toEqual([`ws-case-${cases.east}`]);
  });

  it('may not move a case the way only the team does', async () => {
    const r = await as['west-police'].call('POST', `/api/cases/${cases.west}/transitions`, { to: 'dismissed', comment: 'no', reason: 'no' });
    expectError(r, 409, 'invalid_transition');
  });
});

describe('rights holder: only leads and listings of their brands', () => {
  const mine = () => leads.filter((l) => l.brands.includes(brand));

  it('lists only leads carrying their brand, showing no other brand and no value mixing brands', async () => {
    const r = await as['brand-owner'].call('GET', '/api/leads?limit=1000');
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(mine().length);
    expect(r.body.total).toBeLessThan(leads.length);
    expect(r.body.items.map((l: any) => l.lead_id)).toEqual(mine().map((l) => l.lead_id));
    for (const item of r.body.items) {
      expect(item.brands).toEqual([brand]);
      expect(item.est_value).toBeNull();
      expect(item.evidence.some((e: string) => e.startsWith('estimated sales'))).toBe(false);
      expect(item).not.toHaveProperty('case_id');
    }
  });

  it('never sees another brand\'s name in a lead or its file; listings are theirs only, identifiers withheld', async () => {
    for (const lead of mine()) {
      const others = lead.brands.filter((b) => b !== brand);
      const item = (await as['brand-owner'].call('GET', `/api/leads?limit=1000`)).body.items.find((l: any) => l.lead_id === lead.lead_id);
      const file = await as['brand-owner'].call('GET', `/api/leads/${lead.lead_id}`);
      expect(file.status).toBe(200);
      const text = JSON.stringify(item) + JSON.stringify(file.body);
      for (const b of others) {
        expect(text, `${lead.lead_id} shows ${b}`).not.toContain(`"${b}"`);
        // A short name (a2) may occur inside ids and hashes; a longer one anywhere is a leak (a listing title, say).
        if (b.length >= 3) expect(text, `${lead.lead_id} shows ${b}`).not.toContain(b);
      }
      expect(file.body.detail.listings.every((l: any) => l.brand === brand)).toBe(true);
      expect(file.body.detail.identifiers).toEqual([]);
      expect(file.body.lead.brands).toEqual([brand]);
    }
    const team = (await as.analyst.call('GET', `/api/leads/${brandLead.lead_id}`)).body;
    expect(team.detail.listings.some((l: any) => l.brand !== brand)).toBe(true);
  });

  it("sees a moved site's successor only when that lead carries their brand too", async () => {
    const moved = mine().filter((l) => l.successor_lead_id);
    expect(moved.length, 'the test world needs a moved site of the brand').toBeGreaterThan(0);
    const items = (await as['brand-owner'].call('GET', '/api/leads?limit=1000')).body.items;
    for (const lead of moved) {
      const successor = leads.find((l) => l.lead_id === lead.successor_lead_id)!;
      const expected = successor.brands.includes(brand) ? successor.lead_id : null;
      expect(items.find((l: any) => l.lead_id === lead.lead_id).successor_lead_id, lead.lead_id).toBe(expected);
      const file = (await as['brand-owner'].call('GET', `/api/leads/${lead.lead_id}`)).body;
      expect(file.lead.successor_lead_id, lead.lead_id).toBe(expected);
      for (const h of file.history) if (h.successor_lead_id) expect((await as['brand-owner'].call('GET', `/api/leads/${h.successor_lead_id}`)).status).toBe(200);
    }
  });

  it('gets 404 for a lead without their brands, worded as for a lead that does not exist', async () => {
    const hidden = await as['brand-owner'].call('GET', `/api/leads/${foreignLead.lead_id}`);
    const missing = await as['brand-owner'].call('GET', '/api/leads/L-0000000000');
    expectError(hidden, 404, 'not_found');
    expect(withoutId(hidden.body.error.message, foreignLead.lead_id)).toBe(withoutId(missing.body.error.message, 'L-0000000000'));
  });

  it('counts only their brand\'s leads in every filter and in the runs list', async () => {
    for (const category of ['shoes', 'appliances', 'luggage']) {
      const got = (await as['brand-owner'].call('GET', `/api/leads?category=${category}`)).body.total;
      expect(got, category).toBe(mine().filter((l) => l.categories.includes(category)).length);
    }
    expect((await as['brand-owner'].call('GET', `/api/leads?brand=${encodeURIComponent(brand)}`)).body.total).toBe(mine().length);
    const runs = (await as['brand-owner'].call('GET', '/api/runs')).body.items;
    expect(runs).toEqual([expect.objectContaining({ run_id: 1, leads: mine().length, out_dir: '' })]);
    expect((await as.analyst.call('GET', '/api/runs')).body.items[0].leads).toBe(leads.length);
  });

  it('may not search by another brand (403)', async () => {
    const other = foreignLead.brands[0];
    expectError(await as['brand-owner'].call('GET', `/api/leads?brand=${encodeURIComponent(other)}`), 403, 'forbidden', other);
  });

  it('sees no cases, referrals, outcomes or figures', async () => {
    for (const path of ['/api/cases', `/api/cases/${cases.west}`, `/api/cases/${cases.west}/partners`, '/api/outcomes', '/api/stats', '/api/partners']) {
      expectError(await as['brand-owner'].call('GET', path), 403, 'forbidden');
    }
  });
});

describe('programme manager: aggregates only', () => {
  it('gets the figures, with no seller, lead or case detail in them', async () => {
    const r = await as.programme.call('GET', '/api/stats');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['arrests', 'by_month', 'cases_by_state', 'leads_by_status', 'run_id', 'sites_confirmed', 'value_seized']);
    expect(r.body.cases_by_state).toMatchObject({ referred: 1, referral_proposed: 1, new: 1, closed: 1 });
    const text = JSON.stringify(r.body);
    for (const l of leads) {
      expect(text).not.toContain(l.lead_id);
      for (const s of l.seller_ids) expect(text).not.toContain(s);
    }
  });

  it('gets no leads and no cases', async () => {
    for (const path of ['/api/leads', `/api/leads/${brandLead.lead_id}`, '/api/cases', `/api/cases/${cases.west}`, `/api/cases/${cases.west}/export?format=pdf`, '/api/outcomes', '/api/reports', '/api/audit']) {
      expectError(await as.programme.call('GET', path), 403, 'forbidden');
    }
  });
});

describe('admin: users, partners, tokens and the audit; no case content', () => {
  it('gets no leads, cases, outcomes, exports or figures', async () => {
    for (const path of ['/api/leads', `/api/leads/${brandLead.lead_id}`, '/api/cases', `/api/cases/${cases.west}`, `/api/cases/${cases.west}/export?format=geojson`, `/api/cases/${cases.west}/partners`, '/api/outcomes', '/api/stats', '/api/reports']) {
      expectError(await as.admin.call('GET', path), 403, 'forbidden');
    }
    expectError(await as.admin.call('POST', `/api/cases/${cases.west}/comments`, { comment: 'peek' }), 403, 'forbidden');
  });

  it('manages users, partners and tokens, and reads the audit', async () => {
    expect((await as.admin.call('GET', '/api/users')).status).toBe(200);
    expect((await as.admin.call('GET', '/api/partners')).body.items).toHaveLength(3);
    const t = await as.admin.call('POST', '/api/users/west-police/tokens');
    expect(t.status).toBe(201);
    // The token is its user's, with their scope, not the admin's.
    const asPolice = await fetch(`${base}/api/cases`, { headers: { authorization: `Bearer ${t.body.token}` } }).then((res) => res.json());
    expect(asPolice.items.map((c: any) => c.case_id)).toEqual([cases.west]);
    expect((await fetch(`${base}/api/users`, { headers: { authorization: `Bearer ${t.body.token}` } })).status).toBe(403);
    expect((await as.admin.call('DELETE', `/api/tokens/${t.body.token_id}`)).status).toBe(200);
    expect((await as.admin.call('GET', '/api/audit?limit=5')).status).toBe(200);
  });
});

describe('analyst: leads and cases up to the referral proposal', () => {
  it('may propose a referral but not approve, reject, record a raid or close', async () => {
    const r = await as.analyst.call('GET', `/api/cases/${cases.proposed}`);
    expect(r.body.allowed_transitions).toEqual([]);
    for (const to of ['referred', 'offline_check']) {
      expectError(await as.analyst.call('POST', `/api/cases/${cases.proposed}/transitions`, { to, comment: 'x' }), 409, 'invalid_transition');
    }
    expectError(await as.analyst.call('POST', `/api/cases/${cases.west}/transitions`, { to: 'raided', comment: 'x', raid_date: '2026-01-01' }), 409, 'invalid_transition');
    expectError(await as.analyst.call('POST', `/api/cases/${cases.west}/transitions`, { to: 'closed', comment: 'x', outcome: { result: 'confirmed', raid_date: '2026-01-01' } }), 409, 'invalid_transition');
    expect((await as.supervisor.call('GET', `/api/cases/${cases.proposed}`)).body.allowed_transitions.map((t: any) => t.to).sort()).toEqual(['dismissed', 'offline_check', 'referred']);
  });
});
