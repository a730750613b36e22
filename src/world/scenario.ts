/**
 * Scenario: every knob of a synthetic world, as data. Code in src/world/
 * reads these and never hard-codes a rate, so a new scenario (another city,
 * a quieter network, a noisier logistics system) is a new object, not new code.
 */
import type { DeterrenceKnob } from './deterrence.ts';
import type { AoiType } from '../contract/dataset.ts';

export type Range = readonly [number, number];

export type LegitKind =
  | 'brand_store'
  | 'factory'
  | 'reseller'
  | 'parallel_importer'
  | 'accessory'
  | 'livestream'
  | 'small_seller';
export type SellerKind = LegitKind | 'den_account';
export type PickupMode = 'doorstep' | 'alley' | 'station';
export type GeocodePrecision = 'building' | 'street' | 'village';
export type HourProfileSpec =
  | { readonly kind: 'day'; readonly mean: number; readonly sd: number }
  | { readonly kind: 'night'; readonly nightShare: number; readonly from: number; readonly to: number };

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** City name as written in pickups.city and addresses. */
  readonly city: string;
  readonly province: string;
  readonly center: { readonly lat: number; readonly lng: number };
  /** Side of the square study area, km. */
  readonly extentKm: number;
  /** Districts and their towns; AOIs take one by position (west to east). */
  readonly districts: readonly { readonly name: string; readonly towns: readonly string[] }[];
  readonly timezone: string;
  readonly currency: string;
  readonly startDate: string;
  readonly defaultDays: number;
  /** A holiday during which dens pause and legitimate volume dips. */
  readonly holiday: {
    readonly date: string;
    /** Dens stop this many days before (jittered per operation). */
    readonly denPauseBefore: number;
    /** ... and resume this many days after. */
    readonly denPauseAfter: number;
    /** Legitimate volume factor from `legitDipBefore` days before to `legitDipAfter` days after. */
    readonly legitDipFactor: number;
    readonly legitDipBefore: number;
    readonly legitDipAfter: number;
    /** Pre-holiday shopping: factor for the weeks before the dip. */
    readonly preHolidayFactor: number;
  };
  readonly aoiCounts: Readonly<Record<AoiType, number>>;
  readonly aoiRadiusM: Readonly<Record<AoiType, Range>>;
  /** Courier territories: a grid of `territoryGrid` x `territoryGrid` cells. */
  readonly territoryGrid: number;
  readonly couriersPerTerritory: Range;

  /** How the world grows with the requested number of pickups: count = ref * (pickups / refPickups) ^ exponent. */
  readonly scale: {
    readonly refPickups: number;
    readonly sites: number;
    readonly siteExponent: number;
    readonly minSites: number;
    readonly sellers: number;
    readonly sellerExponent: number;
    readonly minSellers: number;
  };
  /** Mix of legitimate sellers (fractions, normalised). */
  readonly legitMix: Readonly<Record<LegitKind, number>>;
  /** Median relative daily volume per seller kind. */
  readonly kindVolume: Readonly<Record<SellerKind, number>>;
  /** Log-normal spread of volume between sellers of one kind. */
  readonly volumeSigma: number;
  /** Day-to-day log-normal noise of a seller's volume. */
  readonly dailySigma: number;
  readonly listingsPerSeller: Readonly<Record<SellerKind, Range>>;
  /** Fraction of legitimate sellers that start selling during the period. */
  readonly legitLateStart: number;
  /** Where each kind of legitimate seller sits (AOI type weights) and how often it drops parcels at a station instead of a doorstep pickup. */
  readonly legitPlacement: Readonly<Record<LegitKind, { readonly aoi: Readonly<Partial<Record<AoiType, number>>>; readonly station: number }>>;
  /** Pickup hours per legitimate kind: daytime (mean, sd in hours) or night (share in [from, to) hours, `to` may pass 24). */
  readonly legitHours: Readonly<Record<LegitKind, HourProfileSpec>>;
  /** Items per parcel: mean of the tail above one item. */
  readonly bulk: Readonly<Record<SellerKind, number>>;
  /** Fraction of legitimate sellers whose waybill sender address is not where parcels are collected (office vs warehouse). */
  readonly legitAddressMismatch: number;
  /** Legitimate sellers sharing identifiers (families, chains): fraction of sellers in such groups. */
  readonly legitSharedIdentity: number;
  readonly legitNoReturnAddress: number;
  /**
   * Share of legitimate sellers in urban villages who hand their parcels to the
   * courier at the village's public courier point rather than at their door.
   * Optional: absent, nobody does (and nothing is drawn for it).
   */
  readonly legitVillagePoint?: number;
  /** Optional: share of legitimate sellers writing a vague sender address (their village or estate, no house number). */
  readonly legitVagueSender?: number;
  /** When true, each seed draws the scenario's parameters from wide ranges (see randomise.ts). */
  readonly randomise?: boolean;

  readonly den: {
    readonly accountsPerOperation: Range;
    readonly splitDenProb: number;
    readonly splitDistanceM: Range;
    readonly residentialProb: number;
    readonly modeWeights: Readonly<Record<PickupMode, number>>;
    readonly meetingPoints: Range;
    readonly meetingDistanceM: Range;
    readonly doorstepSigmaM: number;
    readonly nightShare: Range;
    readonly couriers: Range;
    readonly moveProb: number;
    readonly stopProb: number;
    /** Of the operations that stop, the share stopped by a raid (a confirmed outcome). */
    readonly raidShareOfStops: number;
    /** Probability that an account takes each identifier from the operation's pool rather than its own. */
    readonly sharedIdProb: Readonly<{ phone: number; id: number; bank: number; device: number }>;
    readonly poolSize: Range;
    /** Share of waybills carrying a fake sender address. */
    readonly fakeSenderProb: Range;
    readonly fakeAddressesPerAccount: Range;
    readonly brandsPerOperation: Range;
    readonly priceFraction: Range;
    readonly disguisedProb: number;
    readonly disguisedFraction: Range;
    readonly productRefProb: number;
    readonly brandMissingProb: number;
    readonly brandVariantProb: number;
    readonly maxPhashFlips: number;
    readonly genericListingProb: number;
    readonly noReturnAddress: number;
    /** Days over which an operation's accounts were registered. */
    readonly registrationSpreadDays: Range;
    readonly jargon: readonly string[];
    /*
     * Optional mechanisms: absent, the generator behaves (and draws) exactly as
     * it did before they existed, so existing scenarios stay byte-identical.
     */
    /** Per operation, each identifier's sharing probability is drawn from this range (replaces `sharedIdProb`). */
    readonly sharedIdPerOperation?: Range;
    /** Share of operations whose accounts share no identifier and no return address: linked only by logistics. */
    readonly noSharedIdShare?: number;
    /** Waybill sender phones: a pool of this many phones per operation, apart from the accounts' own phones. */
    readonly senderPhonePool?: Range;
    /** Share of a den's waybills carrying a phone of the operation's pool (default 0.85); the rest the account's phone. */
    readonly senderPhoneShare?: number;
    /** Of a den's waybills without the true address, the share with a vague one (village or estate, no house number). */
    readonly vagueSenderShare?: number;
    /** Share of operations that are daytime repacking units in industrial estates. */
    readonly industrialDayShare?: number;
    /** Pickup hours of such daytime dens. */
    readonly dayHours?: { readonly mean: number; readonly sd: number };
    /** Share of alley dens in urban villages that also use the village's public courier point (when within 250 m). */
    readonly villagePointShare?: number;
  };

  /** Where parcels go, with weights. */
  readonly recipientCities: Readonly<Record<string, number>>;
  readonly logistics: {
    readonly gpsMissing: Range;
    readonly lateScan: number;
    readonly lateScanMinutes: Range;
    readonly gpsNoiseM: Range;
    readonly geocodeNoiseM: Range;
    readonly noOffsetTimestamps: number;
    readonly acceptLeadMinutes: Range;
    readonly orderLeadHoursMedian: number;
    /**
     * Optional: how precisely the logistics geocoder places an address (weights):
     * the building (`geocodeNoiseM`), somewhere on its street (`streetErrorM`), or
     * the centroid of its village or estate. Absent: always the building.
     */
    readonly geocodePrecision?: Readonly<Record<GeocodePrecision, number>>;
    readonly streetErrorM?: Range;
    /** Optional: a share of GPS fixes thrown far off (multipath, stale fix), by a distance in this range. */
    readonly gpsOutliers?: { readonly share: number; readonly distanceM: Range };
  };

  readonly reports: {
    /** Test buys per counterfeit site, and their accuracy. */
    readonly testBuysPerSite: number;
    readonly testBuyAccuracy: number;
    readonly testBuyOnDens: number;
    /** Rights-holder notices per 100 listings of catalog brands, accuracy and share aimed at dens. */
    readonly rightsHolderPer100Listings: number;
    readonly rightsHolderAccuracy: number;
    readonly rightsHolderOnDens: number;
    readonly consumerPer100Listings: number;
    readonly consumerAccuracy: number;
    readonly platformPerSite: number;
    readonly platformAccuracy: number;
  };
  readonly outcomes: {
    readonly wrongPlaceChecks: Range;
    readonly earlyChecks: number;
    readonly seizedValue: Range;
    readonly arrests: Range;
  };
  /** Bad rows injected per table, as a fraction of its rows (at least one). */
  readonly badRowRate: Range;
  /** Other dens' reactions to a raid nearby (world/deterrence.ts); absent: none react. */
  readonly deterrence?: DeterrenceKnob;
  /**
   * OEM factories of the programme that also supply a den (world/programme.ts):
   * how many run one of a den's accounts, and how many have premises at a den.
   * Absent: none do.
   */
  readonly denSuppliers?: { readonly accounts: Range; readonly premises: Range };
}

