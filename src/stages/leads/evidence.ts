/**
 * Plain-word reasons for a lead, most important first, with the numbers an
 * analyst would check before sending anyone to the address.
 */

export interface SiteFacts {
  waybills: number;
  night_share: number;
  operators: number;
  station: boolean;
  place_name: string | null;
  place_type: string | null;
  sellers_near: number;
  median_price_ratio: number | null;
  priced_listings: number;
  /** Listings of this site's parcels put up before the product's official release, by unauthorised sellers. */
  prerelease_listings: number;
  couriers: number;
  q80: number;
  est_value: number;
  network_ids: string[];
  test_buys: number;
  network_links: ReadonlyArray<{ network_id: string; kind: string; members_sharing: number }>;
  outcome: { result: string; date: Date; cleared: boolean } | null;
  /** Checked leads the score was scaled on (probability.ts); 0 or absent: the model's own scale. */
  scaled_on?: number;
  /** 'door' when the lead sits at the address most waybills name, away from where couriers collect. */
  placed_by: string;
  door_offset_m: number | null;
  door_share: number;
  /** How the lead was placed (PlacementClass in sites/placement.ts) and, for a den placed between its handover points, how many. */
  placement: string;
  handover_points: number;
  radius_m: number;
  /** What the radius rests on: the reach of dens from their handover points in this dataset, and the confirmed sites it was calibrated on. */
  radius_basis?: {
    reachQ90: number | null;
    reachSites: number;
    geocodeMax: number | null;
    geocodeShops: number;
    calibratedOn: number;
    calibration: 'class' | 'pooled' | null;
    /** The widening applied for want of confirmed sites to calibrate on (calibration.ts), or null. */
    widened?: number | null;
  };
  /** Set when a station site was placed where its den probably is (see drop-origin.ts). */
  relocation?: { reason: string; distanceM: number };
}

const KIND_WORDS: Record<string, string> = {
  bank_hash: 'a bank account',
  id_hash: 'an identity document',
  phone_hash: 'a phone number',
  device_id: 'a login device',
  return_address: 'a return address',
  sender_phone_hash: 'a waybill sender phone',
  sender_address: 'a waybill sender address',
  ship_place: 'the spot and hours their parcels leave from',
};

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${Math.round(x * 100)}%`;

export function buildEvidence(f: SiteFacts): string[] {
  const out: string[] = [];
  out.push(`${pct(f.night_share)} of ${fmt(f.waybills)} parcels picked up 22:00-06:00`);
  if (f.operators > 0) {
    const strongest = [...f.network_links].sort((a, b) => b.members_sharing - a.members_sharing)[0];
    const shared = strongest ? `, ${strongest.members_sharing} sharing ${KIND_WORDS[strongest.kind] ?? strongest.kind}` : '';
    const nets = f.network_ids.length > 1 ? ` in ${f.network_ids.length} networks` : '';
    out.push(`${f.operators} high-risk shop account${f.operators > 1 ? 's' : ''}${nets}${shared}`);
  }
  if (f.median_price_ratio !== null && f.priced_listings > 0) {
    out.push(`median price ${pct(f.median_price_ratio)} of MSRP across ${fmt(f.priced_listings)} listings`);
  }
  if (f.prerelease_listings > 0) {
    out.push(`${fmt(f.prerelease_listings)} listing${f.prerelease_listings > 1 ? 's' : ''} put up before the product's official release`);
  }
  if (f.test_buys > 0) out.push(`${f.test_buys} test buy${f.test_buys > 1 ? 's' : ''} confirmed counterfeit`);
  if (f.station && f.relocation) {
    const where = f.place_name ? ` (${f.place_name})` : '';
    out.push(
      `parcels handed over at a public drop-off point${where} used by ${fmt(f.sellers_near)} sellers; ` +
        `${f.relocation.reason} ${fmt(f.relocation.distanceM)} m away: lead placed there`,
    );
  } else if (f.station) {
    const where = f.place_name ? ` (${f.place_name})` : '';
    out.push(
      `parcels handed over at a public drop-off point${where} used by ${fmt(f.sellers_near)} sellers: the site is nearby, radius widened`,
    );
  } else {
    const where = f.place_name ? ` in ${f.place_name}${f.place_type ? ` (${f.place_type.replace('_', ' ')})` : ''}` : '';
    out.push(`pickups concentrated within ${fmt(Math.max(f.q80, 1))} m${where}, ${f.couriers} courier${f.couriers > 1 ? 's' : ''}`);
    if (f.placed_by === 'door' && f.door_offset_m !== null) {
      out.push(
        `couriers collect ${fmt(f.door_offset_m)} m from the pickup address on ${pct(f.door_share)} of nearby waybills: lead placed at that address`,
      );
    }
  }
  out.push(placementLine(f));
  out.push(`estimated sales ${fmt(f.est_value)}`);
  if (f.outcome) {
    const day = f.outcome.date.toISOString().slice(0, 10);
    if (f.outcome.result === 'confirmed') out.push(`confirmed by an offline check on ${day}`);
    else if (f.outcome.cleared) out.push(`checked on ${day}, nothing found, no new activity since: lowered`);
    else out.push(`checked on ${day} with nothing found, but parcels kept leaving afterwards`);
  }
  if (f.scaled_on) out.push(`score is the share of checks that found a site, scaled on ${fmt(f.scaled_on)} leads already checked`);
  return out;
}

