/**
 * Randomised worlds: per seed, every mechanism's parameters are drawn from
 * wide ranges instead of the fixed values of a scenario, so that detection
 * is measured on worlds it was not tuned on. The draws come from their own
 * stream (`fork('randomise')` of the world's root, which consumes nothing of
 * the root), so scenarios that do not randomise are untouched.
 *
 * RANGES states every range drawn from; `randomise` returns the drawn
 * scenario and the drawn values (written to truth/params.json).
 */
import type { Rng } from './random.ts';
import type { GeocodePrecision, LegitKind, PickupMode, Range, Scenario } from './scenario.ts';

/** The ranges each drawn parameter lies in (tests check every draw against them). */
export const RANGES = {
  /** Handover points per alley den, and their distance from the den, m. */
  handoverPoints: [1, 4],
  handoverDistanceM: [0, 250],
  /** Share of a den's waybills carrying its true sender address. */
  trueSenderShare: [0, 0.6],
  /** Of the others, the share with a vague address (village, no house number); the rest are fake. */
  vagueSenderShare: [0, 0.7],
  /** Weight of each geocoder precision (normalised when used). */
  geocodeWeight: [0, 1],
  gpsNoiseM: [5, 50],
  gpsOutlierShare: [0, 0.08],
  gpsOutlierDistanceM: [150, 1500],
  gpsMissing: [0.05, 0.5],
  lateScan: [0, 0.25],
  /** Per operation and identifier, the chance an account takes the operation's value. */
  sharedIdProb: [0.1, 0.8],
  /** Share of operations sharing no identifier at all. */
  noSharedIdShare: [0, 0.4],
  senderPhonePool: [1, 4],
  senderPhoneShare: [0.5, 0.95],
  nightShare: [0.4, 0.95],
  industrialDayShare: [0, 0.3],
  dayHoursMean: [10, 16],
  /** Pickup mode weights. */
  doorstepWeight: [0, 1],
  alleyWeight: [0.2, 1.5],
  stationWeight: [0, 0.6],
  splitDenProb: [0, 0.4],
  moveProb: [0.1, 0.5],
  stopProb: [0.05, 0.25],
  residentialProb: [0, 0.3],
  villagePointShare: [0, 0.5],
  doorstepSigmaM: [5, 30],
  couriersPerDen: [1, 3],
  /** Accounts per operation: the low end, and how far the high end lies above it. */
  accountsLow: [1, 4],
  accountsSpan: [1, 14],
  denVolumeFactor: [0.3, 3],
  siteFactor: [0.6, 1.6],
  /** Legitimate economy. */
  sellerFactor: [0.5, 2],
  legitMixSigma: [0.6, 0.6],
  livestreamFactor: [0.5, 5],
  livestreamNightShare: [0.3, 0.9],
  legitSharedIdentity: [0, 0.15],
  legitStationFactor: [0.3, 1.3],
  legitVillagePoint: [0, 0.6],
} as const satisfies Record<string, Range>;