/** Putian: the shoe-counterfeiting capital, Fujian; 12 x 12 km around the old town. */
export const putian: Scenario = {
  name: 'putian',
  description: 'Putian (Fujian): shoe and apparel counterfeiting in urban villages, over the 2026 Spring Festival',
  city: '莆田',
  province: '福建省',
  center: { lat: 25.44, lng: 119.01 },
  extentKm: 12,
  districts: [
    { name: '城厢区', towns: ['龙桥街道', '凤凰山街道', '华亭镇', '常太镇'] },
    { name: '荔城区', towns: ['镇海街道', '拱辰街道', '西天尾镇', '新度镇'] },
    { name: '荔城区', towns: ['黄石镇', '北高镇', '新度镇'] },
    { name: '涵江区', towns: ['涵东街道', '江口镇', '三江口镇'] },
  ],
  timezone: 'Asia/Shanghai',
  currency: 'CNY',
  startDate: '2025-12-01',
  defaultDays: 120,
  holiday: {
    date: '2026-02-17',
    denPauseBefore: 7,
    denPauseAfter: 10,
    legitDipFactor: 0.3,
    legitDipBefore: 4,
    legitDipAfter: 7,
    preHolidayFactor: 1.15,
  },
  aoiCounts: { urban_village: 48, residential: 70, industrial: 14, commercial: 30, parcel_station: 32, other: 12 },
  aoiRadiusM: {
    urban_village: [150, 400],
    residential: [100, 300],
    industrial: [300, 700],
    commercial: [80, 250],
    parcel_station: [15, 40],
    other: [100, 400],
  },
  territoryGrid: 5,
  couriersPerTerritory: [1, 3],
  scale: {
    refPickups: 300_000,
    sites: 25,
    siteExponent: 0.33,
    minSites: 4,
    sellers: 1500,
    sellerExponent: 0.38,
    minSellers: 150,
  },
  legitMix: {
    brand_store: 0.025,
    factory: 0.05,
    reseller: 0.13,
    parallel_importer: 0.06,
    accessory: 0.09,
    livestream: 0.06,
    small_seller: 0.585,
  },
  kindVolume: {
    brand_store: 14,
    factory: 40,
    reseller: 2.5,
    parallel_importer: 2.5,
    accessory: 1.5,
    livestream: 9,
    small_seller: 0.8,
    den_account: 7,
  },
  volumeSigma: 0.8,
  dailySigma: 0.35,
  listingsPerSeller: {
    brand_store: [12, 40],
    factory: [5, 25],
    reseller: [5, 30],
    parallel_importer: [5, 25],
    accessory: [4, 20],
    livestream: [6, 30],
    small_seller: [1, 8],
    den_account: [4, 20],
  },
  legitLateStart: 0.12,
  legitPlacement: {
    brand_store: { aoi: { commercial: 1 }, station: 0 },
    factory: { aoi: { industrial: 1 }, station: 0 },
    reseller: { aoi: { residential: 5, commercial: 3, urban_village: 2 }, station: 0.5 },
    parallel_importer: { aoi: { residential: 6, commercial: 4 }, station: 0.5 },
    accessory: { aoi: { residential: 3, urban_village: 3, commercial: 2, industrial: 1 }, station: 0.6 },
    livestream: { aoi: { commercial: 5, residential: 5 }, station: 0.05 },
    small_seller: { aoi: { residential: 45, urban_village: 45, commercial: 10 }, station: 0.75 },
  },
  legitHours: {
    brand_store: { kind: 'day', mean: 15, sd: 2 },
    factory: { kind: 'day', mean: 14, sd: 2.5 },
    reseller: { kind: 'day', mean: 15.5, sd: 3 },
    parallel_importer: { kind: 'day', mean: 15, sd: 3 },
    accessory: { kind: 'day', mean: 14.5, sd: 3 },
    livestream: { kind: 'night', nightShare: 0.8, from: 22, to: 26 },
    small_seller: { kind: 'day', mean: 16, sd: 3.2 },
  },
  bulk: {
    brand_store: 0.2,
    factory: 3,
    reseller: 0.1,
    parallel_importer: 0.15,
    accessory: 0.5,
    livestream: 0.2,
    small_seller: 0.2,
    den_account: 0.35,
  },
  legitAddressMismatch: 0.06,
  legitSharedIdentity: 0.04,
  legitNoReturnAddress: 0.15,
  den: {
    accountsPerOperation: [3, 15],
    splitDenProb: 0.2,
    splitDistanceM: [200, 500],
    residentialProb: 0.15,
    modeWeights: { doorstep: 0.4, alley: 0.35, station: 0.25 },
    meetingPoints: [1, 3],
    meetingDistanceM: [50, 150],
    doorstepSigmaM: 15,
    nightShare: [0.7, 0.85],
    couriers: [1, 3],
    moveProb: 0.3,
    stopProb: 0.15,
    raidShareOfStops: 0.6,
    sharedIdProb: { phone: 0.45, id: 0.35, bank: 0.55, device: 0.5 },
    poolSize: [1, 3],
    fakeSenderProb: [0.4, 0.9],
    fakeAddressesPerAccount: [2, 6],
    brandsPerOperation: [1, 3],
    priceFraction: [0.05, 0.25],
    disguisedProb: 0.15,
    disguisedFraction: [0.35, 0.6],
    productRefProb: 0.5,
    brandMissingProb: 0.3,
    brandVariantProb: 0.4,
    maxPhashFlips: 6,
    genericListingProb: 0.08,
    noReturnAddress: 0.2,
    registrationSpreadDays: [5, 60],
    jargon: ['纯原', '公司级', '1:1', '莆田', '高版本', '原厂', '顶级', '真标', '原鞋开模', '过验', '版本'],
  },
  recipientCities: {
    上海: 9, 北京: 8, 广州: 7, 深圳: 7, 杭州: 6, 成都: 6, 武汉: 5, 重庆: 5, 西安: 4, 南京: 4, 苏州: 4, 长沙: 3,
    郑州: 3, 天津: 3, 青岛: 2, 合肥: 2, 福州: 3, 厦门: 3, 泉州: 2, 昆明: 2, 沈阳: 2, 哈尔滨: 1, 南宁: 1, 贵阳: 1,
    济南: 2, 石家庄: 1, 太原: 1, 兰州: 1, 乌鲁木齐: 0.5, 拉萨: 0.2, 莆田: 2,
  },
  logistics: {
    gpsMissing: [0.15, 0.25],
    lateScan: 0.05,
    lateScanMinutes: [20, 180],
    gpsNoiseM: [10, 25],
    geocodeNoiseM: [10, 30],
    noOffsetTimestamps: 0.03,
    acceptLeadMinutes: [10, 150],
    orderLeadHoursMedian: 14,
  },
  reports: {
    testBuysPerSite: 2,
    testBuyAccuracy: 0.95,
    testBuyOnDens: 0.8,
    rightsHolderPer100Listings: 2,
    rightsHolderAccuracy: 0.7,
    rightsHolderOnDens: 0.55,
    consumerPer100Listings: 1.5,
    consumerAccuracy: 0.5,
    platformPerSite: 0.6,
    platformAccuracy: 0.8,
  },
  outcomes: {
    wrongPlaceChecks: [3, 6],
    earlyChecks: 1,
    seizedValue: [50_000, 2_000_000],
    arrests: [1, 8],
  },
  badRowRate: [0.0005, 0.002],
};

