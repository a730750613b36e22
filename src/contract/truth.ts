/**
 * Ground truth written by world generators into DATASET/truth/. The analysis
 * never reads it; only `dragnet evaluate` does.
 *
 * All files are CSV with a header row. Coordinates are always WGS84, whatever
 * the dataset's crs. Timestamps are ISO 8601 with offset; dates YYYY-MM-DD.
 *
 *   truth/sites.csv     one row per counterfeit production or storage site
 *   truth/sellers.csv   one row per seller in sellers.*
 *   truth/listings.csv  one row per listing in listings.*
 *   truth/world.json    free-form description of the world (scenario, seed, counts)
 *   truth/params.json   optional: a randomised world's drawn parameters (free-form)
 */
import { z } from 'zod';

const bool = z.union([z.boolean(), z.enum(['0', '1', 'true', 'false'])]).transform((v) => v === true || v === '1' || v === 'true');
const optionalString = z
  .string()
  .optional()
  .nullable()
  .transform((v) => (v === undefined || v === null || v === '' ? null : v));

export const TruthSiteSchema = z.object({
  site_id: z.string().min(1),
  /** Operation (counterfeit network) running the site; matches truth/sellers.csv network_id. */
  network_id: z.string().min(1),
  lat: z.coerce.number().min(-90).max(90),
  lng: z.coerce.number().min(-180).max(180),
  /** How parcels leave: `doorstep`, `alley` (meeting point near the door) or `station` (public parcel station). */
  pickup_mode: z.string(),
  first_active: z.string(),
  last_active: z.string(),
  /** Status at the end of the data: `active`, `dormant` or `moved`. */
  status: z.enum(['active', 'dormant', 'moved']),
  /** For `moved`: the site the operation resurfaced at. */
  successor_site_id: optionalString,
  /**
   * Optional: how the den shows in the data. `door` (couriers collect within
   * 30 m of it), `alley` (at one handover point further off), `inferred` (at
   * several; the den only inferable from their geometry) or `station`.
   */
  placement: optionalString,
  /** Optional: the farthest handover point's distance from the den, m (for a station drop: the station's). */
  handover_max_m: optionalString.transform((v) => (v === null ? null : Number(v))).pipe(z.number().nullable()),
});
export type TruthSite = z.infer<typeof TruthSiteSchema>;

export const TruthSellerSchema = z.object({
  seller_id: z.string().min(1),
  is_counterfeit: bool,
  /** Operation running the account; every account of a counterfeit network shares it, a legitimate seller has its own. */
  network_id: z.string().min(1),
  /** Generator's kind of seller, e.g. `den_account`, `brand_store`, `reseller` (free text). */
  kind: z.string(),
});
export type TruthSeller = z.infer<typeof TruthSellerSchema>;

export const TruthListingSchema = z.object({
  listing_id: z.string().min(1),
  is_counterfeit: bool,
});
export type TruthListing = z.infer<typeof TruthListingSchema>;
