/**
 * The map: every lead of the run drawn at its radius in metres, coloured by
 * score and outlined by status, over the density of pickups (the server's
 * grid cells, filtered by hour of day, dates and seller risk). Clicking a
 * lead, or its line in the list beside the map, opens its file.
 */
import type { GeoJSONSource, Map as MapLibre, MapLayerMouseEvent } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Density, DensityQuery, Lead } from '../api/types.ts';
import { allLeads } from '../cache.ts';
import { LeadFilters } from '../components/LeadFilters.tsx';
import { MapView } from '../components/MapView.tsx';
import { ErrorNote, Field, Loading, PageTitle, StatusBadge } from '../components/ui.tsx';
import { useAsync, useDebounced } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { filterFromQuery, filterLeads } from '../leads/filter.ts';
import { boundsOf, metresPerPixelZ0 } from '../map/geo.ts';
import { AOI_COLOURS, metreRadius, SCORE_COLOUR, STATUS_STROKE } from '../map/style.ts';
import { isTeam } from '../roles.ts';
import { Link, navigate, setQuery, useLocation } from '../router.tsx';
import { useSession } from '../session.ts';

const CELL_M = 150;
const LIST_LIMIT = 100;
const HOURS = Array.from({ length: 24 }, (_, h) => h);

interface DensityFilter {
  on: boolean;
  hourFrom: number;
  hourTo: number;
  dateFrom: string;
  dateTo: string;
  minRisk: number;
}

function densityFromQuery(q: URLSearchParams): DensityFilter {
  const int = (k: string, d: number) => {
    const v = Number(q.get(k));
    return q.has(k) && Number.isInteger(v) && v >= 0 && v <= 23 ? v : d;
  };
  const day = (k: string) => (/^\d{4}-\d{2}-\d{2}$/.test(q.get(k) ?? '') ? q.get(k)! : '');
  const risk = Number(q.get('min_risk') ?? 0);
  return { on: q.get('density') !== 'off', hourFrom: int('hour_from', 0), hourTo: int('hour_to', 23), dateFrom: day('date_from'), dateTo: day('date_to'), minRisk: Number.isFinite(risk) ? Math.min(1, Math.max(0, risk)) : 0 };
}

function densityRequest(f: DensityFilter): DensityQuery {
  const allDay = f.hourFrom === 0 && f.hourTo === 23;
  return {
    cell_m: CELL_M,
    hour_from: allDay ? undefined : f.hourFrom,
    hour_to: allDay ? undefined : f.hourTo,
    date_from: f.dateFrom || undefined,
    date_to: f.dateTo || undefined,
    min_risk: f.minRisk > 0 ? f.minRisk : undefined,
  };
}

function leadFeatures(leads: Lead[]): FeatureCollection {
  return {
    type: 'FeatureCollection',
    // Drawn in order: the strongest leads last, on top.
    features: [...leads].sort((a, b) => a.score - b.score).map((l) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [l.lng, l.lat] },
      properties: { lead_id: l.lead_id, score: l.score, status: l.status, radius_m: l.radius_m, mpp0: metresPerPixelZ0(l.lat), rank: l.rank },
    })),
  };
}

function densityFeatures(d: Density | null): FeatureCollection {
  if (!d) return { type: 'FeatureCollection', features: [] };
  const scale = Math.log1p(d.max || 1);
  return {
    type: 'FeatureCollection',
    features: d.cells.map(([lng, lat, n]) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [lng, lat] }, properties: { w: Math.log1p(n) / scale } })),
  };
}

