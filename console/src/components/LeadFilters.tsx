/** The lead filters shared by the map and the lead list: status, minimum score, brand, category, search, sort. */
import type { Lead } from '../api/types.ts';
import { useI18n } from '../i18n/index.ts';
import { facets, filterToQuery, SORTS, type LeadFilter, type Sort } from '../leads/filter.ts';
import { setQuery } from '../router.tsx';
import { Field } from './ui.tsx';

export function LeadFilters({ leads, filter, compact }: { leads: Lead[]; filter: LeadFilter; compact?: boolean }) {
  const { t, term } = useI18n();
  const { brands, categories } = facets(leads);
  const set = (patch: Partial<LeadFilter>) => setQuery(filterToQuery({ ...filter, ...patch }));
  const value = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;
  return (
    <fieldset class={`filters ${compact ? 'compact' : ''}`}>
      <legend>{t('filters.leads')}</legend>
      <Field label={t('filters.status')}>
        {(id) => (
          <select id={id} name="status" value={filter.status} onChange={(e) => set({ status: value(e) as LeadFilter['status'] })}>
            <option value="">{t('filters.any')}</option>
            {(['active', 'dormant', 'moved'] as const).map((s) => (
              <option key={s} value={s}>
                {term('status', s)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('filters.min_score')}>
        {(id) => (
          <input id={id} name="min_score" type="number" min={0} max={1} step={0.05} value={filter.minScore} onChange={(e) => set({ minScore: Number(value(e)) || 0 })} />
        )}
      </Field>
      <Field label={t('filters.brand')}>
        {(id) => (
          <select id={id} name="brand" value={filter.brand} onChange={(e) => set({ brand: value(e) })}>
            <option value="">{t('filters.any')}</option>
            {brands.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('filters.category')}>
        {(id) => (
          <select id={id} name="category" value={filter.category} onChange={(e) => set({ category: value(e) })}>
            <option value="">{t('filters.any')}</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {term('category', c)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('filters.search')} hint={compact ? undefined : t('filters.search_hint')}>
        {(id) => <input id={id} name="q" type="search" value={filter.text} onChange={(e) => set({ text: value(e) })} />}
      </Field>
      <Field label={t('filters.sort')}>
        {(id) => (
          <select id={id} name="sort" value={filter.sort} onChange={(e) => set({ sort: value(e) as Sort })}>
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {t(`sort.${s}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
    </fieldset>
  );
}
