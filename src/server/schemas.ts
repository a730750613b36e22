/**
 * The API's schemas, one place for validation and the OpenAPI document
 * (served at /api/openapi.json): every parameter, query and body the server
 * takes is checked against these, and every error has the ErrorBody shape.
 */
import { z } from '@hono/zod-openapi';
import { CASE_STATES, ROLES, SITE_KINDS } from '../workspace/types.ts';
import { LEAD_STATUSES } from '../contract/results.ts';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'not_found', description: 'machine-readable: unauthenticated, forbidden, not_found, invalid_request, invalid_transition, conflict, csrf, too_many_attempts' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

export const Role = z.enum(ROLES).openapi('Role');
export const CaseState = z.enum(CASE_STATES).openapi('CaseState');
const LeadStatus = z.enum(LEAD_STATUSES);

export const UserOut = z
  .object({
    user_id: z.number().int(),
    name: z.string(),
    role: Role,
    agency_id: z.string().nullable(),
    brands: z.array(z.string()),
    created_at: z.string(),
    disabled_at: z.string().nullable(),
  })
  .openapi('User');

export const SignIn = z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).openapi('SignIn');
export const SessionOut = z
  .object({
    user: UserOut,
    csrf_token: z.string(),
    expires_at: z.string().optional(),
    // Every role's console shows dates in the dataset's time zone and money in its currency, police liaisons included (they may not list runs).
    timezone: z.string().nullable().optional().openapi({ description: "the latest run's dataset time zone (IANA), null before any run" }),
    currency: z.string().nullable().optional().openapi({ description: "the latest run's currency, null when unknown" }),
  })
  .openapi('Session');

export const Lead = z
  .object({
    run_id: z.number().int(),
    lead_id: z.string(),
    rank: z.number().int(),
    score: z.number(),
    lat: z.number(),
    lng: z.number(),
    radius_m: z.number(),
    seller_ids: z.array(z.string()),
    network_ids: z.array(z.string()),
    waybills: z.number().int(),
    night_share: z.number(),
    first_seen: z.string(),
    last_seen: z.string(),
    status: LeadStatus,
    successor_lead_id: z.string().nullable(),
    brands: z.array(z.string()),
    categories: z.array(z.string()),
    est_value: z.number().nullable().openapi({ description: 'null for a rights holder: the value mixes brands' }),
    evidence: z.array(z.string()),
    case_id: z.number().int().nullable().optional().openapi({ description: 'the open case on this site, for analysts and supervisors' }),
  })
  .openapi('Lead');

export const Page = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z
    .object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int(), next_offset: z.number().int().nullable() })
    .openapi(name);

const intQ = (def: number, min: number, max: number, description: string) =>
  z.coerce.number().int().min(min).max(max).default(def).openapi({ description });

export const PageQuery = {
  limit: intQ(50, 1, 1000, 'items per page, at most 1000'),
  offset: intQ(0, 0, 10_000_000, 'items to skip'),
};

export const LeadQuery = z.object({
  run: z.coerce.number().int().min(1).optional().openapi({ description: 'run id; the latest run by default' }),
  status: LeadStatus.optional(),
  min_score: z.coerce.number().min(0).max(1).optional(),
  max_score: z.coerce.number().min(0).max(1).optional(),
  brand: z.string().min(1).max(200).optional(),
  category: z.string().min(1).max(200).optional(),
  bbox: z
    .string()
    .regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$/, 'bbox is min_lng,min_lat,max_lng,max_lat')
    .optional()
    .openapi({ description: 'area: min_lng,min_lat,max_lng,max_lat (WGS84)' }),
  sort: z.enum(['rank', 'score', 'waybills', 'last_seen', 'est_value', 'night_share']).default('rank'),
  order: z.enum(['asc', 'desc']).optional(),
  ...PageQuery,
});

