/**
 * The API's shapes as the console sees them: derived from the server's own
 * schemas (src/server/schemas.ts), so a change there is a type error here.
 * Only types cross over; no server code reaches the browser bundle.
 */
import type { z } from '@hono/zod-openapi';
import type * as S from '../../../src/server/schemas.ts';

export type Role = z.infer<typeof S.Role>;
export type CaseState = z.infer<typeof S.CaseState>;
export type User = z.infer<typeof S.UserOut>;
export type Session = z.infer<typeof S.SessionOut>;
export type Lead = z.infer<typeof S.Lead>;
export type LeadStatus = Lead['status'];
export type LeadQuery = Partial<z.input<typeof S.LeadQuery>>;
export type LeadDetail = z.infer<typeof S.LeadDetail>;
export type LeadFile = z.infer<typeof S.LeadFull>;
export type Case = z.infer<typeof S.Case>;
export type CaseEvent = z.infer<typeof S.CaseEvent>;
export type CaseFile = z.infer<typeof S.CaseFull>;
export type ReferralPackage = z.infer<typeof S.ReferralPackage>;
export type AllowedTransition = CaseFile['allowed_transitions'][number];
export type NewCase = z.infer<typeof S.NewCase>;
export type TransitionIn = z.infer<typeof S.TransitionIn>;
export type Outcome = z.infer<typeof S.Outcome>;
export type Partner = z.infer<typeof S.Partner>;
export type NewPartner = z.infer<typeof S.NewPartner>;
export type NewUser = z.infer<typeof S.NewUser>;
export type AuditEntry = z.infer<typeof S.AuditEntry>;
export type Run = z.infer<typeof S.Run>;
export type Report = z.infer<typeof S.Report>;
export type NewReport = z.infer<typeof S.NewReport>;

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
  next_offset: number | null;
}

// The responses below are declared inline in their routes (routes/leads.ts, routes/map.ts), not exported as schemas.

/** GET /api/stats */
export interface Stats {
  run_id: number | null;
  leads_by_status: Record<string, number>;
  cases_by_state: Record<string, number>;
  sites_confirmed: number;
  value_seized: number;
  arrests: number;
  by_month: { month: string; cases_opened: number; referred: number; raids: number; confirmed: number; value_seized: number; arrests: number }[];
}

/** GET /api/map/density: [lng, lat, pickups] per grid cell. */
export interface Density {
  run_id: number;
  cell_m: number;
  total: number;
  max: number;
  cells: [number, number, number][];
}

export interface DensityQuery {
  cell_m?: number;
  hour_from?: number;
  hour_to?: number;
  date_from?: string;
  date_to?: string;
  min_risk?: number;
}

/** GET /api/map/places */
export interface Places {
  type: 'FeatureCollection';
  features: { type: 'Feature'; geometry: { type: 'Point'; coordinates: [number, number] }; properties: { aoi_id: string; aoi_type: string | null; name: string | null } }[];
}

export type ExportFormat = 'pdf' | 'geojson' | 'kml' | 'csv' | 'ftm';

/** The case page's view: the team's case file or the police liaison's referral package. */
export type CaseView = { kind: 'team'; file: CaseFile } | { kind: 'police'; pkg: ReferralPackage };

import type * as I from '../../../src/server/impact-schemas.ts';
export type OutcomesOut = z.infer<typeof I.OutcomesOut>;
export type OutcomeFigures = z.infer<typeof I.Figures>;
export type DeterrenceOut = z.infer<typeof I.DeterrenceOut>;
export type RaidDeterrence = z.infer<typeof I.RaidDeterrence>;
export type Resurfacing = z.infer<typeof I.Resurfacing>;
export type Programme = z.infer<typeof I.Programme>;
export type Candidate = z.infer<typeof I.Candidate>;
export type Notification = z.infer<typeof I.Notification>;
