/**
 * Stage `networks`: links shop accounts run by one operation.
 *
 * in:  sellers, seller_senders, pickup_points
 * out: seller_identifiers(seller_id, kind, value)
 *      seller_networks(seller_id, network_id)
 *      network_links(network_id, kind, members_sharing): for evidence, the
 *        largest number of a network's accounts sharing one value of a kind
 *
 * Two accounts are linked when the identifiers they share weigh enough; two
 * different shared values of one kind (two waybill sender phones) weigh twice
 * as much as one.
 * A value says something about common control only when it is rare among
 * accounts that behave differently: one held by more than one account in
 * RARE_ODDS of those holding that kind (a parcel station's phone), or most of
 * whose holders look clean (a shop street's shared address, a village's
 * courier point), is public and links nobody. Estimated from the data, not a
 * fixed count (but for a floor in small datasets): a large operation's
 * eighteen accounts writing one sender phone are linked in a city of a
 * thousand shops.
 * Identifiers between two accounts neither of which looks plainly
 * counterfeit are a family or an agency as often as one operation: those are
 * linked only when they also hand parcels over at the same point.
 */
import type { Database } from '../../engine/database.ts';
import { addressKey } from './address.ts';
import { UnionFind } from './union-find.ts';
import { ALL_SIGNALS, type Signals } from '../signals.ts';

/** How much sharing one value of each kind says about common control. */
export const IDENTIFIER_WEIGHTS: Readonly<Record<string, number>> = {
  id_hash: 1.0,
  bank_hash: 1.0,
  phone_hash: 1.0,
  sender_phone_hash: 1.0,
  device_id: 0.7,
  return_address: 0.7,
  sender_address: 0.7,
  ship_place: 1.0,
};

/** Kinds whose values are the same sort of thing and are compared with each other. */
const IDENTIFIER_FAMILIES: Readonly<Record<string, string>> = {
  phone_hash: 'phone',
  sender_phone_hash: 'phone',
  return_address: 'address',
  sender_address: 'address',
};

/**
 * `ship_place`: a handover point (~50 m cell) and the part of the day (night
 * or day) from which at least a fifth of an account's GPS-placed parcels
 * leave; an account may have several (a den meeting couriers at two alley
 * mouths). Accounts of one operation hand parcels over at the same points at
 * the same hours even when they share no account identifier. A point where
 * most accounts handing over look clean, or a parcel station, is public: it
 * links nobody.
 */
const SHIP_PLACE_CELL_M = 50;
const SHIP_PLACE_MIN_PARCELS = 10;
const SHIP_PLACE_MIN_SHARE = 0.2;
/** Parcels an account must hand over at a point to count among those using it. */
const SHIP_PLACE_USER_PARCELS = 3;

/**
 * Kinds whose weight is scaled by how rare the value is among the accounts
 * that have a value of that kind (logistics: anyone may use a handover point
 * or a sender phone pool). A value counts fully when an unrelated account
 * holds it by chance less than once in RARE_ODDS, i.e. when
 * (sharers - 1) / (accounts - 1) <= 1 / RARE_ODDS; beyond that its weight
 * falls as ln((accounts - 1) / (sharers - 1)) / ln(RARE_ODDS), like an inverse
 * document frequency. Estimated from the data, not a fixed count.
 */
export const RARITY_WEIGHTED: ReadonlySet<string> = new Set(['ship_place', 'sender_phone_hash']);
/**
 * Also: a value of any kind held by more than one in RARE_ODDS of the
 * accounts holding that kind is public; but where fewer than
 * RARE_ODDS * MIN_PUBLIC_SHARERS accounts hold that kind, one in RARE_ODDS is
 * a handful and cannot tell a public value from one operation's accounts:
 * there a value is public only when more than MIN_PUBLIC_SHARERS hold it.
 */
export const RARE_ODDS = 20;
export const MIN_PUBLIC_SHARERS = 15;

/** A sender address counts as an account's own when it is on at least this many of its waybills. */
const SENDER_ADDRESS_MIN_WAYBILLS = 3;

/** Log-odds (score 0.3) at or under which an account's best listing looks clean. */
const CLEAN_LO = -0.85;

/** Log-odds (score 0.73) above which an account's best listing looks plainly counterfeit. */
const RISKY_LO = 1;

/** Sum of weights two accounts must share to be linked. */
export const LINK_THRESHOLD = 1.0;

