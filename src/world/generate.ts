/**
 * Generates a synthetic world into a dataset folder: every table of the
 * dataset contract, with a few bad rows each, plus the ground truth in
 * truth/. Deterministic for (scenario, seed, pickups, days, format, crs).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { wgs84ToGcj02 } from '../crs.ts';
import { columnNames, type Crs, type TableName } from '../contract/dataset.ts';
import type { Progress } from '../cli/progress.ts';
import type { Listing, Operation, Seller, Site } from './actors.ts';
import { distanceM } from './city.ts';
import { buildCatalog } from './catalog.ts';
import { City, type Address, type Aoi } from './city.ts';
import { withBadRows } from './corrupt.ts';
import { emitParcels } from './parcels.ts';
import { buildProgramme, type Programme, type ProgrammeContext } from './programme.ts';
import { NetworkDays, ProgrammeTally, writeDeterrenceTruth } from './impact-truth.ts';
import { applyDeterrence, observedAfter } from './deterrence.ts';
import { Rng } from './random.ts';
import { randomise, type RandomParams } from './randomise.ts';
import { buildOutcomes, buildReports } from './reports.ts';
import type { Scenario } from './scenario.ts';
import { buildActors } from './sellers.ts';
import { localMidnight, TimeFormat, zoneOffset } from './time.ts';
import { TableWriter, type Cell, type Format } from './writer.ts';

export interface GenerateOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly pickups: number;
  readonly out: string;
  readonly format: Format;
  readonly crs: Crs;
  readonly days?: number;
  /**
   * Label of the programme tables' random stream (internal: tests vary it to
   * show that no other table depends on that stream).
   */
  readonly programmeSalt?: string;
}

