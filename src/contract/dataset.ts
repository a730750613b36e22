/**
 * The dataset contract (shared/contract/DATASET.md, version 1) as data.
 *
 * Every reader, validator and writer derives from these specs: the ingest
 * generates its validation SQL from them, the world generator writes its
 * columns in this order, and the types below are derived from them.
 */
import { z } from 'zod';

export type ColumnType = 'string' | 'number' | 'integer' | 'timestamp' | 'date' | 'list';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly required?: boolean;
  /** Allowed values, for enumerations. */
  readonly values?: readonly string[];
  /** Inclusive numeric range. */
  readonly min?: number;
  readonly max?: number;
  /** Strictly greater than this. */
  readonly gt?: number;
  /** Coordinate role, for the CRS conversion. */
  readonly coord?: 'lat' | 'lng';
}

export interface TableSpec {
  readonly name: TableName;
  readonly required: boolean;
  /** Column (or columns, together) whose values must be unique. */
  readonly key?: string | readonly string[];
  readonly columns: readonly ColumnSpec[];
  /** Columns that must point at an accepted row of another table. */
  readonly references?: readonly { column: string; table: TableName; column_in_target: string }[];
  /** Coordinate pairs; at least one complete pair must be present when `anyPairRequired`. */
  readonly coordPairs?: readonly { lat: string; lng: string }[];
  readonly anyPairRequired?: boolean;
}

export const TABLE_NAMES = [
  'sellers',
  'listings',
  'shipments',
  'pickups',
  'catalog',
  'reports',
  'places',
  'outcomes',
  'belts',
  'factories',
  'factory_accounts',
] as const;
export type TableName = (typeof TABLE_NAMES)[number];

/** The own-brand programme's tables (optional; the world generator writes them clean, without bad rows). */
export const PROGRAMME_TABLES: readonly TableName[] = ['belts', 'factories', 'factory_accounts'];