export async function linkSellers(db: Database, signals: Signals = ALL_SIGNALS): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE seller_identifiers (seller_id VARCHAR, kind VARCHAR, value VARCHAR)`);
  await db.run(`
    INSERT INTO seller_identifiers
    SELECT seller_id, kind, value FROM (
      UNPIVOT (SELECT seller_id, phone_hash, id_hash, bank_hash, device_id FROM sellers)
      ON phone_hash, id_hash, bank_hash, device_id INTO NAME kind VALUE value)
    WHERE value IS NOT NULL`);
  await db.run(`
    INSERT INTO seller_identifiers
    SELECT seller_id, kind, value FROM seller_senders WHERE kind = 'sender_phone_hash'`);
  await db.run(`
    CREATE OR REPLACE TEMP TABLE listing_risk AS SELECT seller_id, max(lo) AS lo FROM listing_scores GROUP BY seller_id`);
  // One pass over the points, grouped by seller and cell as numbers: an account's totals are its
  // cells' sums (avg() is the same division of the same sums), and each cell's name is written once,
  // not once per parcel.
  await db.run(`
    CREATE OR REPLACE TEMP TABLE handover_points AS
    WITH cells AS (
      SELECT seller_id, floor(x / ${SHIP_PLACE_CELL_M})::BIGINT AS gx, floor(y / ${SHIP_PLACE_CELL_M})::BIGINT AS gy,
        count(*) AS here, sum(night::INT) AS nights, count(night) AS judged,
        coalesce(bool_or(aoi_type = 'parcel_station'), false) AS station
      FROM pickup_points WHERE quality = 1 AND x IS NOT NULL GROUP BY ALL),
    account AS (
      SELECT seller_id, sum(here)::BIGINT AS total, sum(nights)::DOUBLE / sum(judged)::DOUBLE AS night_share
      FROM cells GROUP BY seller_id)
    SELECT c.seller_id, c.gx || ':' || c.gy AS point, c.here, a.total, a.night_share, c.station
    FROM cells c JOIN account a USING (seller_id)`);
  if (signals.on('logistics')) await db.run(`
    INSERT INTO seller_identifiers
    SELECT seller_id, 'ship_place', point || ':' || CASE WHEN night_share >= 0.5 THEN 'night' ELSE 'day' END
    FROM handover_points WHERE total >= ${SHIP_PLACE_MIN_PARCELS} AND here >= ${SHIP_PLACE_MIN_SHARE} * total`);
  // Who uses each point at all, and how many of them look clean: a point most of whose users look
  // clean, or a parcel station, is public and links nobody.
  await db.run(`
    CREATE OR REPLACE TEMP TABLE public_values AS
    SELECT 'ship_place' AS kind, point || ':' || part AS value FROM (
      SELECT h.point, count(*) AS accounts, count(*) FILTER (WHERE coalesce(r.lo, ${CLEAN_LO}) <= ${CLEAN_LO}) AS clean,
        bool_or(h.station) AS station
      FROM handover_points h LEFT JOIN listing_risk r USING (seller_id) WHERE h.here >= ${SHIP_PLACE_USER_PARCELS} GROUP BY h.point),
      (VALUES ('night'), ('day')) parts(part)
    WHERE station OR 2 * clean > accounts`);
  const addresses = await db.all<{ seller_id: string; kind: string; address: string }>(
    `SELECT seller_id, 'return_address' AS kind, return_address AS address FROM sellers WHERE return_address IS NOT NULL
     UNION ALL
     SELECT seller_id, kind, value FROM seller_senders WHERE kind = 'sender_address' AND n >= ${SENDER_ADDRESS_MIN_WAYBILLS}
     ORDER BY seller_id, kind, address`,
  );
  const keyed = new Set<string>();
  await db.append(
    'seller_identifiers',
    addresses
      .map((a) => [a.seller_id, a.kind, addressKey(a.address)] as const)
      .filter(([id, kind, v]) => {
        // Variants of one address give one key: keep it once.
        const k = `${id}|${kind}|${v}`;
        if (v.length < 4 || keyed.has(k)) return false;
        keyed.add(k);
        return true;
      }),
  );

  const weights = Object.entries(IDENTIFIER_WEIGHTS)
    .map(([k, w]) => `('${k}', ${w})`)
    .join(', ');
  const families = Object.entries(IDENTIFIER_FAMILIES)
    .map(([k, f]) => `('${k}', '${f}')`)
    .join(', ');
  const edges = await db.all<{ a: string; b: string }>(`
    WITH w(kind, weight) AS (VALUES ${weights}),
    fam(kind, family) AS (VALUES ${families}),
    typed AS (
      SELECT i.seller_id, i.kind, coalesce(f.family, i.kind) AS family, i.value, w.weight
      FROM seller_identifiers i JOIN w USING (kind) LEFT JOIN fam f USING (kind)),
    holders AS (SELECT kind, count(DISTINCT seller_id) AS n FROM typed GROUP BY kind),
    family_holders AS (SELECT family, count(DISTINCT seller_id) AS n FROM typed GROUP BY family),
    rare AS (
      SELECT family, value, count(DISTINCT seller_id) AS sharers
      FROM typed LEFT JOIN listing_risk USING (seller_id) JOIN family_holders USING (family)
      GROUP BY family, value
      HAVING count(DISTINCT seller_id) >= 2
        AND count(DISTINCT seller_id) <= greatest(${MIN_PUBLIC_SHARERS}, any_value(n) / ${RARE_ODDS})
        AND 2 * count(DISTINCT seller_id) FILTER (WHERE coalesce(lo, ${CLEAN_LO}) <= ${CLEAN_LO}) <= count(DISTINCT seller_id)),
    ids AS (
      SELECT DISTINCT t.seller_id, t.kind, t.family, t.value,
        t.weight * CASE WHEN ${signals.on('logistics')} AND t.kind IN (${[...RARITY_WEIGHTED].map((k) => `'${k}'`).join(', ')})
          THEN least(1, greatest(0, ln((h.n - 1) / (r.sharers - 1)) / ln(${RARE_ODDS}))) ELSE 1 END AS weight
      FROM typed t JOIN rare r USING (family, value) JOIN holders h USING (kind)
      WHERE (t.kind, t.value) NOT IN (SELECT (kind, value) FROM public_values)),
    -- A value matches across kinds of one family (one account's waybill sender phone is another's
    -- contact phone) at the lesser weight; two different rare values of one family (two sender
    -- phones) say more than one, up to twice as much.
    pairs AS (
      SELECT x.seller_id AS a, y.seller_id AS b, x.family,
        max(least(x.weight, y.weight)) * least(2, count(DISTINCT x.value)) AS weight
      FROM ids x JOIN ids y ON x.family = y.family AND x.value = y.value AND x.seller_id < y.seller_id
      GROUP BY ALL),
    risk AS (
      SELECT p.*, coalesce(ra.lo, ${CLEAN_LO}) > ${RISKY_LO} AS risky_a, coalesce(rb.lo, ${CLEAN_LO}) > ${RISKY_LO} AS risky_b
      FROM pairs p LEFT JOIN listing_risk ra ON ra.seller_id = p.a LEFT JOIN listing_risk rb ON rb.seller_id = p.b)
    SELECT a, b FROM risk
    GROUP BY a, b
    -- A shared handover point weighs only between accounts that both look plainly counterfeit:
    -- night shippers such as livestream sellers share warehouses and courier points too.
    HAVING coalesce(sum(weight::DECIMAL(9, 3)) FILTER (WHERE family <> 'ship_place' OR (risky_a AND risky_b)), 0) >= ${LINK_THRESHOLD}
      -- Identifiers shared by two accounts neither of which looks plainly counterfeit are a family,
      -- an agency or a brand's two stores as often as one operation: those take the same handover
      -- point as well.
      AND (bool_or(risky_a OR risky_b) OR bool_or(family = 'ship_place'))
    ORDER BY a, b`);

  const sets = new UnionFind();
  for (const { seller_id } of await db.all<{ seller_id: string }>(`SELECT seller_id FROM sellers ORDER BY seller_id`)) {
    sets.add(seller_id);
  }
  if (signals.on('networks')) for (const e of edges) sets.union(e.a, e.b);
  await db.run(`CREATE OR REPLACE TABLE seller_networks (seller_id VARCHAR, network_id VARCHAR)`);
  await db.append(
    'seller_networks',
    sets.groups().flatMap((members) => members.map((m) => [m, `N-${members[0]}`] as const)),
  );

  await db.run(`
    CREATE OR REPLACE TABLE network_links AS
    SELECT network_id, kind, max(n) AS members_sharing FROM (
      SELECT n.network_id, i.kind, i.value, count(DISTINCT i.seller_id) AS n
      FROM seller_identifiers i JOIN seller_networks n USING (seller_id)
      GROUP BY ALL HAVING count(DISTINCT i.seller_id) > 1)
    GROUP BY ALL`);
}
