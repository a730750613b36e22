/**
 * Stage `listings`: evidence that a listing offers a counterfeit, and its score.
 *
 * in:  listings, catalog, reports
 * out: listing_scores(listing_id, seller_id, brand, category, price_ratio,
 *        jargon, disguised, official_copy, resale, accessory, authorized,
 *        report_lo, lo, score, release_lag_days)
 *
 * Titles are read in JS (brand spellings and jargon need Unicode-aware
 * matching); listings are thousands to a few hundred thousand rows, far
 * fewer than parcels. Every signal adds log-odds; `lo` is their sum.
 */
import type { Database } from '../../engine/database.ts';
import { ACCESSORY_WORDS, brandMentionsIn, canonicalBrand, hasAnyIn, jargonScoreIn, normalizeTitle, RESALE_WORDS } from './lexicon.ts';
import { hamming64, parsePhash } from './phash.ts';
import { labelWeight, reportWeight } from '../reports.ts';
import { fitLogistic, type Example, type Prior } from '../learn/logistic.ts';
import { storeModel } from '../learn/model.ts';
import { ALL_SIGNALS, type Signals } from '../signals.ts';
import { distance, localX, localY } from '../sites/pickup-points.ts';
import { median } from '../../stats.ts';

interface ListingRow {
  listing_id: string;
  seller_id: string;
  title: string | null;
  brand: string | null;
  product_ref: string | null;
  category: string | null;
  price: number;
  image_phash: string | null;
  created_at: Date | null;
}

interface CatalogRow {
  product_id: string;
  brand: string;
  category: string | null;
  msrp: number | null;
  image_phash: string | null;
  authorized_sellers: string[] | null;
  release_date: Date | null;
}

/** Prior log-odds of a listing being counterfeit before any evidence (about 8%). */
const PRIOR_LO = -2.5;

/** The hand-set evidence terms of one listing, in log-odds. */
interface ListingTerms {
  price: number;
  jargon: number;
  disguised: number;
  officialCopy: number;
  authorized: number;
  accessory: number;
  imitation: number;
}

/** The learned model's features: an intercept shift, then one multiplier per hand-set term. */
const LISTING_TERMS = ['intercept', 'price', 'jargon', 'disguised', 'officialCopy', 'authorized', 'accessory', 'imitation'] as const;
const termVector = (t: ListingTerms): number[] => [1, t.price, t.jargon, t.disguised, t.officialCopy, t.authorized, t.accessory, t.imitation];
/**
 * Prior on the coefficients: the hand-set weights (multipliers of 1, no shift),
 * held firmly enough that a few dozen test buys adjust rather than overturn them.
 * The intercept is all but fixed: labels are chosen by people (test buys aim at
 * suspected dens, raids at found ones), so the share of counterfeits among them
 * says nothing about the share among all listings.
 */
const LISTING_PRIOR: Prior = { mean: [0, 1, 1, 1, 1, 1, 1, 1], sd: [0.05, 0.35, 0.35, 0.5, 0.5, 0.35, 0.5, 0.5] };

/** Days from a product's official release to a listing of it; null when either date is unknown. */
export function lagDays(listed: Date | null, released: Date | null): number | null {
  if (!listed || !released) return null;
  return (listed.getTime() - released.getTime()) / 86_400_000;
}

/**
 * Imitation lag: copies of a new release are listed around its launch, even
 * before it, while genuine stock reaches resellers weeks later. Listed before
 * the release: +1.5; in its first week: +0.8 (for sellers the brand did not
 * authorise).
 */
export function imitationLogOdds(lag: number | null): number {
  if (lag === null) return 0;
  if (lag < -1) return 1.5;
  if (lag <= 7) return 0.8;
  return 0;
}

/**
 * Sellers most of whose GPS-placed parcels before a confirmed raid left
 * within 150 m of it: the raid found their site. Raids are projected into
 * the local frame and matched to pickups through a 150 m grid (an
 * equi-join: a distance condition alone makes DuckDB compare every pickup
 * with every raid).
 */
