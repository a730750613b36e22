/**
 * Bad rows, the kind every real export has. They never cascade: a bad row
 * is either an EXTRA row (a fresh id nothing references, or a duplicate id
 * placed after the original) or a corrupted leaf row (a pickup, which
 * nothing references). Each bad row breaks exactly one rule, so the analysis
 * must quarantine exactly as many rows as were injected.
 */
import { columnNames, type TableName } from '../contract/dataset.ts';
import type { Rng } from './random.ts';
import type { Cell } from './writer.ts';

/** The ways a row of each table is broken. */
export const BAD_KINDS: Readonly<Record<TableName, readonly string[]>> = {
  sellers: ['duplicate_id', 'bad_timestamp', 'lat_out_of_range', 'missing_id'],
  listings: ['price_not_positive', 'unknown_category', 'dangling_seller', 'bad_timestamp', 'duplicate_id'],
  shipments: ['dangling_seller', 'dangling_listing', 'bad_timestamp', 'negative_amount', 'duplicate_id'],
  pickups: ['bad_timestamp', 'lat_out_of_range', 'dangling_waybill', 'duplicate_id', 'missing_pickup_time', 'no_coordinates'],
  catalog: ['duplicate_id', 'bad_date', 'unknown_category', 'missing_brand'],
  reports: ['unknown_source', 'unknown_target_type', 'bad_timestamp', 'duplicate_id', 'missing_target'],
  places: ['unknown_aoi_type', 'lat_out_of_range', 'duplicate_id'],
  outcomes: ['unknown_result', 'bad_date', 'lat_out_of_range', 'duplicate_id'],
  // The programme tables are generated clean (world/programme.ts).
  belts: [],
  factories: [],
  factory_accounts: [],
};

const BAD_TIMESTAMPS = ['2026-13-45T25:61:00+08:00', '31/02/2026 24:99', 'yesterday evening', '2026-01-0T10:00'];
const BAD_DATES = ['2025-13-40', '2026/02/30', 'last spring'];

/** Row positions (0-based, sorted, distinct) that get a bad row, at `rate` of `total` and at least one. */
export function planBadRows(total: number, rate: number, rng: Rng): number[] {
  const n = Math.min(Math.max(1, Math.round(total * rate)), Math.max(1, total));
  const chosen = new Set<number>();
  while (chosen.size < n) chosen.add(rng.int(0, Math.max(0, total - 1)));
  return [...chosen].sort((a, b) => a - b);
}

/** Kinds for planned positions: every kind once before any repeats, in a shuffled order. */
export function planKinds(table: TableName, n: number, rng: Rng): string[] {
  const kinds = BAD_KINDS[table];
  const out: string[] = [];
  if (kinds.length === 0) return out;
  while (out.length < n) out.push(...rng.shuffle([...kinds]));
  return out.slice(0, n);
}

export interface BadRowIds {
  /** An id unused by any row (for extra rows). */
  readonly fresh: string;
  /** The id of an earlier row (for duplicates of leaf rows). */
  readonly previous?: string;
}

/**
 * A bad row made from a valid `template` row of the table (copied, never
 * modified). For extra rows the template's id is replaced by `ids.fresh`
 * unless the kind is a duplicate (then it keeps the template's id, which is
 * already in the file, above it). For pickups the caller writes the result
 * in place of the template.
 */