export const LeadDetail = z
  .object({
    parcels_by_day: z.array(z.object({ date: z.string(), parcels: z.number().int() })),
    parcels_by_hour: z.array(z.number().int()),
    handover_points: z.array(z.object({ lat: z.number(), lng: z.number(), parcels: z.number().int() })),
    accounts: z.array(z.object({ seller_id: z.string(), shop_name: z.string().nullable(), score: z.number(), network_id: z.string(), parcels: z.number().int() })),
    identifiers: z.array(z.object({ kind: z.string(), value: z.string(), seller_ids: z.array(z.string()) })),
    listings: z.array(
      z.object({
        listing_id: z.string(), seller_id: z.string(), title: z.string(), brand: z.string().nullable(), category: z.string().nullable(),
        price: z.number(), msrp: z.number().nullable(), price_ratio: z.number().nullable(), score: z.number(),
      }),
    ),
  })
  .openapi('LeadDetail');

export const LeadFull = z
  .object({
    lead: Lead,
    detail: LeadDetail,
    history: z.array(z.object({ run_id: z.number().int(), run_label: z.string(), lead_id: z.string(), status: LeadStatus, score: z.number(), lat: z.number(), lng: z.number(), radius_m: z.number(), last_seen: z.string(), successor_lead_id: z.string().nullable() })),
  })
  .openapi('LeadFile');

export const Outcome = z
  .object({
    result: z.enum(['confirmed', 'nothing_found']),
    raid_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    seized_value: z.number().min(0).nullable().optional(),
    arrests: z.number().int().min(0).nullable().optional(),
    items: z.number().int().min(0).nullable().optional(),
    address_found: z.string().max(500).nullable().optional(),
    lat: z.number().min(-90).max(90).nullable().optional(),
    lng: z.number().min(-180).max(180).nullable().optional(),
    site_kind: z.enum(SITE_KINDS).nullable().optional().openapi({ description: 'what a confirmed raid found: a production, storage or shipping site' }),
  })
  .openapi('Outcome');

