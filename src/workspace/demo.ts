/**
 * The demo's workspace: the demo run registered, police partners whose
 * jurisdictions cover different districts of the demo city and whose
 * agreements cover different categories, and one user per role with a
 * one-time password (random, printed once, never a default).
 */
import { randomBytes } from 'node:crypto';
import { SYSTEM } from './audit.ts';
import { addPartner, type Area } from './partners.ts';
import { registerRun, type RegisterReport } from './runs.ts';
import type { Workspace } from './store.ts';
import type { Role } from './types.ts';
import { addUser } from './users.ts';

export interface DemoUser {
  name: string;
  role: Role;
  password: string;
  agency_id?: string;
  brands?: string[];
}

const box = (w: number, s: number, e: number, n: number): Area => ({
  type: 'Polygon',
  coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
});

/** Partners over the leads' extent: a western and an eastern district police bureau, and a city-wide market regulator. */
export function demoPartners(leads: { lat: number; lng: number }[]): { id: string; name: string; area: Area; categories: string[]; from: string; to: string | null }[] {
  const lats = leads.map((l) => l.lat);
  const lngs = leads.map((l) => l.lng);
  const pad = 0.02;
  const [w, e, s, n] = [Math.min(...lngs) - pad, Math.max(...lngs) + pad, Math.min(...lats) - pad, Math.max(...lats) + pad];
  const mid = lngs.slice().sort((a, b) => a - b)[Math.floor(lngs.length / 2)];
  return [
    { id: 'west-psb', name: '西区公安分局 West District PSB', area: box(w, s, mid, n), categories: ['shoes', 'clothing', 'luggage'], from: '2024-01-01', to: null },
    { id: 'east-psb', name: '东区公安分局 East District PSB', area: box(mid, s, e, n), categories: ['shoes', 'clothing', 'mother_baby', 'food_drug'], from: '2024-01-01', to: null },
    { id: 'city-amr', name: '市场监督管理局 City Market Regulation', area: box(w, s, e, n), categories: ['food_drug', 'mother_baby', 'auto_parts', 'appliances'], from: '2025-01-01', to: '2027-12-31' },
  ];
}

const password = () => randomBytes(12).toString('base64url');

export async function buildDemoWorkspace(ws: Workspace, resultsDir: string): Promise<{ users: DemoUser[]; registered: RegisterReport }> {
  const registered = await registerRun(ws, SYSTEM, resultsDir, 'demo run');
  const leads = ws.prepare(`SELECT lat, lng, brands FROM leads WHERE run_id = ?`).all(registered.run.run_id) as { lat: number; lng: number; brands: string }[];
  const partners = demoPartners(leads.length > 0 ? leads : [{ lat: 25.43, lng: 119.0 }]);
  for (const p of partners) {
    addPartner(ws, SYSTEM, { partner_id: p.id, name: p.name, jurisdiction: p.area, categories: p.categories, valid_from: p.from, valid_to: p.to });
  }
  // The brand on most leads, so the rights holder has something to see.
  const counts = new Map<string, number>();
  for (const l of leads) for (const b of JSON.parse(l.brands) as string[]) counts.set(b, (counts.get(b) ?? 0) + 1);
  const brand = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? 'Nike';
  const users: DemoUser[] = [
    { name: 'analyst', role: 'analyst', password: password() },
    { name: 'supervisor', role: 'supervisor', password: password() },
    { name: 'west-police', role: 'police_liaison', password: password(), agency_id: 'west-psb' },
    { name: 'east-police', role: 'police_liaison', password: password(), agency_id: 'east-psb' },
    { name: 'brand-owner', role: 'rights_holder', password: password(), brands: [brand] },
    { name: 'programme', role: 'programme_manager', password: password() },
    { name: 'admin', role: 'admin', password: password() },
  ];
  for (const u of users) await addUser(ws, SYSTEM, { name: u.name, role: u.role, password: u.password, agency_id: u.agency_id ?? null, brands: u.brands ?? [] });
  return { users, registered };
}