export function MapPage() {
  const { t, num } = useI18n();
  const { user } = useSession();
  const { query } = useLocation();
  const qs = query.toString();
  const filter = useMemo(() => filterFromQuery(query), [qs]);
  const dfilter = useMemo(() => densityFromQuery(query), [qs]);
  const leads = useAsync(() => allLeads(), []);
  const shown = useMemo(() => (leads.data ? filterLeads(leads.data, filter) : []), [leads.data, filter]);
  const withDensity = isTeam(user.role);
  const map = useRef<MapLibre | null>(null);
  const [ready, setReady] = useState(false);
  const [density, setDensity] = useState<{ state: 'loading' | 'ready' | 'error'; data: Density | null; error?: unknown }>({ state: 'loading', data: null });
  const densityKey = useDebounced(JSON.stringify(densityRequest(dfilter)), 150);
  // The list shows the first hundred (the map shows all): drawing hundreds of rows on every filter change is what would make it slow.
  const [limit, setLimit] = useState(LIST_LIMIT);

  useEffect(() => {
    if (ready && map.current) (map.current.getSource('leads') as GeoJSONSource).setData(leadFeatures(shown));
  }, [ready, shown]);

  useEffect(() => {
    if (!withDensity) return;
    let current = true;
    setDensity((d) => ({ ...d, state: 'loading' }));
    api.density(JSON.parse(densityKey) as DensityQuery).then(
      (data) => current && setDensity({ state: 'ready', data }),
      (error) => current && setDensity({ state: 'error', data: null, error }),
    );
    return () => void (current = false);
  }, [densityKey, withDensity]);

  useEffect(() => {
    const m = map.current;
    if (!ready || !m || !withDensity) return;
    (m.getSource('density') as GeoJSONSource).setData(densityFeatures(density.data));
    m.setLayoutProperty('density', 'visibility', dfilter.on ? 'visible' : 'none');
  }, [ready, density.data, dfilter.on]);

  const onReady = (m: MapLibre) => {
    if (withDensity) {
      m.addSource('density', { type: 'geojson', data: densityFeatures(null) });
      m.addLayer({
        id: 'density', type: 'heatmap', source: 'density',
        paint: {
          'heatmap-weight': ['get', 'w'],
          'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 10, 1.5, 15, 3],
          'heatmap-radius': ['interpolate', ['exponential', 2], ['zoom'], 10, 6, 13, 22, 16, 110, 18, 350],
          'heatmap-color': ['interpolate', ['linear'], ['heatmap-density'], 0, 'rgba(33,113,181,0)', 0.05, 'rgba(158,202,225,0.6)', 0.25, '#6baed6', 0.5, '#2171b5', 0.8, '#08519c', 1, '#08306b'],
          'heatmap-opacity': 0.8,
        },
      });
    }
    m.addSource('leads', { type: 'geojson', data: leadFeatures([]) });
    m.addLayer({
      id: 'leads', type: 'circle', source: 'leads',
      paint: {
        'circle-radius': metreRadius(5),
        'circle-color': SCORE_COLOUR,
        // Weak leads fade back, so the strong ones and the density read first.
        'circle-opacity': ['interpolate', ['linear'], ['get', 'score'], 0.3, 0.2, 0.9, 0.85],
        'circle-stroke-color': STATUS_STROKE,
        'circle-stroke-opacity': ['interpolate', ['linear'], ['get', 'score'], 0.3, 0.35, 0.8, 1],
        'circle-stroke-width': ['interpolate', ['linear'], ['get', 'score'], 0.5, 0.75, 0.9, 2],
        'circle-pitch-alignment': 'map',
      },
    });
    const open = (e: MapLayerMouseEvent) => {
      const id = e.features?.[0]?.properties?.lead_id as string | undefined;
      if (id) navigate(`/leads/${encodeURIComponent(id)}`);
    };
    m.on('click', 'leads', open);
    m.on('mouseenter', 'leads', () => (m.getCanvas().style.cursor = 'pointer'));
    m.on('mouseleave', 'leads', () => (m.getCanvas().style.cursor = ''));
    map.current = m;
    setReady(true);
    return () => {
      map.current = null;
    };
  };

  const setD = (patch: Partial<DensityFilter>) => {
    const f = { ...dfilter, ...patch };
    setQuery({
      density: f.on ? undefined : 'off',
      hour_from: f.hourFrom === 0 && f.hourTo === 23 ? undefined : f.hourFrom,
      hour_to: f.hourFrom === 0 && f.hourTo === 23 ? undefined : f.hourTo,
      date_from: f.dateFrom || undefined,
      date_to: f.dateTo || undefined,
      min_risk: f.minRisk > 0 ? f.minRisk : undefined,
    });
  };
  const val = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;

  return (
    <div class="map-page" data-density={withDensity ? density.state : 'none'}>
      <aside class="map-side" aria-label={t('map.side')}>
        <PageTitle title={t('map.title')}>{t('map.title')}</PageTitle>
        {leads.data ? <LeadFilters leads={leads.data} filter={filter} compact /> : null}
        {withDensity ? (
          <fieldset class="filters compact">
            <legend>{t('map.density')}</legend>
            <div class="field checkbox">
              <input id="density-on" type="checkbox" checked={dfilter.on} onChange={(e) => setD({ on: (e.target as HTMLInputElement).checked })} />
              <label for="density-on">{t('map.density_show')}</label>
            </div>
            <div class="field-row">
              <Field label={t('map.hour_from')}>
                {(id) => (
                  <select id={id} name="hour_from" value={dfilter.hourFrom} onChange={(e) => setD({ hourFrom: Number(val(e)) })}>
                    {HOURS.map((h) => (
                      <option key={h} value={h}>{`${String(h).padStart(2, '0')}:00`}</option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={t('map.hour_to')}>
                {(id) => (
                  <select id={id} name="hour_to" value={dfilter.hourTo} onChange={(e) => setD({ hourTo: Number(val(e)) })}>
                    {HOURS.map((h) => (
                      <option key={h} value={h}>{`${String(h).padStart(2, '0')}:59`}</option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
            <div class="button-row">
              <button type="button" class="secondary small" onClick={() => setD({ hourFrom: 22, hourTo: 5 })}>
                {t('map.night')}
              </button>
              <button type="button" class="secondary small" onClick={() => setD({ hourFrom: 0, hourTo: 23 })}>
                {t('map.all_day')}
              </button>
            </div>
            <div class="field-row">
              <Field label={t('map.date_from')}>
                {(id) => <input id={id} name="date_from" type="date" value={dfilter.dateFrom} onChange={(e) => setD({ dateFrom: val(e) })} />}
              </Field>
              <Field label={t('map.date_to')}>
                {(id) => <input id={id} name="date_to" type="date" value={dfilter.dateTo} onChange={(e) => setD({ dateTo: val(e) })} />}
              </Field>
            </div>
            <Field label={t('map.min_risk')} hint={t('map.min_risk_hint')}>
              {(id) => <input id={id} name="min_risk" type="number" min={0} max={1} step={0.1} value={dfilter.minRisk} onChange={(e) => setD({ minRisk: Number(val(e)) || 0 })} />}
            </Field>
            <p class="muted" aria-live="polite">
              {density.state === 'loading'
                ? t('common.loading')
                : density.state === 'error'
                  ? t('map.density_error')
                  : density.data
                    ? t('map.density_count', { pickups: num(density.data.total), cells: num(density.data.cells.length), cell: CELL_M })
                    : ''}
            </p>
          </fieldset>
        ) : null}
        <Legend withDensity={withDensity} />
        <h2 class="list-title">{leads.data ? t('leads.count', { shown: num(shown.length), total: num(leads.data.length) }) : t('nav.leads')}</h2>
        <ErrorNote error={leads.error} />
        {leads.loading && !leads.data ? <Loading /> : null}
        <ol class="lead-list" aria-label={t('nav.leads')}>
          {shown.slice(0, limit).map((l) => (
            <li key={l.lead_id}>
              <Link href={`/leads/${encodeURIComponent(l.lead_id)}`}>
                <span class="lead-rank">#{l.rank}</span> <span class="lead-score">{l.score.toFixed(2)}</span> <StatusBadge status={l.status} />{' '}
                <span class="lead-meta">
                  {t('leads.parcels', { n: num(l.waybills) })} · {l.brands.slice(0, 3).join(', ')}
                </span>
              </Link>
            </li>
          ))}
        </ol>
        {shown.length > limit ? (
          <button type="button" class="secondary small show-more" onClick={() => setLimit(shown.length)}>
            {t('leads.show_all', { n: num(shown.length) })}
          </button>
        ) : null}
      </aside>
      <div class="map-main">
        {leads.data ? (
          <MapView name="main" label={t('map.label')} withPlaces bounds={boundsOf(leads.data, 400)} maxZoom={15} onReady={onReady} class="map-big" />
        ) : (
          <Loading />
        )}
      </div>
    </div>
  );
}

function Legend({ withDensity }: { withDensity: boolean }) {
  const { t, term } = useI18n();
  return (
    <div class="legend" aria-label={t('map.legend')} role="group">
      <p class="legend-title">{t('map.legend')}</p>
      <div class="legend-row">
        <span class="ramp ramp-score" aria-hidden="true" />
        <span>{t('map.legend_score')}</span>
      </div>
      <div class="legend-row">
        {(['active', 'dormant', 'moved'] as const).map((s) => (
          <span key={s} class="legend-item">
            <span class={`swatch ring-${s}`} aria-hidden="true" /> {term('status', s)}
          </span>
        ))}
      </div>
      {withDensity ? (
        <div class="legend-row">
          <span class="ramp ramp-density" aria-hidden="true" />
          <span>{t('map.legend_density')}</span>
        </div>
      ) : null}
      <div class="legend-row">
        {(['urban_village', 'residential', 'industrial', 'commercial', 'parcel_station'] as const).map((a) => (
          <span key={a} class="legend-item">
            <span class={`swatch ${a === 'parcel_station' ? 'dot' : 'area'}`} style={{ background: AOI_COLOURS[a] }} aria-hidden="true" /> {term('aoi', a)}
          </span>
        ))}
      </div>
    </div>
  );
}
