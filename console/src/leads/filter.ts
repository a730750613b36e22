/**
 * Filtering the run's leads in the browser: the list is loaded once (a run
 * has hundreds of leads, not millions), so a filter answers at once, and the
 * map and the list always agree. The filter lives in the page's query, so a
 * filtered view is a link.
 */
import type { Lead, LeadStatus } from '../api/types.ts';

export const SORTS = ['rank', 'score', 'waybills', 'last_seen', 'est_value', 'night_share'] as const;
export type Sort = (typeof SORTS)[number];

export interface LeadFilter {
  status: LeadStatus | '';
  minScore: number;
  brand: string;
  category: string;
  text: string;
  sort: Sort;
}

export function filterFromQuery(q: URLSearchParams): LeadFilter {
  const status = q.get('status') ?? '';
  const sort = q.get('sort') ?? 'rank';
  const min = Number(q.get('min_score') ?? 0);
  return {
    status: status === 'active' || status === 'dormant' || status === 'moved' ? status : '',
    minScore: Number.isFinite(min) ? Math.min(1, Math.max(0, min)) : 0,
    brand: q.get('brand') ?? '',
    category: q.get('category') ?? '',
    text: q.get('q') ?? '',
    sort: (SORTS as readonly string[]).includes(sort) ? (sort as Sort) : 'rank',
  };
}

export function filterToQuery(f: LeadFilter): Record<string, string | number | undefined> {
  return {
    status: f.status || undefined,
    min_score: f.minScore > 0 ? f.minScore : undefined,
    brand: f.brand || undefined,
    category: f.category || undefined,
    q: f.text || undefined,
    sort: f.sort === 'rank' ? undefined : f.sort,
  };
}

const SORT_KEY: Record<Sort, (l: Lead) => number | string> = {
  rank: (l) => l.rank,
  score: (l) => -l.score,
  waybills: (l) => -l.waybills,
  last_seen: (l) => -Date.parse(l.last_seen || '1970-01-01'),
  est_value: (l) => -(l.est_value ?? 0),
  night_share: (l) => -l.night_share,
};

export function filterLeads(leads: Lead[], f: LeadFilter): Lead[] {
  const text = f.text.trim().toLowerCase();
  const out = leads.filter(
    (l) =>
      (!f.status || l.status === f.status) &&
      l.score >= f.minScore &&
      (!f.brand || l.brands.includes(f.brand)) &&
      (!f.category || l.categories.includes(f.category)) &&
      (!text || l.lead_id.toLowerCase().includes(text) || l.brands.some((b) => b.toLowerCase().includes(text)) || l.seller_ids.some((s) => s.toLowerCase() === text)),
  );
  const key = SORT_KEY[f.sort];
  return out.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : a.rank - b.rank;
  });
}

/** The brands and categories present, for the filters' choices. */
export function facets(leads: Lead[]): { brands: string[]; categories: string[] } {
  const brands = new Set<string>();
  const categories = new Set<string>();
  for (const l of leads) {
    l.brands.forEach((b) => brands.add(b));
    l.categories.forEach((c) => categories.add(c));
  }
  return { brands: [...brands].sort(), categories: [...categories].sort() };
}