const RAIDED_SELLERS = `
  WITH raids AS (
    SELECT o.date, ${localX('o.lat', 'o.lng')} AS ox, ${localY('o.lat')} AS oy
    FROM outcomes o CROSS JOIN frame f WHERE o.result = 'confirmed'),
  raid_cells AS (
    SELECT r.*, floor(ox / 150)::INT + dx AS gx, floor(oy / 150)::INT + dy AS gy
    FROM raids r, range(-1, 2) a(dx), range(-1, 2) b(dy)),
  hits AS (
    SELECT pp.seller_id, pp.rowid AS point FROM pickup_points pp
    JOIN raid_cells r ON floor(pp.x / 150)::INT = r.gx AND floor(pp.y / 150)::INT = r.gy
    WHERE pp.quality = 1 AND pp.t <= r.date + INTERVAL 1 DAY AND ${distance('pp.x', 'pp.y', 'r.ox', 'r.oy')} <= 150),
  -- A point may lie near two raids; each point is one waybill.
  by_seller AS (SELECT seller_id, count(*) AS hit_rows, count(DISTINCT point) AS hit_waybills FROM hits GROUP BY seller_id),
  totals AS (
    SELECT seller_id, count(*) AS waybills FROM pickup_points
    WHERE quality = 1 AND seller_id IN (SELECT seller_id FROM by_seller) GROUP BY seller_id)
  SELECT seller_id FROM by_seller JOIN totals USING (seller_id)
  WHERE hit_rows >= 5 AND hit_waybills >= 0.5 * waybills`;

/** Log-odds from the price as a share of the genuine price: far below MSRP is the strongest single sign. */
export function priceLogOdds(ratio: number, resale: boolean): number {
  // Linear from +3.2 at 20% of MSRP down to -1 at 90% and above.
  const lo = Math.max(-1, Math.min(3.2, 3.2 - ((ratio - 0.2) / 0.7) * 4.2));
  // Second-hand and clearance goods honestly sell below MSRP, but rarely below a third of it.
  return resale && lo > 0 && ratio > 0.3 ? lo * 0.4 : lo;
}

