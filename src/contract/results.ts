/**
 * The results contract (shared/contract/RESULTS.md, version 1): what one
 * analysis run writes. The writer and `dragnet evaluate` both go through
 * these schemas, so a run that breaks the contract fails loudly.
 */
import { z } from 'zod';

export const LEAD_STATUSES = ['active', 'dormant', 'moved'] as const;

export const LeadPropertiesSchema = z.object({
  lead_id: z.string().min(1),
  rank: z.number().int().min(1),
  score: z.number().min(0).max(1),
  radius_m: z.number().positive(),
  seller_ids: z.array(z.string()),
  network_ids: z.array(z.string()),
  waybills: z.number().int().min(0),
  night_share: z.number().min(0).max(1),
  first_seen: z.string().nullable(),
  last_seen: z.string().nullable(),
  status: z.enum(LEAD_STATUSES),
  successor_lead_id: z.string().nullable(),
  brands: z.array(z.string()),
  categories: z.array(z.string()),
  est_value: z.number().min(0),
  evidence: z.array(z.string()),
}).passthrough();
export type LeadProperties = z.infer<typeof LeadPropertiesSchema>;

/** One lead as a run ranks and writes it, and as the workspace keeps it: its properties and its point. */
export interface Lead {
  lead_id: string;
  rank: number;
  score: number;
  lat: number;
  lng: number;
  radius_m: number;
  seller_ids: string[];
  network_ids: string[];
  waybills: number;
  night_share: number;
  first_seen: string;
  last_seen: string;
  status: (typeof LEAD_STATUSES)[number];
  successor_lead_id: string | null;
  brands: string[];
  categories: string[];
  est_value: number;
  evidence: string[];
}

export const LeadFeatureSchema = z.object({
  type: z.literal('Feature'),
  geometry: z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) }),
  properties: LeadPropertiesSchema,
});
export type LeadFeature = z.infer<typeof LeadFeatureSchema>;

export const LeadCollectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(LeadFeatureSchema),
});
export type LeadCollection = z.infer<typeof LeadCollectionSchema>;

export const RESULT_FILES = {
  leads: 'leads.geojson',
  sellerScores: 'seller_scores.csv',
  listingScores: 'listing_scores.csv',
  run: 'run.json',
  quarantine: 'quarantine',
} as const;
