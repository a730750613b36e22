/** The run's leads as a table, filtered and sorted in the browser; a rights holder's first page (their brands' leads only). */
import { useMemo, useState } from 'preact/hooks';
import { allLeads } from '../cache.ts';
import { LeadFilters } from '../components/LeadFilters.tsx';
import { ErrorNote, Loading, PageTitle, Score, StatusBadge, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { filterFromQuery, filterLeads } from '../leads/filter.ts';
import { isTeam } from '../roles.ts';
import { Link, useLocation } from '../router.tsx';
import { useSession } from '../session.ts';

export function Leads() {
  const { t, num, pct, date, money, term } = useI18n();
  const { user } = useSession();
  const { query } = useLocation();
  const qs = query.toString();
  const filter = useMemo(() => filterFromQuery(query), [qs]);
  const leads = useAsync(() => allLeads(), []);
  const shown = useMemo(() => (leads.data ? filterLeads(leads.data, filter) : []), [leads.data, filter]);
  const team = isTeam(user.role);
  const [limit, setLimit] = useState(200);
  const title = user.role === 'rights_holder' ? t('leads.title_brands', { brands: user.brands.join(', ') }) : t('leads.title');
  return (
    <>
      <PageTitle title={title}>{title}</PageTitle>
      <ErrorNote error={leads.error} />
      {leads.loading && !leads.data ? <Loading /> : null}
      {leads.data ? (
        <>
          <LeadFilters leads={leads.data} filter={filter} />
          <p class="count" aria-live="polite" data-testid="lead-count">
            {t('leads.count', { shown: num(shown.length), total: num(leads.data.length) })}
          </p>
          <TableWrap label={t('leads.table')}>
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">{t('lead.rank')}</th>
                  <th scope="col">{t('lead.lead')}</th>
                  <th scope="col">{t('lead.score')}</th>
                  <th scope="col">{t('lead.status')}</th>
                  <th scope="col" class="num">{t('lead.radius')}</th>
                  <th scope="col" class="num">{t('lead.parcels')}</th>
                  <th scope="col" class="num">{t('lead.night_share')}</th>
                  <th scope="col">{t('lead.brands')}</th>
                  <th scope="col">{t('lead.categories')}</th>
                  <th scope="col">{t('lead.last_seen')}</th>
                  {user.role !== 'rights_holder' ? <th scope="col" class="num">{t('lead.est_value')}</th> : null}
                  {team ? <th scope="col">{t('lead.case')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {shown.slice(0, limit).map((l) => (
                  <tr key={l.lead_id}>
                    <td>{l.rank}</td>
                    <td>
                      <Link href={`/leads/${encodeURIComponent(l.lead_id)}`}>{l.lead_id}</Link>
                    </td>
                    <td>
                      <Score value={l.score} />
                    </td>
                    <td>
                      <StatusBadge status={l.status} />
                    </td>
                    <td class="num">{num(l.radius_m)} m</td>
                    <td class="num">{num(l.waybills)}</td>
                    <td class="num">{pct(l.night_share)}</td>
                    <td>{l.brands.join(', ')}</td>
                    <td>{l.categories.map((c) => term('category', c)).join(', ')}</td>
                    <td>{date(l.last_seen)}</td>
                    {user.role !== 'rights_holder' ? <td class="num">{money(l.est_value)}</td> : null}
                    {team ? <td>{l.case_id ? <Link href={`/cases/${l.case_id}`}>#{l.case_id}</Link> : ''}</td> : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {shown.length > limit ? (
            <button type="button" class="secondary show-more" onClick={() => setLimit(shown.length)}>
              {t('leads.show_all', { n: num(shown.length) })}
            </button>
          ) : null}
        </>
      ) : null}
    </>
  );
}