export async function scoreListings(db: Database, signals: Signals = ALL_SIGNALS): Promise<void> {
  const catalog = await db.all<CatalogRow>(
    `SELECT product_id, brand, category, msrp, image_phash, authorized_sellers, release_date FROM catalog ORDER BY product_id`,
  );
  const byProduct = new Map(catalog.map((c) => [c.product_id, c]));
  const brandOf = (b: string) => canonicalBrand(b);
  // Reference prices by brand+category and by brand, for listings the platform did not match to a product.
  const msrps = new Map<string, number[]>();
  const authorized = new Map<string, Set<string>>();
  const officialHashes: Array<{ brand: string; hash: [number, number] }> = [];
  for (const c of catalog) {
    const brand = brandOf(c.brand);
    if (c.msrp) {
      for (const key of [`${brand}|${c.category ?? ''}`, `${brand}|`]) {
        if (!msrps.has(key)) msrps.set(key, []);
        msrps.get(key)!.push(c.msrp);
      }
    }
    if (!authorized.has(brand)) authorized.set(brand, new Set());
    for (const s of c.authorized_sellers ?? []) authorized.get(brand)!.add(s);
    const h = c.image_phash ? parsePhash(c.image_phash) : null;
    if (h) officialHashes.push({ brand, hash: h });
  }
  const medianMsrp = new Map([...msrps].map(([k, v]) => [k, median(v)]));

  const reportLo = new Map<string, number>();
  for (const r of await db.all<{ target_id: string; source: string | null; verdict: string | null }>(
    `SELECT target_id, source, verdict FROM reports WHERE target_type = 'listing' ORDER BY report_id`,
  )) {
    reportLo.set(r.target_id, (reportLo.get(r.target_id) ?? 0) + reportWeight(r.source, r.verdict));
  }

  await db.run(`CREATE OR REPLACE TABLE listing_scores (
    listing_id VARCHAR, seller_id VARCHAR, brand VARCHAR, category VARCHAR, price DOUBLE, price_ratio DOUBLE,
    jargon DOUBLE, disguised BOOLEAN, official_copy BOOLEAN, resale BOOLEAN, accessory BOOLEAN, authorized BOOLEAN,
    report_lo DOUBLE, lo DOUBLE, score DOUBLE, release_lag_days DOUBLE)`);

  const listings = await db.all<ListingRow>(
    `SELECT listing_id, seller_id, title, brand, product_ref, category, price, image_phash, created_at FROM listings ORDER BY listing_id`,
  );
  const facts = listings.map((l) => {
    // Normalised once for every matcher below.
    const title = normalizeTitle(l.title ?? '');
    const mentions = brandMentionsIn(title);
    const product = l.product_ref ? byProduct.get(l.product_ref) : undefined;
    const brand = product ? brandOf(product.brand) : l.brand ? brandOf(l.brand) : (mentions[0]?.brand ?? null);
    const category = l.category ?? product?.category ?? null;
    const accessory = hasAnyIn(title, ACCESSORY_WORDS);
    const resale = hasAnyIn(title, RESALE_WORDS);
    const isAuthorized = brand !== null && (authorized.get(brand)?.has(l.seller_id) ?? false);
    const ref =
      product?.msrp ??
      (brand ? (medianMsrp.get(`${brand}|${category ?? ''}`) ?? medianMsrp.get(`${brand}|`)) : undefined) ??
      null;
    const ratio = ref && !accessory ? l.price / ref : null;
    const jargon = jargonScoreIn(title).score;
    const disguised = mentions.some((m) => m.disguised);
    let officialCopy = false;
    const own = l.image_phash ? parsePhash(l.image_phash) : null;
    if (own && !isAuthorized) {
      // A near-copy of a brand's official photo used by a seller the brand did not authorise.
      officialCopy = officialHashes.some((o) => hamming64(o.hash, own) <= 8);
    }
    const lag = lagDays(l.created_at, product?.release_date ?? null);
    const terms: ListingTerms = {
      price: ratio !== null && signals.on('price') ? priceLogOdds(ratio, resale) : 0,
      jargon: signals.on('jargon') ? Math.min(jargon, 4) * 0.9 : 0,
      disguised: disguised && signals.on('brand_spelling') ? 2 : 0,
      officialCopy: officialCopy && signals.on('official_photo') ? 2 : 0,
      authorized: isAuthorized && signals.on('authorised') ? -4 : 0,
      imitation: !isAuthorized && signals.on('imitation_lag') ? imitationLogOdds(lag) : 0,
      accessory: accessory && mentions.length > 0 ? -1.5 : 0,
    };
    return { l, brand, category, ratio, jargon, disguised, officialCopy, resale, accessory, isAuthorized, lag, terms };
  });

  // The hand-set weights, adjusted by what the labelled listings say (see learn/logistic.ts).
  const labels = await db.all<{ listing_id: string; source: string | null; verdict: string; share: number }>(
    `SELECT target_id AS listing_id, source, verdict, 1.0 AS share FROM reports
     WHERE target_type = 'listing' AND verdict IN ('counterfeit', 'genuine')
     UNION ALL
     -- A raid that found a site labels the listings of the accounts whose parcels left from there,
     -- each account counting as one label however many listings it has.
     SELECT l.listing_id, 'outcome', 'counterfeit', 1.0 / count(*) OVER (PARTITION BY l.seller_id)
     FROM listings l JOIN (${RAIDED_SELLERS}) r USING (seller_id)
     ORDER BY 1, 2, 3`,
  );
  const index = new Map(facts.map((f, i) => [f.l.listing_id, i]));
  const examples: Example[] = labels.flatMap((r) => {
    const i = index.get(r.listing_id);
    if (i === undefined) return [];
    return [{ x: termVector(facts[i].terms), offset: PRIOR_LO, y: r.verdict === 'counterfeit' ? 1 : 0, weight: labelWeight(r.source) * r.share }];
  });
  const beta = signals.on('learned_weights') ? fitLogistic(examples, LISTING_PRIOR) : [...LISTING_PRIOR.mean];
  await storeModel(db, 'listings', LISTING_TERMS, LISTING_PRIOR, beta, examples);

  const rows: (string | number | boolean | null)[][] = facts.map((f) => {
    const rep = signals.on('reports') ? (reportLo.get(f.l.listing_id) ?? 0) : 0;
    const x = termVector(f.terms);
    const lo = PRIOR_LO + x.reduce((sum, v, j) => sum + beta[j] * v, 0) + rep;
    const score = 1 / (1 + Math.exp(-lo));
    return [f.l.listing_id, f.l.seller_id, f.brand, f.category, f.l.price, f.ratio, f.jargon, f.disguised, f.officialCopy, f.resale, f.accessory, f.isAuthorized, rep, lo, score, f.lag];
  });
  await db.append('listing_scores', rows);
}
