/**
 * The impact routes' response shapes (src/server/routes/impact.ts), apart so
 * that the console derives its types from them without the server's code.
 */
import { z } from '@hono/zod-openapi';

export const Num = z.number();
export const NumN = z.number().nullable();
export const Int = z.number().int();

export const Figures = z
  .object({
    month: z.string(), region: z.string(), leads_referred: Int, cases_opened: Int, cases_referred: Int, raids: Int, sites_found: Int,
    sites_by_kind: z.object({ production: Int, storage: Int, shipping: Int, unrecorded: Int }),
    arrests: Int, value_seized: Num, lead_to_raid_conversion: NumN, median_days_first_parcel_to_lead: NumN, median_days_lead_to_raid: NumN,
  })
  .openapi('OutcomeFigures');

export const StatusCounts = z.object({ continued: Int, paused: Int, stopped: Int, moved: Int });
export const RaidDeterrence = z
  .object({
    outcome_id: z.string(), source: z.enum(['workspace', 'dataset', 'run']), case_id: Int.nullable(), date: z.string().nullable(),
    lat: NumN, lng: NumN, result: z.string().nullable(), region: z.string(), leads_watched: Int,
    parcels_per_day_before: Num, parcels_per_day_after: Num, dip: NumN, status_after: StatusCounts, median_paused_days: NumN, enrolments_after: Int,
    leads: z.array(z.object({
      lead_id: z.string(), lat: NumN, lng: NumN, distance_m: Num, parcels_per_day_before: Num, parcels_per_day_after: Num, paused_days: Int, status_after: z.string(),
    })).optional().openapi({ description: 'the watched leads, for the enforcement team only' }),
    activity: z.array(z.object({ day: Int, parcels: Int })).openapi({ description: "the watched leads' parcels per day from 28 days before the raid (day -28) to 28 after, summed" }),
  })
  .openapi('RaidDeterrence');

export const Point = z.object({ lat: Num, lng: Num }).nullable();
export const Resurfacing = z
  .object({
    run_id: Int, from_lead_id: z.string(), to_lead_id: z.string(), network_id: z.string().nullable(), quiet_from: z.string(), resumed_at: z.string(),
    distance_m: Num, evidence: z.string(), case_id: Int.nullable(), from: Point, to: Point,
  })
  .openapi('Resurfacing');

export const Programme = z
  .object({
    run_id: Int.nullable(),
    currency: z.string().nullable(),
    headline: z.object({
      belts: Int, factories: Int, factories_enrolled: Int, categories: z.array(z.string()), daily_turnover: NumN,
      period: z.object({ from: z.string(), to: z.string() }).nullable(),
      growth: z.object({ turnover: Num, year_before: Num, growth: NumN }).nullable(),
      total_turnover: Num, orders: Int,
    }),
    belts: z.array(z.object({
      belt_id: z.string(), name: z.string(), city: z.string().nullable(), province: z.string().nullable(), categories: z.array(z.string()),
      lat: NumN, lng: NumN, factories: Int, enrolled: Int, turnover: Num, daily_turnover: NumN,
    })),
    share_by_province: z.array(z.object({ province: z.string(), turnover: Num, share: Num })),
    by_belt: z.array(z.object({ month: z.string(), belt_id: z.string(), turnover: Num })),
    by_category: z.array(z.object({ month: z.string(), category: z.string(), turnover: Num })),
    enrolments_by_month: z.array(z.object({ month: z.string(), enrolled: Int })),
  })
  .openapi('Programme');

export const Candidate = z
  .object({
    rank: Int, seller_id: z.string(), factory_id: z.string().nullable(), factory_name: z.string().nullable(), belt_id: z.string().nullable(),
    belt_name: z.string().nullable(), score: Num, evidence: z.array(z.string()),
  })
  .openapi('Candidate');

export const Capacity = z
  .object({
    factory_id: z.string(), factory_name: z.string().nullable(), belt_id: z.string().nullable(), capacity_per_month: Int.nullable(), enrolled_at: z.string().nullable(),
    oem_brands: z.array(z.string()), source: z.enum(['run', 'workspace']),
    links: z.array(z.object({ link: z.string(), seller_id: z.string().nullable(), lead_id: z.string().nullable(), network_id: z.string().nullable(), evidence: z.array(z.string()) })),
  })
  .openapi('CapacityAtRisk');

export const Notification = z
  .object({ notification_id: Int, at: z.string(), kind: z.string(), case_id: Int.nullable(), message: z.string(), data: z.record(z.string(), z.unknown()).nullable(), read_at: z.string().nullable() })
  .openapi('Notification');

export const OutcomesOut = z
  .object({ rows: z.array(Figures), totals: z.array(Figures), all: Figures, regions: z.array(z.object({ region: z.string(), name: z.string() })) })
  .openapi('Outcomes');

export const DeterrenceOut = z
  .object({
    run_id: Int.nullable(),
    raids: z.array(RaidDeterrence),
    by_region: z.array(z.object({ region: z.string(), month: z.string(), raids: Int, leads_watched: Int, parcels_per_day_before: Num, parcels_per_day_after: Num, dip: NumN, stopped: Int, moved: Int, paused: Int, continued: Int })),
  })
  .openapi('Deterrence');

export const CandidatePage = z.object({ items: z.array(Candidate), total: Int, limit: Int, offset: Int, next_offset: Int.nullable() }).openapi('CandidatePage');