export interface WorldSummary {
  readonly out: string;
  readonly scenario: string;
  readonly seed: number;
  /** Rows in each table's file, bad rows included. */
  readonly rows: Record<TableName, number>;
  readonly badRows: Record<TableName, number>;
  readonly sites: number;
  readonly operations: number;
  readonly sellers: number;
  readonly counterfeitSellers: number;
  readonly startDate: string;
  readonly endDate: string;
  readonly seconds: number;
  /** Peak resident memory of the process, MB (not part of the world: it varies run to run). */
  readonly peakRssMb: number;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Generates the world and writes it under `options.out`. */
export async function generateWorld(options: GenerateOptions, progress: Progress): Promise<WorldSummary> {
  const t0 = Date.now();
  const root = Rng.fromSeed(`${options.scenario.name}:${options.seed}`);
  // A randomised scenario draws its parameters from a stream of its own (a fork consumes nothing of the root).
  const drawn = options.scenario.randomise ? randomise(options.scenario, root.fork('randomise')) : null;
  const s = drawn ? drawn.scenario : options.scenario;
  const days = options.days ?? s.defaultDays;
  const start = localMidnight(s.startDate);
  const holidayDay = Math.round((localMidnight(s.holiday.date) - start) / 86_400);
  const time = new TimeFormat(zoneOffset(s.timezone, s.startDate));
  const project: (lat: number, lng: number) => [number, number] =
    options.crs === 'GCJ-02'
      ? (lat, lng) => {
          const [x, y] = wgs84ToGcj02(lng, lat);
          return [round6(y), round6(x)];
        }
      : (lat, lng) => [round6(lat), round6(lng)];

  progress.step('building the world');
  const city = new City(s, root.fork('city'));
  const catalog = buildCatalog(s.startDate, root.fork('catalog'));
  const stationAddresses = new Map<Aoi, Address>();
  const stationRng = root.fork('stations');
  for (const st of city.ofType('parcel_station')) stationAddresses.set(st, city.addressOf(st, st, stationRng));
  const stationAddress = (st: Aoi) => stationAddresses.get(st)!;
  const actors = buildActors(
    { scenario: s, city, catalog, days, start, holidayDay, stationAddress, pickups: options.pickups },
    root.fork('actors'),
  );
  const reactions = s.deterrence
    ? applyDeterrence({ scenario: s, city, catalog, days, start, holidayDay, stationAddress }, s.deterrence, actors.operations, actors.sites, root.fork('deterrence'))
    : null;
  const reports = buildReports(s, actors.sellers, actors.listings, actors.sites.length, start, days, root.fork('reports'));
  const outcomes = buildOutcomes(s, city, actors.operations, days, root.fork('outcomes'));
  progress.done(`${actors.sellers.length} sellers, ${actors.sites.length} counterfeit sites`);

  await mkdir(join(options.out, 'truth'), { recursive: true });
  const ext = options.format;
  const badRng = root.fork('bad-rate');
  const rate = () => badRng.in(s.badRowRate);
  const rows = {} as Record<TableName, number>;
  const badRows = {} as Record<TableName, number>;
  const badWrite = root.fork('bad-rows');

  const writeSmall = async (table: TableName, clean: Cell[][], fresh: (k: number) => string) => {
    const { rows: all, bad } = withBadRows(table, clean, rate(), fresh, badWrite.fork(table));
    const w = new TableWriter(join(options.out, `${table}.${ext}`), columnNames(table), options.format);
    for (const r of all) {
      const p = w.write(r);
      if (p) await p;
    }
    await w.close();
    rows[table] = all.length;
    badRows[table] = bad;
  };

  progress.step('writing sellers, listings, catalog, places, reports, outcomes');
  const ts = (sec: number, r: Rng) => time.timestamp(sec, r.chance(s.logistics.noOffsetTimestamps));
  const tsRng = root.fork('timestamp-style');
  await writeSmall(
    'places',
    city.aois.map((a) => {
      const [lat, lng] = project(a.lat, a.lng);
      return [a.id, a.type, a.name, lat, lng];
    }),
    (k) => `A${9000 + k}`,
  );
  await writeSmall(
    'catalog',
    catalog.products.map((p) => [p.id, p.brand.name, p.title, p.category, p.msrp, p.releaseDate, p.phash, p.authorizedSellers.join(';') || null]),
    (k) => `P${90_000 + k}`,
  );
  const sellersSorted = [...actors.sellers].sort((a, b) => a.registeredAt - b.registeredAt);
  await writeSmall(
    'sellers',
    sellersSorted.map((x) => {
      const [lat, lng] = x.returnPoint ? project(x.returnPoint.lat, x.returnPoint.lng) : [null, null];
      return [x.id, x.shopName, ts(x.registeredAt, tsRng), x.region, x.phone, x.idHash, x.bank, x.device, x.returnAddress, lat, lng];
    }),
    (k) => `S${9_900_000 + k}`,
  );
  const listingsSorted = [...actors.listings].sort((a, b) => a.createdAt - b.createdAt);
  await writeSmall(
    'listings',
    listingsSorted.map((l) => [l.id, l.seller.id, l.title, l.brand, l.productRef, l.category, l.price, ts(l.createdAt, tsRng), l.phash]),
    (k) => `L${99_000_000 + k}`,
  );
  await writeSmall(
    'reports',
    reports.map((r, i) => [`RP${100_000 + i}`, r.targetType, r.targetId, r.source, r.verdict, ts(r.createdAt, tsRng)]),
    (k) => `RP${900_000 + k}`,
  );
  await writeSmall(
    'outcomes',
    outcomes.map((o, i) => {
      const [lat, lng] = project(o.point.lat, o.point.lng);
      return [`OC${1000 + i}`, lat, lng, time.date(start + o.day * 86_400), o.result, o.seizedValue, o.arrests, o.note];
    }),
    (k) => `OC${9000 + k}`,
  );
  progress.done();

  const programmeCtx: ProgrammeContext = { scenario: s, city, catalog, sellers: actors.sellers, operations: actors.operations, start, days, time, project };
  const programme = buildProgramme(programmeCtx, root.fork(options.programmeSalt ?? 'programme'));
  const programmeTally = new ProgrammeTally(programme.truth, time);
  const networkDays = new NetworkDays();

  progress.step('writing shipments and pickups', options.pickups);
  const shipW = new TableWriter(join(options.out, `shipments.${ext}`), columnNames('shipments'), options.format);
  const pickW = new TableWriter(join(options.out, `pickups.${ext}`), columnNames('pickups'), options.format);
  const stats = await emitParcels(
    {
      scenario: s,
      city,
      sellers: actors.sellers,
      days,
      start,
      holidayDay,
      pickups: options.pickups,
      time,
      project,
      badRate: { shipments: rate(), pickups: rate() },
      onProgress: (n) => progress.tick(n),
      onShipment: (seller, listing, orderAt, amount) => programmeTally.add(seller, listing, orderAt, amount),
      onSiteParcels: (site, day, count) => networkDays.add(site.networkId, day, count),
    },
    shipW,
    pickW,
    root.fork('parcels'),
  );
  await Promise.all([shipW.close(), pickW.close()]);
  rows.shipments = stats.shipmentRows;
  rows.pickups = stats.pickupRows;
  badRows.shipments = stats.badShipments;
  badRows.pickups = stats.badPickups;
  progress.done(`${stats.pickupRows.toLocaleString('en-US')} pickups`);

  const endDate = time.date(start + (days - 1) * 86_400);
  await writeTruth(options, actors.sellers, actors.listings, actors.sites, actors.operations, drawn?.params ?? null, {
    start,
    days,
    time,
    rows,
    badRows,
    endDate,
  });
  await writeFile(
    join(options.out, 'dataset.json'),
    `${JSON.stringify({ name: `synthetic world: ${s.name}, seed ${options.seed}, ${options.pickups} pickups`, crs: options.crs, timezone: s.timezone, currency: s.currency }, null, 2)}\n`,
  );
  await writeProgramme(options, programme);
  await programmeTally.writeTruth(join(options.out, 'truth'));
  if (reactions) {
    const outcomeIds = outcomes.flatMap((o, i) => (o.networkId ? [{ networkId: o.networkId, day: o.day, id: `OC${1000 + i}` }] : []));
    const opById = new Map(actors.operations.map((op) => [op.id, op]));
    const siteById = new Map(actors.sites.map((x) => [x.id, x]));
    const observed = (r: (typeof reactions)[number]) => {
      const seen = observedAfter(opById.get(r.networkId)!, siteById.get(r.siteIds[0])!, r.raidDay, days);
      return { status: seen.status, quietDays: seen.quietDays };
    };
    await writeDeterrenceTruth(join(options.out, 'truth'), reactions, { date: (d) => time.date(start + d * 86_400), days, outcomeIds, networkDays, observed });
  }
  const ordered = {} as Record<TableName, number>;
  const orderedBad = {} as Record<TableName, number>;
  for (const t of ['sellers', 'listings', 'shipments', 'pickups', 'catalog', 'reports', 'places', 'outcomes'] as const) {
    ordered[t] = rows[t];
    orderedBad[t] = badRows[t];
  }
  return {
    out: options.out,
    scenario: s.name,
    seed: options.seed,
    rows: ordered,
    badRows: orderedBad,
    sites: actors.sites.filter((x) => x.parcels > 0).length,
    operations: actors.operations.length,
    sellers: actors.sellers.length,
    counterfeitSellers: actors.sellers.filter((x) => x.isCounterfeit).length,
    startDate: s.startDate,
    endDate,
    seconds: (Date.now() - t0) / 1000,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/**
 * belts, factories, factory_accounts: written last, from their own stream (a
 * fork consumes nothing of its parent), so every other file is what it was
 * before these tables existed. Clean rows only; truth/world.json does not
 * count them.
 */
async function writeProgramme(options: GenerateOptions, programme: Programme): Promise<void> {
  const tables: [TableName, Cell[][]][] = [
    ['belts', programme.belts],
    ['factories', programme.factories],
    ['factory_accounts', programme.factoryAccounts],
  ];
  for (const [table, rows] of tables) {
    const w = new TableWriter(join(options.out, `${table}.${options.format}`), columnNames(table), options.format);
    for (const r of rows) {
      const p = w.write(r);
      if (p) await p;
    }
    await w.close();
  }
}

interface TruthMeta {
  readonly start: number;
  readonly days: number;
  readonly time: TimeFormat;
  readonly rows: Record<TableName, number>;
  readonly badRows: Record<TableName, number>;
  readonly endDate: string;
}

/** truth/: sites, sellers, listings (clean rows only, WGS84) and world.json. */
async function writeTruth(
  options: GenerateOptions,
  sellers: readonly Seller[],
  listings: readonly Listing[],
  sites: readonly Site[],
  operations: readonly Operation[],
  params: RandomParams | null,
  meta: TruthMeta,
): Promise<void> {
  const dir = join(options.out, 'truth');
  const day = (d: number) => meta.time.date(meta.start + d * 86_400);
  const write = async (name: string, columns: string[], rows: Cell[][]) => {
    const w = new TableWriter(join(dir, name), columns, 'csv');
    for (const r of rows) w.write(r);
    await w.close();
  };
  // A site that never shipped a parcel leaves no trace in the data: no analysis could find it.
  // A move to such a site is, in the data, a stop.
  const shipped = sites.filter((x) => x.parcels > 0);
  const hoursOf = new Map(operations.map((op) => [op.id, op.hours.kind]));
  await write(
    'sites.csv',
    ['site_id', 'network_id', 'lat', 'lng', 'pickup_mode', 'first_active', 'last_active', 'status', 'successor_site_id', 'parcels', ...PLACEMENT_COLUMNS],
    shipped.map((x) => [
      x.id,
      x.networkId,
      round6(x.point.lat),
      round6(x.point.lng),
      x.mode,
      day(Math.max(0, x.firstSeen)),
      day(Math.max(0, x.lastSeen, x.firstSeen)),
      x.status === 'moved' && !(x.successor && x.successor.parcels > 0) ? 'dormant' : x.status,
      x.successor && x.successor.parcels > 0 ? x.successor.id : null,
      x.parcels,
      ...placementCells(x, hoursOf.get(x.networkId)),
    ]),
  );
  await write(
    'sellers.csv',
    ['seller_id', 'is_counterfeit', 'network_id', 'kind'],
    sellers.map((x) => [x.id, x.isCounterfeit ? 1 : 0, x.networkId, x.kind]),
  );
  await write(
    'listings.csv',
    ['listing_id', 'is_counterfeit'],
    listings.map((l) => [l.id, l.isCounterfeit ? 1 : 0]),
  );
  const clean = {} as Record<string, number>;
  for (const [t, n] of Object.entries(meta.rows)) clean[t] = n - (meta.badRows[t as TableName] ?? 0);
  const world = {
    scenario: options.scenario.name,
    seed: options.seed,
    pickups_requested: options.pickups,
    format: options.format,
    crs: options.crs,
    truth_crs: 'WGS84',
    timezone: options.scenario.timezone,
    start_date: options.scenario.startDate,
    end_date: meta.endDate,
    days: meta.days,
    holiday: options.scenario.holiday.date,
    rows: meta.rows,
    clean_rows: clean,
    bad_rows: meta.badRows,
    counts: {
      sellers: sellers.length,
      counterfeit_sellers: sellers.filter((x) => x.isCounterfeit).length,
      listings: listings.length,
      counterfeit_listings: listings.filter((l) => l.isCounterfeit).length,
      sites: shipped.length,
      operations: operations.length,
    },
    operations: operations.map((op) => ({
      network_id: op.id,
      accounts: op.accounts.length,
      raided: op.raided,
      sites: sites.filter((x) => x.networkId === op.id).map((x) => x.id),
    })),
  };
  await writeFile(join(dir, 'world.json'), `${JSON.stringify(world, null, 2)}\n`);
  if (params) {
    const ops = operations.map((op) => ({
      network_id: op.id,
      accounts: op.accounts.length,
      hours: op.hours.kind,
      night_share: op.hours.kind === 'night' ? Math.round(op.nightShare * 1000) / 1000 : 0,
      true_sender_share: Math.round((1 - op.fakeSenderShare) * 1000) / 1000,
      shares_identity: op.sharesIdentity,
      sender_phones: op.senderPhones.length,
    }));
    await writeFile(join(dir, 'params.json'), `${JSON.stringify({ scenario: options.scenario.name, seed: options.seed, ...params, operations: ops }, null, 2)}\n`);
  }
}

/**
 * Extra truth columns on each site, for explaining failures and calibrating by
 * class (readers that do not know them ignore them):
 * - placement: how the den shows in the data. `door`: couriers collect within
 *   30 m of the den; `alley`: at one handover point further away; `inferred`:
 *   at several handover points, the den only inferable from their geometry;
 *   `station`: at a public parcel station.
 * - handover_points, handover_max_m: the points couriers collect at and the
 *   farthest one's distance from the den (0 for a doorstep).
 * - aoi_type: land use of the den; hours: `night` or `day` (repacking units).
 */
const PLACEMENT_COLUMNS = ['placement', 'handover_points', 'handover_max_m', 'aoi_type', 'hours'];

function placementCells(site: Site, hours: string | undefined): Cell[] {
  if (site.mode === 'station') return ['station', 1, Math.round(distanceM(site.point, site.station!.aoi)), site.aoi.type, hours ?? 'night'];
  const points = site.mode === 'alley' ? site.meetingPoints : [site.point];
  const far = Math.max(...points.map((p) => distanceM(site.point, p)));
  const placement = far <= 30 ? 'door' : points.length === 1 ? 'alley' : 'inferred';
  return [placement, points.length, Math.round(far), site.aoi.type, hours ?? 'night'];
}