export const CATEGORIES = [
  'shoes',
  'clothing',
  'food_drug',
  'mother_baby',
  'auto_parts',
  'appliances',
  'luggage',
  'furniture',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const AOI_TYPES = ['residential', 'urban_village', 'industrial', 'commercial', 'parcel_station', 'other'] as const;
export type AoiType = (typeof AOI_TYPES)[number];

const lat = (name: string, required = false): ColumnSpec => ({ name, type: 'number', min: -90, max: 90, coord: 'lat', required });
const lng = (name: string, required = false): ColumnSpec => ({ name, type: 'number', min: -180, max: 180, coord: 'lng', required });

export const TABLES: Record<TableName, TableSpec> = {
  sellers: {
    name: 'sellers',
    required: true,
    key: 'seller_id',
    columns: [
      { name: 'seller_id', type: 'string', required: true },
      { name: 'shop_name', type: 'string' },
      { name: 'registered_at', type: 'timestamp' },
      { name: 'region', type: 'string' },
      { name: 'phone_hash', type: 'string' },
      { name: 'id_hash', type: 'string' },
      { name: 'bank_hash', type: 'string' },
      { name: 'device_id', type: 'string' },
      { name: 'return_address', type: 'string' },
      lat('return_lat'),
      lng('return_lng'),
    ],
    coordPairs: [{ lat: 'return_lat', lng: 'return_lng' }],
  },
  listings: {
    name: 'listings',
    required: true,
    key: 'listing_id',
    columns: [
      { name: 'listing_id', type: 'string', required: true },
      { name: 'seller_id', type: 'string', required: true },
      { name: 'title', type: 'string' },
      { name: 'brand', type: 'string' },
      { name: 'product_ref', type: 'string' },
      { name: 'category', type: 'string', values: CATEGORIES },
      { name: 'price', type: 'number', required: true, gt: 0 },
      { name: 'created_at', type: 'timestamp' },
      { name: 'image_phash', type: 'string' },
    ],
    references: [
      { column: 'seller_id', table: 'sellers', column_in_target: 'seller_id' },
      { column: 'product_ref', table: 'catalog', column_in_target: 'product_id' },
    ],
  },
  shipments: {
    name: 'shipments',
    required: true,
    key: 'waybill_id',
    columns: [
      { name: 'waybill_id', type: 'string', required: true },
      { name: 'seller_id', type: 'string', required: true },
      { name: 'listing_id', type: 'string' },
      { name: 'order_time', type: 'timestamp' },
      { name: 'quantity', type: 'integer', min: 0 },
      { name: 'amount', type: 'number', min: 0 },
      { name: 'recipient_city', type: 'string' },
      { name: 'weight_kg', type: 'number', min: 0 },
      { name: 'sender_address', type: 'string' },
      { name: 'sender_phone_hash', type: 'string' },
    ],
    references: [
      { column: 'seller_id', table: 'sellers', column_in_target: 'seller_id' },
      { column: 'listing_id', table: 'listings', column_in_target: 'listing_id' },
    ],
  },
  pickups: {
    name: 'pickups',
    required: true,
    key: 'waybill_id',
    columns: [
      { name: 'waybill_id', type: 'string', required: true },
      { name: 'courier_id', type: 'string' },
      { name: 'region_id', type: 'string' },
      { name: 'city', type: 'string' },
      { name: 'aoi_id', type: 'string' },
      { name: 'aoi_type', type: 'string' },
      lng('lng'),
      lat('lat'),
      { name: 'accept_time', type: 'timestamp' },
      { name: 'pickup_time', type: 'timestamp', required: true },
      { name: 'pickup_gps_time', type: 'timestamp' },
      lng('pickup_gps_lng'),
      lat('pickup_gps_lat'),
    ],
    references: [{ column: 'waybill_id', table: 'shipments', column_in_target: 'waybill_id' }],
    coordPairs: [
      { lat: 'lat', lng: 'lng' },
      { lat: 'pickup_gps_lat', lng: 'pickup_gps_lng' },
    ],
    anyPairRequired: true,
  },
  catalog: {
    name: 'catalog',
    required: false,
    key: 'product_id',
    columns: [
      { name: 'product_id', type: 'string', required: true },
      { name: 'brand', type: 'string', required: true },
      { name: 'title', type: 'string' },
      { name: 'category', type: 'string', values: CATEGORIES },
      { name: 'msrp', type: 'number', min: 0 },
      { name: 'release_date', type: 'date' },
      { name: 'image_phash', type: 'string' },
      { name: 'authorized_sellers', type: 'list' },
    ],
  },
  reports: {
    name: 'reports',
    required: false,
    key: 'report_id',
    columns: [
      { name: 'report_id', type: 'string', required: true },
      { name: 'target_type', type: 'string', required: true, values: ['listing', 'seller'] },
      { name: 'target_id', type: 'string', required: true },
      { name: 'source', type: 'string', values: ['rights_holder', 'consumer', 'test_buy', 'platform'] },
      { name: 'verdict', type: 'string', values: ['counterfeit', 'genuine', 'unknown'] },
      { name: 'created_at', type: 'timestamp' },
    ],
  },
  places: {
    name: 'places',
    required: false,
    key: 'aoi_id',
    columns: [
      { name: 'aoi_id', type: 'string', required: true },
      { name: 'aoi_type', type: 'string', values: AOI_TYPES },
      { name: 'name', type: 'string' },
      lat('lat'),
      lng('lng'),
    ],
    coordPairs: [{ lat: 'lat', lng: 'lng' }],
  },
  outcomes: {
    name: 'outcomes',
    required: false,
    key: 'outcome_id',
    columns: [
      { name: 'outcome_id', type: 'string', required: true },
      lat('lat', true),
      lng('lng', true),
      { name: 'date', type: 'date', required: true },
      { name: 'result', type: 'string', required: true, values: ['confirmed', 'nothing_found'] },
      { name: 'seized_value', type: 'number', min: 0 },
      { name: 'arrests', type: 'integer', min: 0 },
      { name: 'note', type: 'string' },
    ],
    coordPairs: [{ lat: 'lat', lng: 'lng' }],
  },
  belts: {
    name: 'belts',
    required: false,
    key: 'belt_id',
    columns: [
      { name: 'belt_id', type: 'string', required: true },
      { name: 'name', type: 'string', required: true },
      { name: 'city', type: 'string' },
      { name: 'province', type: 'string' },
      { name: 'categories', type: 'list' },
      { name: 'aoi_ids', type: 'list' },
      lat('lat'),
      lng('lng'),
    ],
    coordPairs: [{ lat: 'lat', lng: 'lng' }],
  },
  factories: {
    name: 'factories',
    required: false,
    key: 'factory_id',
    columns: [
      { name: 'factory_id', type: 'string', required: true },
      { name: 'belt_id', type: 'string', required: true },
      { name: 'name', type: 'string' },
      { name: 'categories', type: 'list' },
      { name: 'oem_brands', type: 'list' },
      { name: 'capacity_per_month', type: 'integer', min: 0 },
      lat('lat'),
      lng('lng'),
      { name: 'enrolled_at', type: 'date' },
    ],
    references: [{ column: 'belt_id', table: 'belts', column_in_target: 'belt_id' }],
    coordPairs: [{ lat: 'lat', lng: 'lng' }],
  },
  factory_accounts: {
    name: 'factory_accounts',
    required: false,
    key: ['factory_id', 'seller_id'],
    columns: [
      { name: 'factory_id', type: 'string', required: true },
      { name: 'seller_id', type: 'string', required: true },
      { name: 'since', type: 'date' },
    ],
    references: [
      { column: 'factory_id', table: 'factories', column_in_target: 'factory_id' },
      { column: 'seller_id', table: 'sellers', column_in_target: 'seller_id' },
    ],
  },
};

/** Columns of a table's key, in order (none when it has no key). */
export function keyColumns(spec: TableSpec): readonly string[] {
  return spec.key === undefined ? [] : typeof spec.key === 'string' ? [spec.key] : spec.key;
}

/**
 * Identifier columns: keys, references and other `*_id` columns. An invisible
 * character in one (a tab, a BOM, a zero-width space) makes two ids that look
 * the same differ, so validation refuses them there.
 */
export function isIdentifier(spec: TableSpec, column: string): boolean {
  return (
    keyColumns(spec).includes(column) ||
    (spec.references ?? []).some((r) => r.column === column) ||
    (spec.name === 'reports' && column === 'target_id')
  );
}

/** Tables in the order they must be validated: a table's references point at tables before it. */
export const VALIDATION_ORDER: readonly TableName[] = [
  'catalog',
  'sellers',
  'listings',
  'shipments',
  'pickups',
  'reports',
  'places',
  'outcomes',
  'belts',
  'factories',
  'factory_accounts',
];

export const CRS_VALUES = ['WGS84', 'GCJ-02'] as const;
export type Crs = (typeof CRS_VALUES)[number];

/** dataset.json, the manifest. Unknown keys are kept: the contract may be extended. */
export const ManifestSchema = z
  .object({
    name: z.string().optional(),
    crs: z.enum(CRS_VALUES).default('WGS84'),
    timezone: z
      .string()
      .default('Asia/Shanghai')
      .superRefine((tz, ctx) => {
        const problem = timeZoneProblem(tz);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    currency: z.string().default('CNY'),
  })
  .passthrough();
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * Abbreviations people write for a zone, with what they may mean. They are
 * refused: CST is China Standard Time to a Chinese user and US Central to the
 * time library, and night shares come out wrong by hours.
 */
const AMBIGUOUS_ZONES: Record<string, string> = {
  CST: 'Asia/Shanghai for China Standard Time, America/Chicago for US Central',
  BJT: 'Asia/Shanghai',
  CCT: 'Asia/Shanghai',
  HKT: 'Asia/Hong_Kong',
  IST: 'Asia/Kolkata for India, Europe/Dublin for Ireland, Asia/Jerusalem for Israel',
  EST: 'America/New_York',
  EDT: 'America/New_York',
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  MST: 'America/Denver',
  BST: 'Europe/London',
  CET: 'Europe/Paris or Europe/Berlin',
  JST: 'Asia/Tokyo',
  KST: 'Asia/Seoul',
  SGT: 'Asia/Singapore',
  AEST: 'Australia/Sydney',
};

/** Why a manifest time zone is not usable, or undefined when it is an IANA name (or UTC). */
export function timeZoneProblem(tz: string): string | undefined {
  const upper = tz.trim().toUpperCase();
  if (AMBIGUOUS_ZONES[upper]) {
    return `"${tz}" is an abbreviation, not an IANA time zone; write the zone's name, e.g. ${AMBIGUOUS_ZONES[upper]}`;
  }
  if (upper === 'UTC' || upper === 'ETC/UTC' || upper === 'GMT') return undefined;
  if (!tz.includes('/')) {
    return `"${tz}" is not an IANA time zone name (Area/City); for China write Asia/Shanghai`;
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return undefined;
  } catch {
    return `"${tz}" is not an IANA time zone name (Area/City); for China write Asia/Shanghai`;
  }
}

/** Column names of a table, in contract order. */
export function columnNames(table: TableName): string[] {
  return TABLES[table].columns.map((c) => c.name);
}
