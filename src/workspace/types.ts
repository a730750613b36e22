/**
 * Shapes shared by the workspace store, the HTTP API and the exports. A lead
 * here is the results contract's lead (shared/contract/RESULTS.md) with its
 * point, as one run registered in the workspace holds it.
 */
import type { Lead } from '../contract/results.ts';

export const ROLES = ['analyst', 'supervisor', 'police_liaison', 'rights_holder', 'programme_manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const CASE_STATES = [
  'new', 'analysing', 'offline_check', 'referral_proposed', 'referred', 'raided', 'closed', 'dismissed',
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export type LeadStatus = Lead['status'];

/** One lead of one registered run: the results contract's properties plus its point, as the run wrote them. */
export interface LeadRecord extends Lead {
  run_id: number;
}

/**
 * What the run's database says about a lead beyond the contract's
 * properties, computed once when the run is registered. Empty lists when
 * the run kept no database.
 */
export interface LeadDetail {
  /** Parcels of the lead's sellers picked up within its radius, by local date (YYYY-MM-DD). */
  parcels_by_day: { date: string; parcels: number }[];
  /** The same parcels by local hour of day, 24 entries. */
  parcels_by_hour: number[];
  /** Where the courier collected them, rounded to ~10 m, busiest first. */
  handover_points: { lat: number; lng: number; parcels: number }[];
  accounts: { seller_id: string; shop_name: string | null; score: number; network_id: string; parcels: number }[];
  /** Identifiers (phone, device, bank account, id, address hashes) shared by two or more of the accounts. */
  identifiers: { kind: string; value: string; seller_ids: string[] }[];
  listings: {
    listing_id: string;
    seller_id: string;
    title: string;
    brand: string | null;
    category: string | null;
    price: number;
    msrp: number | null;
    price_ratio: number | null;
    score: number;
  }[];
}

export interface Outcome {
  result: 'confirmed' | 'nothing_found';
  raid_date: string;
  seized_value: number | null;
  arrests: number | null;
  items: number | null;
  address_found: string | null;
  lat: number | null;
  lng: number | null;
  /** What kind of site a confirmed raid found (optional; absent when not recorded). */
  site_kind?: SiteKind | null;
}

export const SITE_KINDS = ['production', 'storage', 'shipping'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

/** Everything one export of a case shows, already cut to what the requester may see. */
export interface CaseFile {
  generated_at: string;
  generated_by: { name: string; role: Role };
  timezone: string;
  currency: string;
  case: {
    case_id: number;
    title: string;
    state: CaseState;
    created_at: string;
    categories: string[];
    brands: string[];
    partner: { partner_id: string; name: string } | null;
    outcome: Outcome | null;
  };
  lead: LeadRecord;
  /** The site across runs, oldest first: each run's lead that the case followed. */
  site_history: {
    run_id: number;
    run_label: string;
    lead_id: string;
    lat: number;
    lng: number;
    radius_m: number;
    score: number;
    status: LeadStatus;
    successor_lead_id: string | null;
    last_seen: string;
  }[];
  detail: LeadDetail;
  transitions: { at: string; user: string; role: Role; from: CaseState | null; to: CaseState; comment: string }[];
  /** The audit entries about this case, its chain of custody. */
  custody: { seq: number; at: string; user: string; role: Role | null; action: string; ip: string | null; hash: string }[];
}
