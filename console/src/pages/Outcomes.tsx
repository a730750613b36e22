/**
 * Enforcement outcomes as the industry reports them, by month and region:
 * leads sent to police, cases opened and referred, raids, sites found by
 * kind, arrests, value seized, lead-to-raid conversion and the median days
 * from first parcel to lead and from lead to raid (GET /api/impact/outcomes;
 * a police liaison's figures are their agency's region only).
 */
import { api } from '../api/client.ts';
import type { OutcomeFigures } from '../api/types.ts';
import { barOption, Chart } from '../components/Chart.tsx';
import { ErrorNote, Loading, PageTitle, Section, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { monthRange } from '../months.ts';

export function Outcomes() {
  const { t, num, money, pct } = useI18n();
  const data = useAsync(() => api.outcomes(), []);
  const d = data.data;
  const regionName = (id: string) => (id === 'other' ? t('impact.region.other') : d?.regions.find((r) => r.region === id)?.name ?? id);
  const months = d ? monthRange([...new Set(d.rows.map((r) => r.month))]) : [];
  const sum = (m: string, k: 'raids' | 'sites_found' | 'arrests') => d!.rows.filter((r) => r.month === m).reduce((s, r) => s + r[k], 0);
  return (
    <>
      <PageTitle title={t('outcomes.title')}>{t('outcomes.title')}</PageTitle>
      <ErrorNote error={data.error} />
      {!d ? (
        data.loading ? <Loading /> : null
      ) : (
        <>
          <ul class="cards" aria-label={t('outcomes.figures')}>
            <Card label={t('outcomes.leads_referred')} value={num(d.all.leads_referred)} />
            <Card label={t('outcomes.raids')} value={num(d.all.raids)} />
            <Card label={t('outcomes.sites_found')} value={num(d.all.sites_found)} />
            <Card label={t('outcomes.arrests')} value={num(d.all.arrests)} />
            <Card label={t('outcomes.value_seized')} value={money(d.all.value_seized)} />
            <Card label={t('outcomes.conversion')} value={pct(d.all.lead_to_raid_conversion)} />
            <Card label={t('outcomes.days_to_lead')} value={num(d.all.median_days_first_parcel_to_lead, 1)} />
            <Card label={t('outcomes.days_to_raid')} value={num(d.all.median_days_lead_to_raid, 1)} />
          </ul>
          {months.length > 0 && (
            <Section title={t('outcomes.chart_label')}>
              <Chart
                height={240}
                label={t('outcomes.chart_label')}
                option={barOption(months, [
                  { name: t('outcomes.raids'), data: months.map((m) => sum(m, 'raids')), colour: '#f6a04d' },
                  { name: t('outcomes.sites_found'), data: months.map((m) => sum(m, 'sites_found')), colour: '#b8001f' },
                  { name: t('outcomes.arrests'), data: months.map((m) => sum(m, 'arrests')), colour: '#2b59c3' },
                ])}
              />
            </Section>
          )}
          <Section title={t('outcomes.by_region')}>
            <FiguresTable rows={d.totals} label={t('outcomes.by_region')} regionName={regionName} withMonth={false} />
          </Section>
          <Section title={t('outcomes.by_month')}>
            <FiguresTable rows={d.rows} label={t('outcomes.by_month')} regionName={regionName} withMonth />
          </Section>
        </>
      )}
    </>
  );
}

export function Card({ label, value }: { label: string; value: string }) {
  return (
    <li class="card figure">
      <span class="figure-label">{label}</span>
      <span class="figure-value">{value}</span>
    </li>
  );
}

function FiguresTable({ rows, label, regionName, withMonth }: { rows: OutcomeFigures[]; label: string; regionName: (id: string) => string; withMonth: boolean }) {
  const { t, num, money, pct } = useI18n();
  return (
    <TableWrap label={label}>
      <table class="data">
        <thead>
          <tr>
            {withMonth && <th scope="col">{t('impact.month')}</th>}
            <th scope="col">{t('impact.region')}</th>
            <th scope="col" class="num">{t('outcomes.leads_referred')}</th>
            <th scope="col" class="num">{t('outcomes.cases_opened')}</th>
            <th scope="col" class="num">{t('outcomes.cases_referred')}</th>
            <th scope="col" class="num">{t('outcomes.raids')}</th>
            <th scope="col" class="num">{t('outcomes.sites_found')}</th>
            <th scope="col" class="num">{t('outcomes.production')}</th>
            <th scope="col" class="num">{t('outcomes.storage')}</th>
            <th scope="col" class="num">{t('outcomes.shipping')}</th>
            <th scope="col" class="num">{t('outcomes.arrests')}</th>
            <th scope="col" class="num">{t('outcomes.value_seized')}</th>
            <th scope="col" class="num">{t('outcomes.conversion')}</th>
            <th scope="col" class="num">{t('outcomes.days_to_lead')}</th>
            <th scope="col" class="num">{t('outcomes.days_to_raid')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.month}/${r.region}`}>
              {withMonth && <th scope="row">{r.month}</th>}
              {withMonth ? <td>{regionName(r.region)}</td> : <th scope="row">{regionName(r.region)}</th>}
              <td class="num">{num(r.leads_referred)}</td>
              <td class="num">{num(r.cases_opened)}</td>
              <td class="num">{num(r.cases_referred)}</td>
              <td class="num">{num(r.raids)}</td>
              <td class="num">{num(r.sites_found)}</td>
              <td class="num">{num(r.sites_by_kind.production)}</td>
              <td class="num">{num(r.sites_by_kind.storage)}</td>
              <td class="num">{num(r.sites_by_kind.shipping)}</td>
              <td class="num">{num(r.arrests)}</td>
              <td class="num">{money(r.value_seized)}</td>
              <td class="num">{pct(r.lead_to_raid_conversion)}</td>
              <td class="num">{num(r.median_days_first_parcel_to_lead, 1)}</td>
              <td class="num">{num(r.median_days_lead_to_raid, 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
