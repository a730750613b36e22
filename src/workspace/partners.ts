/**
 * Police partners: an agency, the area it has jurisdiction over (a GeoJSON
 * polygon), the product categories its memorandum of understanding with the
 * platform covers, and the dates it is in force. A referral may go only to a
 * partner whose area contains the site, whose agreement covers the case's
 * categories and is in force that day.
 */
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { MultiPolygon, Polygon } from 'geojson';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { audit, type Actor } from './audit.ts';
import { json, now, parseJson, type Workspace } from './store.ts';

export type Area = Polygon | MultiPolygon;

export interface Partner {
  partner_id: string;
  name: string;
  jurisdiction: Area;
  categories: string[];
  valid_from: string | null;
  valid_to: string | null;
  created_at: string;
}

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).rest(z.number());
const Ring = z.array(Position).min(4).refine((r) => r[0][0] === r.at(-1)![0] && r[0][1] === r.at(-1)![1], 'a ring must end where it starts');
const PolygonSchema = z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1) });
const MultiPolygonSchema = z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1)).min(1) });
const AreaSchema = z.union([PolygonSchema, MultiPolygonSchema]);

/**
 * A jurisdiction as given: a Polygon or MultiPolygon, a Feature of one, or a
 * FeatureCollection whose polygons are joined. Returns one geometry.
 */
export function parseJurisdiction(input: unknown, where: string): Area {
  const geoms: unknown[] = [];
  const o = input as { type?: string; geometry?: unknown; features?: { geometry?: unknown }[] };
  if (o?.type === 'FeatureCollection') geoms.push(...(o.features ?? []).map((f) => f.geometry));
  else if (o?.type === 'Feature') geoms.push(o.geometry);
  else geoms.push(input);
  const polygons: Polygon['coordinates'][] = [];
  for (const g of geoms) {
    const parsed = AreaSchema.safeParse(g);
    if (!parsed.success) {
      throw new UserError(`${where}: the jurisdiction must be a GeoJSON Polygon or MultiPolygon in [lng, lat] (or a Feature or FeatureCollection of them): ${parsed.error.issues[0].message} at ${parsed.error.issues[0].path.join('.') || 'the top'}`);
    }
    if (parsed.data.type === 'Polygon') polygons.push(parsed.data.coordinates as Polygon['coordinates']);
    else polygons.push(...(parsed.data.coordinates as MultiPolygon['coordinates']));
  }
  if (polygons.length === 0) throw new UserError(`${where}: the jurisdiction holds no polygon`);
  return polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0] } : { type: 'MultiPolygon', coordinates: polygons };
}

export const PARTNER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export interface NewPartner {
  partner_id: string;
  name: string;
  jurisdiction: Area;
  categories: string[];
  valid_from?: string | null;
  valid_to?: string | null;
}

export function addPartner(ws: Workspace, actor: Actor, p: NewPartner): Partner {
  if (!PARTNER_ID_RE.test(p.partner_id)) throw new UserError(`partner id ${JSON.stringify(p.partner_id)}: letters, digits, dot, underscore or dash, at most 64`);
  if (!p.name.trim()) throw new UserError('a partner needs a name');
  if (p.categories.length === 0) throw new UserError('a partner agreement covers one or more categories (--categories shoes,clothing,...)');
  for (const d of [p.valid_from, p.valid_to]) {
    if (d && (!DATE_RE.test(d) || Number.isNaN(Date.parse(d)))) throw new UserError(`${d} is not a date (YYYY-MM-DD)`);
  }
  if (p.valid_from && p.valid_to && p.valid_to < p.valid_from) throw new UserError(`the agreement ends (${p.valid_to}) before it starts (${p.valid_from})`);
  return ws.tx(() => {
    if (ws.prepare(`SELECT 1 FROM partners WHERE partner_id = ?`).get(p.partner_id)) throw new UserError(`partner ${p.partner_id} exists already`);
    ws.sql
      .prepare(`INSERT INTO partners (partner_id, name, jurisdiction, categories, valid_from, valid_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(p.partner_id, p.name.trim(), json(p.jurisdiction), json(p.categories), p.valid_from ?? null, p.valid_to ?? null, now());
    audit(ws, actor, { action: 'partner.add', object_type: 'partner', object_id: p.partner_id, detail: { name: p.name, categories: p.categories, valid_from: p.valid_from ?? null, valid_to: p.valid_to ?? null } });
    return getPartner(ws, p.partner_id)!;
  });
}

interface PartnerRow {
  partner_id: string;
  name: string;
  jurisdiction: string;
  categories: string;
  valid_from: string | null;
  valid_to: string | null;
  created_at: string;
}
const toPartner = (r: PartnerRow): Partner => ({ ...r, jurisdiction: parseJson(r.jurisdiction), categories: parseJson(r.categories) });

export function getPartner(ws: Workspace, id: string): Partner | undefined {
  const r = ws.prepare(`SELECT * FROM partners WHERE partner_id = ?`).get(id) as PartnerRow | undefined;
  return r && toPartner(r);
}

export function listPartners(ws: Workspace): Partner[] {
  return (ws.prepare(`SELECT * FROM partners ORDER BY partner_id`).all() as PartnerRow[]).map(toPartner);
}

export function contains(area: Area, lat: number, lng: number): boolean {
  return booleanPointInPolygon([lng, lat], area);
}

export function inForce(p: Partner, day: string): boolean {
  return (!p.valid_from || p.valid_from <= day) && (!p.valid_to || day <= p.valid_to);
}

/** Why a partner may not take a referral of this site and categories on `day`, or null when it may. */
export function referralBar(p: Partner, site: { lat: number; lng: number; categories: string[] }, day: string): string | null {
  if (!contains(p.jurisdiction, site.lat, site.lng)) return `the site lies outside ${p.name}'s jurisdiction`;
  const uncovered = site.categories.filter((c) => !p.categories.includes(c));
  if (uncovered.length > 0) return `${p.name}'s agreement does not cover ${uncovered.join(', ')}`;
  if (!inForce(p, day)) return `${p.name}'s agreement is not in force on ${day} (${p.valid_from ?? '…'} to ${p.valid_to ?? '…'})`;
  return null;
}

export function eligiblePartners(ws: Workspace, site: { lat: number; lng: number; categories: string[] }, day: string): Partner[] {
  return listPartners(ws).filter((p) => referralBar(p, site, day) === null);
}