/** The values drawn for one world (truth/params.json). */
export interface RandomParams {
  readonly den: {
    readonly modeWeights: Readonly<Record<PickupMode, number>>;
    readonly handoverPoints: Range;
    readonly handoverDistanceM: Range;
    readonly trueSenderShare: number;
    readonly vagueSenderShare: number;
    readonly sharedIdPerOperation: Range;
    readonly noSharedIdShare: number;
    readonly senderPhonePool: Range;
    readonly senderPhoneShare: number;
    readonly nightShare: Range;
    readonly industrialDayShare: number;
    readonly dayHoursMean: number;
    readonly splitDenProb: number;
    readonly moveProb: number;
    readonly stopProb: number;
    readonly residentialProb: number;
    readonly villagePointShare: number;
    readonly doorstepSigmaM: number;
    readonly couriers: Range;
    readonly accountsPerOperation: Range;
    readonly volumeFactor: number;
    readonly siteFactor: number;
  };
  readonly logistics: {
    readonly geocodePrecision: Readonly<Record<GeocodePrecision, number>>;
    readonly gpsNoiseM: Range;
    readonly gpsOutlierShare: number;
    readonly gpsMissing: Range;
    readonly lateScan: number;
  };
  readonly legit: {
    readonly sellerFactor: number;
    readonly mix: Readonly<Record<LegitKind, number>>;
    readonly livestreamNightShare: number;
    readonly sharedIdentity: number;
    readonly stationFactor: number;
    readonly villagePoint: number;
  };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
/** A sub-range of `r`, at least `minWidth` wide (as far as `r` allows). */
function subRange(rng: Rng, r: Range, minWidth: number): Range {
  const lo = rng.range(r[0], Math.max(r[0], r[1] - minWidth));
  const hi = rng.range(Math.min(r[1], lo + minWidth), r[1]);
  return [r3(lo), r3(hi)];
}

/** Draws a world's parameters around `base`; the result keeps base's name unless `name` is given. */
export function randomise(base: Scenario, rng: Rng, name = base.name): { scenario: Scenario; params: RandomParams } {
  const R = RANGES;
  const u = (r: Range) => r3(rng.in(r));
  const i = (r: Range) => rng.intIn(r);

  const modeWeights = { doorstep: u(R.doorstepWeight), alley: u(R.alleyWeight), station: u(R.stationWeight) };
  const handoverPoints: Range = [1, i(R.handoverPoints)];
  const handoverDistanceM = subRange(rng, R.handoverDistanceM, 30);
  const trueSenderShare = u(R.trueSenderShare);
  const vagueSenderShare = u(R.vagueSenderShare);
  const sharedIdPerOperation = subRange(rng, R.sharedIdProb, 0.1);
  const noSharedIdShare = u(R.noSharedIdShare);
  const senderPhonePool: Range = [1, i(R.senderPhonePool)];
  const senderPhoneShare = u(R.senderPhoneShare);
  const nightShare = subRange(rng, R.nightShare, 0.05);
  const industrialDayShare = u(R.industrialDayShare);
  const dayHoursMean = u(R.dayHoursMean);
  const accountsLow = i(R.accountsLow);
  const accountsPerOperation: Range = [accountsLow, accountsLow + i(R.accountsSpan)];
  const den = {
    modeWeights,
    handoverPoints,
    handoverDistanceM,
    trueSenderShare,
    vagueSenderShare,
    sharedIdPerOperation,
    noSharedIdShare,
    senderPhonePool,
    senderPhoneShare,
    nightShare,
    industrialDayShare,
    dayHoursMean,
    splitDenProb: u(R.splitDenProb),
    moveProb: u(R.moveProb),
    stopProb: u(R.stopProb),
    residentialProb: u(R.residentialProb),
    villagePointShare: u(R.villagePointShare),
    doorstepSigmaM: u(R.doorstepSigmaM),
    couriers: [1, i(R.couriersPerDen)] as Range,
    accountsPerOperation,
    volumeFactor: u(R.denVolumeFactor),
    siteFactor: u(R.siteFactor),
  };
  const logistics = {
    geocodePrecision: { building: u(R.geocodeWeight), street: u(R.geocodeWeight), village: u(R.geocodeWeight) },
    gpsNoiseM: subRange(rng, R.gpsNoiseM, 3),
    gpsOutlierShare: u(R.gpsOutlierShare),
    gpsMissing: subRange(rng, R.gpsMissing, 0.05),
    lateScan: u(R.lateScan),
  };
  const kinds = Object.keys(base.legitMix) as LegitKind[];
  const mix = {} as Record<LegitKind, number>;
  for (const k of kinds) mix[k] = r3(base.legitMix[k] * rng.lognormal(1, R.legitMixSigma[0]));
  mix.livestream = r3(mix.livestream * rng.in(R.livestreamFactor));
  const legit = {
    sellerFactor: u(R.sellerFactor),
    mix,
    livestreamNightShare: u(R.livestreamNightShare),
    sharedIdentity: u(R.legitSharedIdentity),
    stationFactor: u(R.legitStationFactor),
    villagePoint: u(R.legitVillagePoint),
  };
  // All weights zero would leave no choice: keep the geocoder at the building then.
  if (logistics.geocodePrecision.building + logistics.geocodePrecision.street + logistics.geocodePrecision.village === 0) {
    logistics.geocodePrecision.building = 1;
  }

  const fakeShare = 1 - trueSenderShare;
  const livestreamHours = base.legitHours.livestream;
  const scenario: Scenario = {
    ...base,
    name,
    description: `${base.description}; parameters drawn per seed (randomised)`,
    randomise: false,
    scale: {
      ...base.scale,
      sites: base.scale.sites * den.siteFactor,
      minSites: Math.max(3, Math.round(base.scale.minSites * den.siteFactor)),
      sellers: base.scale.sellers * legit.sellerFactor,
      minSellers: Math.max(60, Math.round(base.scale.minSellers * legit.sellerFactor)),
    },
    legitMix: mix,
    kindVolume: { ...base.kindVolume, den_account: r3(base.kindVolume.den_account * den.volumeFactor) },
    legitHours: {
      ...base.legitHours,
      livestream:
        livestreamHours.kind === 'night' ? { ...livestreamHours, nightShare: legit.livestreamNightShare } : { kind: 'night', nightShare: legit.livestreamNightShare, from: 22, to: 26 },
    },
    legitPlacement: Object.fromEntries(
      kinds.map((k) => [k, { ...base.legitPlacement[k], station: Math.min(1, r3(base.legitPlacement[k].station * legit.stationFactor)) }]),
    ) as Scenario['legitPlacement'],
    legitSharedIdentity: legit.sharedIdentity,
    legitVillagePoint: legit.villagePoint,
    den: {
      ...base.den,
      accountsPerOperation,
      splitDenProb: den.splitDenProb,
      residentialProb: den.residentialProb,
      modeWeights,
      meetingPoints: handoverPoints,
      meetingDistanceM: handoverDistanceM,
      doorstepSigmaM: den.doorstepSigmaM,
      nightShare,
      couriers: den.couriers,
      moveProb: den.moveProb,
      stopProb: den.stopProb,
      // Per operation, the share of fake-or-vague waybills lies within 0.1 of the world's (and the true share within 0-60%).
      fakeSenderProb: [r3(Math.max(1 - RANGES.trueSenderShare[1], fakeShare - 0.1)), r3(Math.min(1, fakeShare + 0.1))],
      sharedIdPerOperation,
      noSharedIdShare,
      senderPhonePool,
      senderPhoneShare,
      vagueSenderShare,
      industrialDayShare,
      dayHours: { mean: dayHoursMean, sd: 2.5 },
      villagePointShare: den.villagePointShare,
    },
    logistics: {
      ...base.logistics,
      gpsMissing: logistics.gpsMissing,
      lateScan: logistics.lateScan,
      gpsNoiseM: logistics.gpsNoiseM,
      geocodePrecision: logistics.geocodePrecision,
      streetErrorM: [40, 150],
      gpsOutliers: { share: logistics.gpsOutlierShare, distanceM: R.gpsOutlierDistanceM },
    },
  };
  return { scenario, params: { den, logistics, legit } };
}
