/** The overview: open leads by status, cases by state, sites confirmed, value seized and arrests, by month (aggregates only). */
import { api } from '../api/client.ts';
import type { CaseState } from '../api/types.ts';
import { barOption, Chart } from '../components/Chart.tsx';
import { ErrorNote, Loading, PageTitle, Section, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';

const STATES: CaseState[] = ['new', 'analysing', 'offline_check', 'referral_proposed', 'referred', 'raided', 'closed', 'dismissed'];
const STATUSES = ['active', 'dormant', 'moved'];

export function Overview() {
  const { t, term, num, money } = useI18n();
  const stats = useAsync(() => api.stats(), []);
  const s = stats.data;
  const openCases = s ? STATES.filter((x) => x !== 'closed' && x !== 'dismissed').reduce((n, x) => n + (s.cases_by_state[x] ?? 0), 0) : 0;
  return (
    <>
      <PageTitle title={t('overview.title')}>{t('overview.title')}</PageTitle>
      <ErrorNote error={stats.error} />
      {!s ? (
        stats.loading ? <Loading /> : null
      ) : (
        <>
          <ul class="cards" aria-label={t('overview.figures')}>
            <li class="card figure">
              <span class="figure-label">{t('overview.leads')}</span>
              <span class="figure-value">{num(STATUSES.reduce((n, x) => n + (s.leads_by_status[x] ?? 0), 0))}</span>
            </li>
            <li class="card figure">
              <span class="figure-label">{t('overview.open_cases')}</span>
              <span class="figure-value">{num(openCases)}</span>
            </li>
            <li class="card figure">
              <span class="figure-label">{t('overview.sites_confirmed')}</span>
              <span class="figure-value">{num(s.sites_confirmed)}</span>
            </li>
            <li class="card figure">
              <span class="figure-label">{t('overview.value_seized')}</span>
              <span class="figure-value">{money(s.value_seized)}</span>
            </li>
            <li class="card figure">
              <span class="figure-label">{t('overview.arrests')}</span>
              <span class="figure-value">{num(s.arrests)}</span>
            </li>
          </ul>
          <div class="grid-2">
            <Section title={t('overview.leads_by_status')}>
              <Chart
                height={200}
                label={STATUSES.map((x) => `${term('status', x)}: ${num(s.leads_by_status[x] ?? 0)}`).join(', ')}
                option={barOption(STATUSES.map((x) => term('status', x)), [{ name: t('overview.leads'), data: STATUSES.map((x) => s.leads_by_status[x] ?? 0), colour: '#b8001f' }])}
              />
            </Section>
            <Section title={t('overview.cases_by_state')}>
              <Chart
                height={200}
                label={STATES.map((x) => `${term('state', x)}: ${num(s.cases_by_state[x] ?? 0)}`).join(', ')}
                option={barOption(STATES.map((x) => term('state', x)), [{ name: t('overview.cases'), data: STATES.map((x) => s.cases_by_state[x] ?? 0), colour: '#2b59c3' }], { rotate: 30 })}
              />
            </Section>
          </div>
          <Section title={t('overview.by_month')}>
            {s.by_month.length === 0 ? (
              <p class="muted">{t('overview.no_months')}</p>
            ) : (
              <>
                <Chart
                  height={260}
                  label={t('overview.by_month_label')}
                  option={barOption(
                    s.by_month.map((m) => m.month),
                    [
                      { name: t('overview.cases_opened'), data: s.by_month.map((m) => m.cases_opened), colour: '#8a97b8' },
                      { name: t('overview.referred'), data: s.by_month.map((m) => m.referred), colour: '#2b59c3' },
                      { name: t('overview.raids'), data: s.by_month.map((m) => m.raids), colour: '#f6a04d' },
                      { name: t('overview.confirmed'), data: s.by_month.map((m) => m.confirmed), colour: '#b8001f' },
                      { name: t('overview.value_seized'), data: s.by_month.map((m) => m.value_seized), type: 'line', yAxisIndex: 1, colour: '#2b2d6e' },
                    ],
                    { twoAxes: true },
                  )}
                />
                <TableWrap label={t('overview.by_month')}>
                  <table class="data">
                    <thead>
                      <tr>
                        <th scope="col">{t('overview.month')}</th>
                        <th scope="col" class="num">{t('overview.cases_opened')}</th>
                        <th scope="col" class="num">{t('overview.referred')}</th>
                        <th scope="col" class="num">{t('overview.raids')}</th>
                        <th scope="col" class="num">{t('overview.confirmed')}</th>
                        <th scope="col" class="num">{t('overview.value_seized')}</th>
                        <th scope="col" class="num">{t('overview.arrests')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {s.by_month.map((m) => (
                        <tr key={m.month}>
                          <th scope="row">{m.month}</th>
                          <td class="num">{num(m.cases_opened)}</td>
                          <td class="num">{num(m.referred)}</td>
                          <td class="num">{num(m.raids)}</td>
                          <td class="num">{num(m.confirmed)}</td>
                          <td class="num">{money(m.value_seized)}</td>
                          <td class="num">{num(m.arrests)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableWrap>
              </>
            )}
          </Section>
          <Section title={t('overview.cases_by_state')}>
            <dl class="facts">
              {STATES.map((x) => (
                <div key={x}>
                  <dt>{term('state', x)}</dt>
                  <dd>{num(s.cases_by_state[x] ?? 0)}</dd>
                </div>
              ))}
            </dl>
          </Section>
        </>
      )}
    </>
  );
}
