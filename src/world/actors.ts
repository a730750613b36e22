/**
 * The in-memory model of a world's actors: sellers (shop accounts), their
 * listings, counterfeit operations and their sites. Only these live in
 * memory; parcels are generated from them day by day and streamed to disk.
 */
import type { Category } from '../contract/dataset.ts';
import type { AddressParts } from './addresses.ts';
import type { Address, Aoi, Courier, Point } from './city.ts';
import type { HourProfileSpec, PickupMode, SellerKind } from './scenario.ts';

export interface Listing {
  /** Assigned once all listings exist, in creation order (ids on a platform grow with time). */
  id: string;
  readonly seller: Seller;
  readonly title: string;
  readonly brand: string | null;
  readonly productRef: string | null;
  readonly category: Category;
  readonly price: number;
  /** Local wall-clock seconds (see time.ts). */
  readonly createdAt: number;
  readonly phash: string | null;
  readonly isCounterfeit: boolean;
  /** Weight of one item, kg. */
  readonly unitKg: number;
  /** Relative popularity among the seller's listings. */
  readonly popularity: number;
}

/** When a seller ships, by hour of the day. */
export type HourProfile = HourProfileSpec;

/** Where and how a legitimate seller's parcels leave. */
export interface PickupSpot {
  readonly mode: 'doorstep' | 'station';
  /** Where the courier physically stands. */
  readonly point: Point;
  /** For a station drop, the station's address (the logistics system's pickup address). */
  readonly station: Address | null;
  readonly couriers: readonly Courier[];
}

export interface Seller {
  /** Assigned once all sellers exist, in registration order. */
  id: string;
  readonly kind: SellerKind;
  readonly networkId: string;
  readonly isCounterfeit: boolean;
  readonly shopName: string;
  readonly registeredAt: number;
  readonly region: string;
  phone: string | null;
  idHash: string | null;
  bank: string | null;
  device: string | null;
  readonly returnAddress: string | null;
  readonly returnPoint: Point | null;
  readonly listings: Listing[];
  /** Median daily parcels, relative to other sellers. */
  readonly volume: number;
  /** First and last (exclusive) day index the seller ships. */
  readonly activeFrom: number;
  readonly activeTo: number;
  readonly hours: HourProfile;
  /** Parcels per order: mean of the geometric tail above 1. */
  readonly bulk: number;
  /** Legitimate sellers: the pickup spot and the sender address written on waybills. */
  readonly spot: PickupSpot | null;
  readonly senderAddress: Address | null;
  readonly senderPhone: string | null;
  /** Den accounts: the operation, the site slot the account ships from, its fake sender addresses. */
  readonly operation: Operation | null;
  readonly slot: number;
  readonly fakeAddresses: readonly Address[];
}

export interface Site {
  readonly id: string;
  readonly networkId: string;
  /** The den's door. */
  readonly point: Point;
  readonly aoi: Aoi;
  /** The den's real address (its canonical text and geocode). */
  readonly address: Address;
  readonly addressParts: AddressParts;
  readonly mode: PickupMode;
  readonly meetingPoints: readonly Point[];
  readonly station: Address | null;
  readonly couriers: readonly Courier[];
  status: 'active' | 'dormant' | 'moved';
  successor: Site | null;
  /** Day indexes of the first and last parcel actually collected (filled while generating). */
  firstSeen: number;
  lastSeen: number;
  /** Parcels collected there (filled while generating): a site that shipped nothing is not in the truth. */
  parcels: number;
}

export interface Operation {
  readonly id: string;
  /** Sites before the holiday pause and after it (the same sites unless the operation moved). */
  readonly before: Site[];
  readonly after: Site[];
  readonly pauseFrom: number;
  readonly pauseTo: number;
  /** Day the operation stops for good (exclusive); `Infinity` if it never does. */
  readonly stopDay: number;
  readonly raided: boolean;
  readonly nightShare: number;
  readonly fakeSenderShare: number;
  readonly phones: readonly string[];
  /** Phones written on the operation's waybills (the account phones' pool unless the scenario gives dens a separate pool). */
  readonly senderPhones: readonly string[];
  /** When its accounts ship. */
  readonly hours: HourProfile;
  /** False for an operation whose accounts share no identifier (linked only by logistics). */
  readonly sharesIdentity: boolean;
  readonly accounts: Seller[];
}

/** Every site of an operation, in order of opening. */
export function operationSites(op: Operation): Site[] {
  const all = [...op.before];
  for (const s of op.after) if (!all.includes(s)) all.push(s);
  return all;
}

/** The sites an operation ships from on a day (empty while paused or stopped). */
export function sitesOn(op: Operation, day: number): readonly Site[] {
  if (day >= op.stopDay) return [];
  if (day < op.pauseFrom) return op.before;
  if (day < op.pauseTo) return [];
  return op.after;
}