export function badRow(table: TableName, kind: string, template: readonly Cell[], ids: BadRowIds, rng: Rng): Cell[] {
  const cols = columnNames(table);
  const row = [...template];
  const set = (col: string, v: Cell) => {
    const i = cols.indexOf(col);
    if (i < 0) throw new Error(`no column ${col} in ${table}`);
    row[i] = v;
  };
  const key = cols[0];
  const inPlace = table === 'pickups';
  if (kind !== 'duplicate_id' && !inPlace) set(key, ids.fresh);
  switch (`${table}:${kind}`) {
    case 'sellers:duplicate_id':
    case 'listings:duplicate_id':
    case 'shipments:duplicate_id':
    case 'catalog:duplicate_id':
    case 'reports:duplicate_id':
    case 'places:duplicate_id':
    case 'outcomes:duplicate_id':
      break;
    case 'pickups:duplicate_id':
      set('waybill_id', ids.previous ?? ids.fresh);
      break;
    case 'pickups:dangling_waybill':
      set('waybill_id', ids.fresh);
      break;
    case 'sellers:bad_timestamp':
      set('registered_at', rng.pick(BAD_TIMESTAMPS));
      break;
    case 'listings:bad_timestamp':
      set('created_at', rng.pick(BAD_TIMESTAMPS));
      break;
    case 'shipments:bad_timestamp':
      set('order_time', rng.pick(BAD_TIMESTAMPS));
      break;
    case 'pickups:bad_timestamp':
      set('pickup_time', rng.pick(BAD_TIMESTAMPS));
      break;
    case 'reports:bad_timestamp':
      set('created_at', rng.pick(BAD_TIMESTAMPS));
      break;
    case 'sellers:lat_out_of_range':
      set('return_lat', 125.44);
      break;
    case 'pickups:lat_out_of_range':
      set('lat', rng.pick([95.44, -119.01, 254.4]));
      break;
    case 'places:lat_out_of_range':
    case 'outcomes:lat_out_of_range':
      set('lat', 119.01);
      break;
    case 'sellers:missing_id':
      set('seller_id', null);
      break;
    case 'listings:price_not_positive':
      set('price', rng.pick([0, -5, -129]));
      break;
    case 'listings:unknown_category':
    case 'catalog:unknown_category':
      set('category', rng.pick(['sneakers', '鞋类', 'SHOES!']));
      break;
    case 'listings:dangling_seller':
    case 'shipments:dangling_seller':
      set('seller_id', `S${rng.int(100, 999)}X`);
      break;
    case 'shipments:dangling_listing':
      set('listing_id', `L${rng.int(100, 999)}X`);
      break;
    case 'shipments:negative_amount':
      set('amount', -Math.abs(Number(template[cols.indexOf('amount')]) || 99));
      break;
    case 'pickups:missing_pickup_time':
      set('pickup_time', null);
      break;
    case 'pickups:no_coordinates':
      set('lng', null);
      set('lat', null);
      set('pickup_gps_lng', null);
      set('pickup_gps_lat', null);
      break;
    case 'catalog:bad_date':
      set('release_date', rng.pick(BAD_DATES));
      break;
    case 'outcomes:bad_date':
      set('date', rng.pick(BAD_DATES));
      break;
    case 'catalog:missing_brand':
      set('brand', null);
      break;
    case 'reports:unknown_source':
      set('source', rng.pick(['hotline', 'police', 'weibo']));
      break;
    case 'reports:unknown_target_type':
      set('target_type', rng.pick(['shop', 'waybill']));
      break;
    case 'reports:missing_target':
      set('target_id', null);
      break;
    case 'places:unknown_aoi_type':
      set('aoi_type', rng.pick(['farmland', 'port']));
      break;
    case 'outcomes:unknown_result':
      set('result', rng.pick(['pending', 'partial']));
      break;
    default:
      throw new Error(`unknown bad-row kind ${table}:${kind}`);
  }
  return row;
}

/**
 * Writes a small table's rows with extra bad rows mixed in; returns the
 * rows in file order and how many are bad.
 */
export function withBadRows(table: TableName, rows: readonly Cell[][], rate: number, freshId: (k: number) => string, rng: Rng): { rows: Cell[][]; bad: number } {
  if (rows.length === 0) return { rows: [], bad: 0 };
  const positions = planBadRows(rows.length, rate, rng);
  const kinds = planKinds(table, positions.length, rng);
  const out: Cell[][] = [];
  let p = 0;
  for (let i = 0; i < rows.length; i++) {
    out.push(rows[i]);
    while (p < positions.length && positions[p] === i) {
      out.push(badRow(table, kinds[p], rows[i], { fresh: freshId(p) }, rng));
      p++;
    }
  }
  return { rows: out, bad: positions.length };
}