export const Case = z
  .object({
    case_id: z.number().int(),
    title: z.string(),
    state: CaseState,
    run_id: z.number().int(),
    lead_id: z.string(),
    lat: z.number(),
    lng: z.number(),
    radius_m: z.number(),
    score: z.number(),
    seller_ids: z.array(z.string()),
    network_ids: z.array(z.string()),
    brands: z.array(z.string()),
    categories: z.array(z.string()),
    assignee: z.string().nullable(),
    partner_id: z.string().nullable(),
    outcome: z.record(z.string(), z.unknown()).nullable(),
    dismiss_reason: z.string().nullable(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    resurfaced_at: z.string().nullable().openapi({ description: "when a later run found the case's operation shipping again from a new site" }),
  })
  .openapi('Case');

export const CaseEvent = z.object({
  event_id: z.number().int(), at: z.string(), user: z.string().nullable(), role: z.string().nullable(), kind: z.string(),
  from_state: z.string().nullable(), to_state: z.string().nullable(), comment: z.string(), data: z.record(z.string(), z.unknown()).nullable(),
}).openapi('CaseEvent');

export const CaseFull = z
  .object({
    case: Case,
    events: z.array(CaseEvent),
    leads: z.array(z.object({ run_id: z.number().int(), lead_id: z.string(), relation: z.string(), linked_at: z.string() })),
    allowed_transitions: z.array(z.object({ to: CaseState, label: z.string(), needs: z.string().nullable() })),
  })
  .openapi('CaseFile');

/** What a police liaison sees of a case: the referral package, accounts under pseudonyms. */
export const ReferralPackage = z
  .object({
    case_id: z.number().int(),
    title: z.string(),
    state: CaseState,
    partner_id: z.string().nullable(),
    site: z.object({ lat: z.number(), lng: z.number(), radius_m: z.number() }),
    categories: z.array(z.string()),
    evidence: z.array(z.string()),
    timeline: z.object({ parcels_by_day: z.array(z.object({ date: z.string(), parcels: z.number().int() })), parcels_by_hour: z.array(z.number().int()) }),
    accounts: z.array(z.object({ account: z.string(), score: z.number(), parcels: z.number().int() })),
    links: z.array(z.object({ kind: z.string(), accounts: z.array(z.string()) })),
    events: z.array(CaseEvent),
    outcome: z.record(z.string(), z.unknown()).nullable(),
    allowed_transitions: z.array(z.object({ to: CaseState, label: z.string(), needs: z.string().nullable() })),
  })
  .openapi('ReferralPackage');

export const NewCase = z
  .object({
    lead_id: z.string().min(1).max(200),
    run_id: z.number().int().min(1).optional().openapi({ description: 'the latest run by default' }),
    title: z.string().max(300).optional(),
    comment: z.string().max(5000).optional(),
  })
  .openapi('NewCase');

export const TransitionIn = z
  .object({
    to: CaseState,
    comment: z.string().min(1).max(5000),
    partner_id: z.string().max(64).optional(),
    raid_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    outcome: Outcome.optional(),
    reason: z.string().max(2000).optional(),
  })
  .openapi('Transition');

export const Partner = z
  .object({
    partner_id: z.string(),
    name: z.string(),
    jurisdiction: z.record(z.string(), z.unknown()).openapi({ description: 'GeoJSON Polygon or MultiPolygon' }),
    categories: z.array(z.string()),
    valid_from: z.string().nullable(),
    valid_to: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Partner');

export const NewPartner = z
  .object({
    partner_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
    name: z.string().min(1).max(200),
    jurisdiction: z.record(z.string(), z.unknown()),
    categories: z.array(z.string().min(1).max(100)).min(1),
    valid_from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable().optional(),
    valid_to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable().optional(),
  })
  .openapi('NewPartner');

export const NewUser = z
  .object({
    name: z.string().min(2).max(64),
    role: Role,
    agency_id: z.string().max(64).nullable().optional(),
    brands: z.array(z.string().min(1).max(200)).optional(),
    password: z.string().min(10).max(1024),
  })
  // What a role needs, named by its field (the store checks again, in the words of the command line).
  .superRefine((u, ctx) => {
    if (u.role === 'police_liaison' && !u.agency_id) ctx.addIssue({ code: 'custom', path: ['agency_id'], message: 'a police_liaison belongs to one agency: the partner_id of a partner of the workspace' });
    if (u.role === 'rights_holder' && !u.brands?.length) ctx.addIssue({ code: 'custom', path: ['brands'], message: 'a rights_holder holds one or more brands' });
  })
  .openapi('NewUser');

export const AuditEntry = z
  .object({
    seq: z.number().int(), at: z.string(), user_id: z.number().int().nullable(), user_name: z.string().nullable(), role: z.string().nullable(),
    ip: z.string().nullable(), action: z.string(), object_type: z.string().nullable(), object_id: z.string().nullable(),
    detail: z.string().nullable(), prev_hash: z.string(), hash: z.string(),
  })
  .openapi('AuditEntry');

export const Run = z
  .object({
    run_id: z.number().int(), out_dir: z.string(), label: z.string(), dataset_name: z.string().nullable(), method: z.string().nullable(),
    started_at: z.string().nullable(), data_end: z.string().nullable(), timezone: z.string(), currency: z.string().nullable(), leads: z.number().int(), imported_at: z.string(),
  })
  .openapi('Run');

export const NewReport = z
  .object({
    brand: z.string().min(1).max(200),
    target_type: z.enum(['listing', 'seller']),
    target_id: z.string().min(1).max(200),
    source: z.enum(['rights_holder', 'test_buy']),
    verdict: z.enum(['counterfeit', 'genuine', 'unknown']),
    note: z.string().max(5000).optional(),
  })
  .openapi('NewReport');

export const Report = NewReport.extend({ report_id: z.string(), filed_by: z.string(), created_at: z.string(), note: z.string() }).openapi('Report');

export const IdParam = (name: string) =>
  z.object({ [name]: z.coerce.number().int().min(1).openapi({ param: { name, in: 'path' } }) });
