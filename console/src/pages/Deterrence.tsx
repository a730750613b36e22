/**
 * Deterrence after raids: for each raid, what the other leads of its region
 * did in the 28 days before and after (parcels per day, which paused,
 * stopped or moved), the region by month, and the operations that
 * resurfaced at a new site on the map (GET /api/impact/deterrence and
 * /api/impact/resurfacings). Lead by lead for the enforcement team only;
 * a programme manager and an admin see the raids' aggregates, a police
 * liaison their region's.
 */
import type { FeatureCollection } from 'geojson';
import type { Map as MapLibre } from 'maplibre-gl';
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { RaidDeterrence, Resurfacing } from '../api/types.ts';
import { barOption, Chart } from '../components/Chart.tsx';
import { MapView } from '../components/MapView.tsx';
import { ErrorNote, Field, Loading, PageTitle, Section, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { boundsOf } from '../map/geo.ts';
import { isTeam } from '../roles.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.ts';

export function Deterrence() {
  const { t, num, pct, date } = useI18n();
  const { user } = useSession();
  const seesResurfacings = isTeam(user.role) || user.role === 'police_liaison';
  const data = useAsync(() => api.deterrence(), []);
  const moved = useAsync(() => (seesResurfacings ? api.resurfacings() : Promise.resolve({ items: [] as Resurfacing[] })), [seesResurfacings]);
  const [chosen, setChosen] = useState<string>('');
  const d = data.data;
  const raid = d?.raids.find((r) => r.outcome_id === chosen) ?? d?.raids[0];
  return (
    <>
      <PageTitle title={t('deterrence.title')}>{t('deterrence.title')}</PageTitle>
      <ErrorNote error={data.error ?? moved.error} />
      {!d || !moved.data ? (
        data.loading || moved.loading ? <Loading /> : null
      ) : d.raids.length === 0 && moved.data.items.length === 0 ? (
        <p class="muted">{t('impact.none')}</p>
      ) : (
        <>
          <Section title={t('deterrence.map')}>
            <RaidMap raids={d.raids} resurfacings={moved.data.items} withPlaces={seesResurfacings} />
          </Section>
          <Section title={t('deterrence.raids')}>
            <TableWrap label={t('deterrence.raids')}>
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">{t('deterrence.raid')}</th>
                    <th scope="col">{t('deterrence.date')}</th>
                    <th scope="col">{t('impact.region')}</th>
                    <th scope="col" class="num">{t('deterrence.watched')}</th>
                    <th scope="col" class="num">{t('deterrence.before')}</th>
                    <th scope="col" class="num">{t('deterrence.after')}</th>
                    <th scope="col" class="num">{t('deterrence.dip')}</th>
                    <th scope="col" class="num">{t('deterrence.paused')}</th>
                    <th scope="col" class="num">{t('deterrence.stopped')}</th>
                    <th scope="col" class="num">{t('deterrence.moved')}</th>
                    <th scope="col" class="num">{t('deterrence.enrolments')}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.raids.map((r) => (
                    <tr key={r.outcome_id} aria-current={r === raid ? 'true' : undefined}>
                      <th scope="row">{r.case_id !== null && isTeam(user.role) ? <Link href={`/cases/${r.case_id}`}>{r.outcome_id}</Link> : r.outcome_id}</th>
                      <td>{date(r.date)}</td>
                      <td>{r.region}</td>
                      <td class="num">{num(r.leads_watched)}</td>
                      <td class="num">{num(r.parcels_per_day_before, 1)}</td>
                      <td class="num">{num(r.parcels_per_day_after, 1)}</td>
                      <td class="num">{pct(r.dip)}</td>
                      <td class="num">{num(r.status_after.paused)}</td>
                      <td class="num">{num(r.status_after.stopped)}</td>
                      <td class="num">{num(r.status_after.moved)}</td>
                      <td class="num">{num(r.enrolments_after)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </Section>
          {raid && <RaidDetail raid={raid} raids={d.raids} onChoose={setChosen} />}
          <Section title={t('deterrence.by_region')}>
            <TableWrap label={t('deterrence.by_region')}>
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">{t('impact.region')}</th>
                    <th scope="col">{t('impact.month')}</th>
                    <th scope="col" class="num">{t('deterrence.raid')}</th>
                    <th scope="col" class="num">{t('deterrence.watched')}</th>
                    <th scope="col" class="num">{t('deterrence.before')}</th>
                    <th scope="col" class="num">{t('deterrence.after')}</th>
                    <th scope="col" class="num">{t('deterrence.dip')}</th>
                    <th scope="col" class="num">{t('deterrence.stopped')}</th>
                    <th scope="col" class="num">{t('deterrence.moved')}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.by_region.map((r) => (
                    <tr key={`${r.region}/${r.month}`}>
                      <th scope="row">{r.region}</th>
                      <td>{r.month}</td>
                      <td class="num">{num(r.raids)}</td>
                      <td class="num">{num(r.leads_watched)}</td>
                      <td class="num">{num(r.parcels_per_day_before, 1)}</td>
                      <td class="num">{num(r.parcels_per_day_after, 1)}</td>
                      <td class="num">{pct(r.dip)}</td>
                      <td class="num">{num(r.stopped)}</td>
                      <td class="num">{num(r.moved)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </Section>
          {moved.data.items.length > 0 && (
            <Section title={t('deterrence.resurfacings')}>
              <TableWrap label={t('deterrence.resurfacings')}>
                <table class="data">
                  <thead>
                    <tr>
                      <th scope="col">{t('deterrence.from')}</th>
                      <th scope="col">{t('deterrence.to')}</th>
                      <th scope="col">{t('deterrence.resumed')}</th>
                      <th scope="col" class="num">{t('deterrence.distance')}</th>
                      <th scope="col">{t('deterrence.case')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {moved.data.items.map((r) => (
                      <tr key={`${r.from_lead_id}/${r.to_lead_id}`}>
                        <th scope="row">{r.from_lead_id}</th>
                        <td>{r.to_lead_id}</td>
                        <td>{date(r.resumed_at)}</td>
                        <td class="num">{num(r.distance_m)} m</td>
                        <td>{r.case_id !== null ? <Link href={`/cases/${r.case_id}`}>#{r.case_id}</Link> : '–'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            </Section>
          )}
        </>
      )}
    </>
  );
}

function RaidDetail({ raid, raids, onChoose }: { raid: RaidDeterrence; raids: RaidDeterrence[]; onChoose: (id: string) => void }) {
  const { t, term, num } = useI18n();
  return (
    <Section title={t('deterrence.activity')}>
      <Field label={t('deterrence.choose')}>
        {(id) => (
          <select id={id} value={raid.outcome_id} onChange={(e) => onChoose((e.target as HTMLSelectElement).value)}>
            {raids.map((r) => (
              <option key={r.outcome_id} value={r.outcome_id}>{`${r.outcome_id} (${r.date ?? '?'})`}</option>
            ))}
          </select>
        )}
      </Field>
      {raid.activity.length > 0 ? (
        <Chart
          height={240}
          label={t('deterrence.activity_label', { raid: raid.outcome_id })}
          option={barOption(raid.activity.map((a) => String(a.day)), [{ name: t('deterrence.day'), data: raid.activity.map((a) => a.parcels), colour: '#2b2d6e' }])}
        />
      ) : (
        <Chart
          height={200}
          label={t('deterrence.activity_label', { raid: raid.outcome_id })}
          option={barOption([t('deterrence.before'), t('deterrence.after')], [{ name: raid.outcome_id, data: [raid.parcels_per_day_before, raid.parcels_per_day_after], colour: '#2b2d6e' }])}
        />
      )}
      {raid.leads && (
        <TableWrap label={t('deterrence.leads', { raid: raid.outcome_id })}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t('deterrence.lead')}</th>
                <th scope="col" class="num">{t('deterrence.distance')}</th>
                <th scope="col" class="num">{t('deterrence.before')}</th>
                <th scope="col" class="num">{t('deterrence.after')}</th>
                <th scope="col" class="num">{t('deterrence.paused')}</th>
                <th scope="col">{t('deterrence.status_after')}</th>
              </tr>
            </thead>
            <tbody>
              {raid.leads.map((l) => (
                <tr key={l.lead_id}>
                  <th scope="row"><Link href={`/leads/${encodeURIComponent(l.lead_id)}`}>{l.lead_id}</Link></th>
                  <td class="num">{num(l.distance_m)} m</td>
                  <td class="num">{num(l.parcels_per_day_before, 1)}</td>
                  <td class="num">{num(l.parcels_per_day_after, 1)}</td>
                  <td class="num">{num(l.paused_days)}</td>
                  <td>{term('after', l.status_after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Section>
  );
}

function RaidMap({ raids, resurfacings, withPlaces }: { raids: RaidDeterrence[]; resurfacings: Resurfacing[]; withPlaces: boolean }) {
  const { t } = useI18n();
  const points = raids.filter((r): r is RaidDeterrence & { lat: number; lng: number } => r.lat !== null && r.lng !== null);
  const moves = resurfacings.filter((r) => r.from && r.to);
  const onReady = (m: MapLibre) => {
    const raidFc: FeatureCollection = {
      type: 'FeatureCollection',
      features: points.map((r) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [r.lng, r.lat] }, properties: { id: r.outcome_id } })),
    };
    const moveFc: FeatureCollection = {
      type: 'FeatureCollection',
      features: moves.flatMap((r) => [
        { type: 'Feature' as const, geometry: { type: 'LineString' as const, coordinates: [[r.from!.lng, r.from!.lat], [r.to!.lng, r.to!.lat]] }, properties: { kind: 'path' } },
        { type: 'Feature' as const, geometry: { type: 'Point' as const, coordinates: [r.to!.lng, r.to!.lat] }, properties: { kind: 'to' } },
        { type: 'Feature' as const, geometry: { type: 'Point' as const, coordinates: [r.from!.lng, r.from!.lat] }, properties: { kind: 'from' } },
      ]),
    };
    m.addSource('raids', { type: 'geojson', data: raidFc });
    m.addSource('moves', { type: 'geojson', data: moveFc });
    m.addLayer({ id: 'moves-line', type: 'line', source: 'moves', filter: ['==', ['get', 'kind'], 'path'], paint: { 'line-color': '#2b2d6e', 'line-width': 2, 'line-dasharray': [3, 2] } });
    m.addLayer({ id: 'moves-from', type: 'circle', source: 'moves', filter: ['==', ['get', 'kind'], 'from'], paint: { 'circle-radius': 5, 'circle-color': '#8a97b8', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
    m.addLayer({ id: 'moves-to', type: 'circle', source: 'moves', filter: ['==', ['get', 'kind'], 'to'], paint: { 'circle-radius': 6, 'circle-color': '#2b2d6e', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
    m.addLayer({ id: 'raids', type: 'circle', source: 'raids', paint: { 'circle-radius': 8, 'circle-color': '#b8001f', 'circle-opacity': 0.8, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  };
  const all = [...points, ...moves.flatMap((r) => [r.from!, r.to!])];
  return <MapView name="deterrence" label={t('deterrence.map_label')} withPlaces={withPlaces} bounds={boundsOf(all, 1500)} maxZoom={15} onReady={onReady} class="map-small" />;
}
