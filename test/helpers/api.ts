/**
 * What the API tests share: the run's public leads (leads.geojson) to check
 * the API against, which partners may take a referral of a site (computed
 * here from the partners' own jurisdictions and categories, independently of
 * the server), raw downloads, and the error checks.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the API's JSON bodies, checked by value */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { MultiPolygon, Polygon } from 'geojson';
import { expect } from 'vitest';
import type { Client } from './workspace.ts';

export interface GeoLead {
  lead_id: string;
  rank: number;
  score: number;
  lat: number;
  lng: number;
  radius_m: number;
  status: string;
  successor_lead_id: string | null;
  seller_ids: string[];
  network_ids: string[];
  brands: string[];
  categories: string[];
  waybills: number;
  properties: Record<string, unknown>;
}

/** The run's leads as its leads.geojson (results contract) has them, by rank. */
export function geoLeads(results: string): GeoLead[] {
  const fc = JSON.parse(readFileSync(join(results, 'leads.geojson'), 'utf8')) as {
    features: { geometry: { coordinates: [number, number] }; properties: Record<string, unknown> }[];
  };
  return fc.features
    .map((f) => ({
      ...(f.properties as Omit<GeoLead, 'lat' | 'lng' | 'properties'>),
      lng: f.geometry.coordinates[0],
      lat: f.geometry.coordinates[1],
      properties: f.properties,
    }))
    .sort((a, b) => a.rank - b.rank);
}

export interface PartnerOut {
  partner_id: string;
  jurisdiction: Polygon | MultiPolygon;
  categories: string[];
  valid_from: string | null;
  valid_to: string | null;
}

/** Ids of the partners that may take a referral of this site today: area contains it, agreement covers its categories and is in force. */
export function eligibleIds(partners: PartnerOut[], site: { lat: number; lng: number; categories: string[] }): string[] {
  const day = new Date().toISOString().slice(0, 10);
  return partners
    .filter((p) => booleanPointInPolygon([site.lng, site.lat], p.jurisdiction))
    .filter((p) => site.categories.every((c) => p.categories.includes(c)))
    .filter((p) => (!p.valid_from || p.valid_from <= day) && (!p.valid_to || day <= p.valid_to))
    .map((p) => p.partner_id)
    .sort();
}

/** Great-circle distance in metres. */
export function metres(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const r = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * r) / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(((b.lng - a.lng) * r) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

/** A download as bytes and text, with its headers (the helper's `call` parses JSON; exports are checked as sent). */
export async function download(base: string, client: Client | null, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers: { ...(client ? { cookie: client.cookie } : {}), ...headers } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition') ?? '', bytes, text: bytes.toString('utf8') };
}

/** The API's one error shape, with its status, code, and (when given) a word the message must carry, such as the field's name. */
export function expectError(r: { status: number; body: any }, status: number, code: string, mention?: string | RegExp): void {
  expect({ status: r.status, code: r.body?.error?.code }, JSON.stringify(r.body)).toEqual({ status, code });
  expect(typeof r.body.error.message).toBe('string');
  if (typeof mention === 'string') expect(r.body.error.message).toContain(mention);
  else if (mention) expect(r.body.error.message).toMatch(mention);
}

/** The message of a 404 with the id taken out, to compare a hidden object's answer with a missing one's. */
export const withoutId = (message: string, id: string | number) => message.split(String(id)).join('#');

/** Moves a case through `steps` (each a transition body), failing loudly at the first that is refused. */
export async function moveCase(client: Client, caseId: number, steps: Record<string, unknown>[]): Promise<any> {
  let last: any;
  for (const step of steps) {
    const r = await client.call('POST', `/api/cases/${caseId}/transitions`, step);
    if (r.status !== 200) throw new Error(`${client.name}: case ${caseId} to ${String(step.to)}: ${r.status} ${JSON.stringify(r.body)}`);
    last = r.body;
  }
  return last;
}
