/**
 * The own-brand programme's dashboard (aggregates only): headline figures,
 * the belts on a map sized by turnover, turnover by month per belt and per
 * category, the share by province and growth on the same period a year
 * before (GET /api/impact/programme).
 */
import type { FeatureCollection } from 'geojson';
import type { Map as MapLibre } from 'maplibre-gl';
import { api } from '../api/client.ts';
import type { Programme as ProgrammeData } from '../api/types.ts';
import { barOption, Chart, type ChartOption } from '../components/Chart.tsx';
import { MapView } from '../components/MapView.tsx';
import { ErrorNote, Loading, PageTitle, Section, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { boundsOf } from '../map/geo.ts';
import { Card } from './Outcomes.tsx';
import { monthRange } from '../months.ts';

const PALETTE = ['#b8001f', '#2b59c3', '#f6a04d', '#2b2d6e', '#3f8f5a', '#8a97b8', '#c05bb0', '#6b6b6b'];

/** Months as rows, one series per key (belt or category), for a line chart. */
function seriesBy<K extends string>(rows: ({ month: string; turnover: number } & Record<K, string>)[], key: K, name: (k: string) => string): ChartOption {
  const months = monthRange([...new Set(rows.map((r) => r.month))]);
  const keys = [...new Set(rows.map((r) => r[key]))].sort();
  return barOption(
    months,
    keys.map((k, i) => ({
      name: name(k),
      type: 'line' as const,
      colour: PALETTE[i % PALETTE.length],
      data: months.map((m) => rows.find((r) => r.month === m && r[key] === k)?.turnover ?? 0),
    })),
  );
}

export function Programme() {
  const { t, term, num, money, pct } = useI18n();
  const data = useAsync(() => api.programme(), []);
  const d = data.data;
  return (
    <>
      <PageTitle title={t('programme.title')}>{t('programme.title')}</PageTitle>
      <ErrorNote error={data.error} />
      {!d ? (
        data.loading ? <Loading /> : null
      ) : (
        <>
          <ul class="cards" aria-label={t('programme.figures')}>
            <Card label={t('programme.belts')} value={num(d.headline.belts)} />
            <Card label={t('programme.enrolled')} value={`${num(d.headline.factories_enrolled)} / ${num(d.headline.factories)}`} />
            <Card label={t('programme.categories')} value={d.headline.categories.map((c) => term('category', c)).join(', ') || '–'} />
            <Card label={t('programme.daily')} value={money(d.headline.daily_turnover)} />
            <Card label={t('programme.growth')} value={d.headline.growth?.growth != null ? pct(d.headline.growth.growth) : t('programme.growth_none')} />
          </ul>
          {d.headline.period && <p class="muted">{t('programme.period', d.headline.period)}</p>}
          {d.belts.length === 0 && d.by_belt.length === 0 ? (
            <p class="muted">{t('impact.none')}</p>
          ) : (
            <>
              <div class="grid-2">
                <Section title={t('programme.map')}>
                  <BeltMap data={d} />
                </Section>
                <Section title={t('programme.share')}>
                  <Chart
                    height={260}
                    label={t('programme.chart_share_label')}
                    option={barOption(d.share_by_province.map((p) => p.province), [{ name: t('programme.share_col'), data: d.share_by_province.map((p) => Math.round(p.share * 1000) / 10), colour: '#2b59c3' }])}
                  />
                  <TableWrap label={t('programme.share')}>
                    <table class="data">
                      <thead>
                        <tr>
                          <th scope="col">{t('programme.province')}</th>
                          <th scope="col" class="num">{t('programme.turnover')}</th>
                          <th scope="col" class="num">{t('programme.share_col')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {d.share_by_province.map((p) => (
                          <tr key={p.province}>
                            <th scope="row">{p.province}</th>
                            <td class="num">{money(p.turnover)}</td>
                            <td class="num">{pct(p.share)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </TableWrap>
                </Section>
              </div>
              <Section title={t('programme.by_belt')}>
                <Chart height={260} label={t('programme.chart_belt_label')} option={seriesBy(d.by_belt, 'belt_id', (id) => d.belts.find((b) => b.belt_id === id)?.name ?? id)} />
              </Section>
              <Section title={t('programme.by_category')}>
                <Chart height={260} label={t('programme.chart_category_label')} option={seriesBy(d.by_category, 'category', (c) => term('category', c))} />
              </Section>
              <Section title={t('programme.belts')}>
                <TableWrap label={t('programme.belts')}>
                  <table class="data">
                    <thead>
                      <tr>
                        <th scope="col">{t('programme.belt')}</th>
                        <th scope="col">{t('programme.province')}</th>
                        <th scope="col">{t('programme.categories')}</th>
                        <th scope="col" class="num">{t('programme.factories')}</th>
                        <th scope="col" class="num">{t('programme.enrolled')}</th>
                        <th scope="col" class="num">{t('programme.turnover')}</th>
                        <th scope="col" class="num">{t('programme.daily')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.belts.map((b) => (
                        <tr key={b.belt_id}>
                          <th scope="row">{b.name}</th>
                          <td>{b.province ?? '–'}</td>
                          <td>{b.categories.map((c) => term('category', c)).join(', ')}</td>
                          <td class="num">{num(b.factories)}</td>
                          <td class="num">{num(b.enrolled)}</td>
                          <td class="num">{money(b.turnover)}</td>
                          <td class="num">{money(b.daily_turnover)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableWrap>
              </Section>
            </>
          )}
        </>
      )}
    </>
  );
}

function BeltMap({ data }: { data: ProgrammeData }) {
  const { t } = useI18n();
  const placed = data.belts.filter((b): b is typeof b & { lat: number; lng: number } => b.lat !== null && b.lng !== null);
  const max = Math.max(1, ...placed.map((b) => b.turnover));
  const onReady = (m: MapLibre) => {
    const fc: FeatureCollection = {
      type: 'FeatureCollection',
      features: placed.map((b) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [b.lng, b.lat] }, properties: { name: b.name, r: 8 + 22 * Math.sqrt(b.turnover / max) } })),
    };
    m.addSource('belts', { type: 'geojson', data: fc });
    m.addLayer({ id: 'belts', type: 'circle', source: 'belts', paint: { 'circle-radius': ['get', 'r'], 'circle-color': '#2b59c3', 'circle-opacity': 0.55, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
  };
  return <MapView name="belts" label={t('programme.map_label')} withPlaces={false} bounds={boundsOf(placed, 20_000)} maxZoom={9} onReady={onReady} class="map-small" />;
}
