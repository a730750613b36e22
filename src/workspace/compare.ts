/**
 * Two runs side by side: which of the later run's leads are new, which
 * continue a site of the earlier run (the same place, or the same operation
 * nearby, as a case would follow it) and how their score and status moved,
 * and which earlier sites are gone.
 */
import { betterMatch, matchSite, NEARBY_M } from './follow.ts';
import { LEAD_COLUMNS, toLead, type LeadRow } from './runs.ts';
import type { Workspace } from './store.ts';
import type { LeadRecord } from './types.ts';

export interface RunComparison {
  from_run: number;
  to_run: number;
  continuing: { lead_id: string; previous_lead_id: string; relation: 'same_site' | 'same_operation'; distance_m: number; score: number; previous_score: number; status: string; previous_status: string }[];
  new: { lead_id: string; score: number; rank: number }[];
  gone: { lead_id: string; score: number; rank: number; status: string }[];
}

const CELL_DEG = 0.01;
const cellKey = (lat: number, lng: number) => `${Math.floor(lat / CELL_DEG)}:${Math.floor(lng / CELL_DEG)}`;

export function compareRuns(ws: Workspace, fromRun: number, toRun: number): RunComparison {
  const leads = (run: number) => (ws.prepare(`SELECT ${LEAD_COLUMNS} FROM leads WHERE run_id = ? ORDER BY rank`).all(run) as LeadRow[]).map(toLead);
  const before = leads(fromRun);
  const after = leads(toRun);
  // A grid of the earlier leads, so each later lead is compared with its neighbours only.
  const grid = new Map<string, LeadRecord[]>();
  for (const l of before) {
    const k = cellKey(l.lat, l.lng);
    grid.set(k, [...(grid.get(k) ?? []), l]);
  }
  const reach = Math.ceil(NEARBY_M / 111_000 / CELL_DEG) + 1;
  const matched = new Set<string>();
  const out: RunComparison = { from_run: fromRun, to_run: toRun, continuing: [], new: [], gone: [] };
  for (const l of after) {
    const [ci, cj] = cellKey(l.lat, l.lng).split(':').map(Number);
    let best: { prev: LeadRecord; relation: 'same_site' | 'same_operation'; distance: number } | undefined;
    for (let di = -reach; di <= reach; di++) {
      for (let dj = -reach; dj <= reach; dj++) {
        for (const prev of grid.get(`${ci + di}:${cj + dj}`) ?? []) {
          const m = matchSite(prev, l);
          if (m && betterMatch(m, best)) best = { prev, ...m };
        }
      }
    }
    if (!best) {
      out.new.push({ lead_id: l.lead_id, score: l.score, rank: l.rank });
      continue;
    }
    matched.add(best.prev.lead_id);
    out.continuing.push({
      lead_id: l.lead_id, previous_lead_id: best.prev.lead_id, relation: best.relation, distance_m: Math.round(best.distance),
      score: l.score, previous_score: best.prev.score, status: l.status, previous_status: best.prev.status,
    });
  }
  for (const p of before) if (!matched.has(p.lead_id)) out.gone.push({ lead_id: p.lead_id, score: p.score, rank: p.rank, status: p.status });
  return out;
}