const PLACEMENT_WORDS: Record<string, string> = {
  door_observed: 'the den is seen: couriers collect at the door most waybills give',
  door_away: 'couriers collect away from the door most waybills give: placed where the den can be within the geocoder\'s error of that door and within reach of the handover point',
  handover_point: 'the den is not seen: couriers collect here and no sender address agrees near it',
  handover_points: 'the den is not seen: placed between its handover points, where it can reach all of them',
  station: 'near this station: the den is somewhere in its catchment',
  station_address: "placed at the den address its waybills give, geocoded by its accounts' return addresses",
  station_place: 'placed at the centroid of the place its den address names: an area, not a door',
  station_return: 'placed at the return address its accounts agree on',
};

/** How the lead was placed and what its radius rests on. */
function placementLine(f: SiteFacts): string {
  const words = PLACEMENT_WORDS[f.placement] ?? f.placement;
  const points = f.placement === 'handover_points' ? ` (${f.handover_points} handover points used by the same accounts)` : '';
  const b = f.radius_basis;
  let basis = '';
  if (b && (f.placement === 'handover_point' || f.placement === 'handover_points')) {
    basis = b.reachSites > 0
      ? `; dens here lie up to ${fmt(b.reachQ90 ?? 0)} m from where couriers collect (90%, from ${b.reachSites} sites with a known door)`
      : '; too few sites with a known door to learn from: a den may be up to 250 m from where couriers collect';
  }
  if (b && f.placement === 'door_away' && b.geocodeMax !== null) {
    basis = b.geocodeShops > 0
      ? `; this geocoder puts addresses up to ${fmt(b.geocodeMax)} m from their building (95%, from ${b.geocodeShops} shops at their own door)`
      : `; too few shops at their own door to judge the geocoder: up to ${fmt(b.geocodeMax)} m assumed`;
  }
  const calibrated = b?.calibration
    ? `, calibrated on ${b.calibratedOn} confirmed site${b.calibratedOn > 1 ? 's' : ''}${b.calibration === 'pooled' ? ' of every placement' : ' placed alike'}`
    : b?.widened
      ? `, widened x${b.widened} until enough sites are confirmed to calibrate on`
      : '';
  return `placement ${f.placement}: ${words}${points}${basis}; radius ${fmt(f.radius_m)} m holds the site about 9 times in 10${calibrated}`;
}
