/**
 * A run's output written by hand: run.json and leads.geojson in the results
 * contract, no database, so that a test decides every lead's place, status,
 * accounts and successor. `registerRun` reads it like any finished run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LeadRecord } from '../../src/workspace/types.ts';

export type HandLead = Omit<LeadRecord, 'run_id'>;

/** A lead with plausible defaults; `over` sets what the test cares about. */
export function handLead(over: Partial<HandLead> & Pick<HandLead, 'lead_id' | 'lat' | 'lng'>): HandLead {
  return {
    rank: 1,
    score: 0.8,
    radius_m: 40,
    seller_ids: [],
    network_ids: [],
    waybills: 120,
    night_share: 0.7,
    first_seen: '2026-01-01T10:00:00+08:00',
    last_seen: '2026-02-01T02:00:00+08:00',
    status: 'active',
    successor_lead_id: null,
    brands: ['Nike'],
    categories: ['shoes'],
    est_value: 10_000,
    evidence: ['night pickups'],
    ...over,
  };
}

/** Writes OUT/run.json and OUT/leads.geojson (ranks in the order given); returns OUT. */
export function writeHandRun(out: string, leads: HandLead[], runJson: Record<string, unknown> = {}): string {
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'run.json'),
    JSON.stringify({ dataset_name: 'hand-made', method: 'dragnet', started_at: '2026-03-01T00:00:00Z', timezone: 'Asia/Shanghai', currency: 'CNY', database: null, ...runJson }),
  );
  const features = leads.map((l, i) => {
    const { lat, lng, ...props } = l;
    return { type: 'Feature', geometry: { type: 'Point', coordinates: [lng, lat] }, properties: { ...props, rank: i + 1 } };
  });
  writeFileSync(join(out, 'leads.geojson'), JSON.stringify({ type: 'FeatureCollection', features }));
  return out;
}

/** A point `metres` east of (lat, lng). */
export function east(lat: number, lng: number, metres: number): { lat: number; lng: number } {
  return { lat, lng: lng + metres / (111_320 * Math.cos((lat * Math.PI) / 180)) };
}
