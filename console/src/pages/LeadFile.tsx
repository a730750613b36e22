/**
 * A lead's file: the site on the map with its handover points, its parcels
 * by day and by hour, the evidence in plain words, the network of accounts
 * and the identifiers linking them, the listings against MSRP, the site
 * across runs; and for the team the case on it (open one, assign, comment,
 * propose a referral, export).
 */
import type { FeatureCollection } from 'geojson';
import type { Map as MapLibre } from 'maplibre-gl';
import { useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import type { CaseFile, LeadFile as LeadFileData } from '../api/types.ts';
import { allLeads, forget } from '../cache.ts';
import { CaseWork } from '../components/CaseActions.tsx';
import { barOption, Chart, type ChartOption } from '../components/Chart.tsx';
import { MapView } from '../components/MapView.tsx';
import { NetworkGraph } from '../components/NetworkGraph.tsx';
import { ErrorNote, Field, Loading, PageTitle, Score, Section, StatusBadge, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { evidenceText } from '../i18n/evidence.ts';
import { useI18n } from '../i18n/index.ts';
import { boundsOf, circleRing } from '../map/geo.ts';
import { isTeam } from '../roles.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.ts';

export function LeadFile({ id, run }: { id: string; run?: number }) {
  const { t } = useI18n();
  const { user } = useSession();
  const file = useAsync(() => api.lead(id, run), [id, run]);
  if (file.error) {
    return (
      <>
        <PageTitle title={t('lead.title', { id })}>{t('lead.title', { id })}</PageTitle>
        <ErrorNote error={file.error} />
      </>
    );
  }
  if (!file.data) return <Loading />;
  return <LeadFileView data={file.data} team={isTeam(user.role)} onChanged={file.reload} />;
}

function LeadFileView({ data, team, onChanged }: { data: LeadFileData; team: boolean; onChanged: () => void }) {
  const { t, term, num, pct, date, money, dateTime, lang } = useI18n();
  const { lead, detail, history } = data;
  const title = t('lead.title', { id: lead.lead_id });
  const accounts = useMemo(() => detail.accounts.map((a) => ({ id: a.seller_id, label: a.shop_name ?? a.seller_id, score: a.score })), [detail]);
  const links = useMemo(() => detail.identifiers.map((i) => ({ id: `${i.kind}:${i.value}`, label: term('kind', i.kind), accounts: i.seller_ids })), [detail, term]);
  const listings = useMemo(() => [...detail.listings].sort((a, b) => b.score - a.score), [detail]);

  return (
    <article class="lead-file">
      <header class="page-head">
        <PageTitle title={title}>
          {title} <StatusBadge status={lead.status} />
        </PageTitle>
        <dl class="facts">
          <div><dt>{t('lead.rank')}</dt><dd>#{lead.rank}</dd></div>
          <div><dt>{t('lead.score')}</dt><dd><Score value={lead.score} /></dd></div>
          <div><dt>{t('lead.parcels')}</dt><dd>{num(lead.waybills)}</dd></div>
          <div><dt>{t('lead.night_share')}</dt><dd>{pct(lead.night_share)}</dd></div>
          <div><dt>{t('lead.radius')}</dt><dd>{num(lead.radius_m)} m</dd></div>
          <div><dt>{t('lead.seen')}</dt><dd>{dateTime(lead.first_seen)} – {dateTime(lead.last_seen)}</dd></div>
          <div><dt>{t('lead.brands')}</dt><dd>{lead.brands.join(', ') || '–'}</dd></div>
          <div><dt>{t('lead.categories')}</dt><dd>{lead.categories.map((c) => term('category', c)).join(', ') || '–'}</dd></div>
          {lead.est_value !== null ? <div><dt>{t('lead.est_value')}</dt><dd>{money(lead.est_value)}</dd></div> : null}
          <div><dt>{t('lead.position')}</dt><dd>{lead.lat.toFixed(5)}, {lead.lng.toFixed(5)}</dd></div>
          {lead.successor_lead_id ? (
            <div><dt>{t('lead.moved_to')}</dt><dd><Link href={`/leads/${encodeURIComponent(lead.successor_lead_id)}`}>{lead.successor_lead_id}</Link></dd></div>
          ) : null}
        </dl>
      </header>

      {team ? <CasePanel leadId={lead.lead_id} runId={lead.run_id} caseIdHint={lead.case_id ?? null} onChanged={onChanged} /> : null}

      <div class="grid-2">
        <Section title={t('lead.site')}>
          <SiteMap data={data} />
          <p class="muted">{t('lead.handover_note', { n: num(detail.handover_points.length) })}</p>
        </Section>
        <Section title={t('lead.evidence')}>
          <ul class="evidence">
            {lead.evidence.map((e, i) => (
              <li key={i}>{evidenceText(e, lang)}</li>
            ))}
          </ul>
        </Section>
      </div>

      <div class="grid-2">
        <Section title={t('lead.by_day')}>
          <Chart label={t('lead.by_day_label', { days: num(detail.parcels_by_day.length), parcels: num(detail.parcels_by_day.reduce((s, d) => s + d.parcels, 0)) })} option={byDay(detail.parcels_by_day, t('lead.parcels'))} />
        </Section>
        <Section title={t('lead.by_hour')}>
          <Chart label={t('lead.by_hour_label', { night: pct(lead.night_share) })} option={byHour(detail.parcels_by_hour, t('lead.parcels'))} />
        </Section>
      </div>

      <Section title={t('lead.network')}>
        {accounts.length > 0 ? (
          <NetworkGraph accounts={accounts} links={links} label={t('lead.network_label', { accounts: accounts.length, links: links.length })} />
        ) : (
          <p class="muted">{t('lead.no_accounts')}</p>
        )}
        <div class="grid-2">
          <TableWrap label={t('lead.accounts')}>
            <table class="data">
              <caption>{t('lead.accounts')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('lead.account')}</th>
                  <th scope="col">{t('lead.shop')}</th>
                  <th scope="col">{t('lead.network_id')}</th>
                  <th scope="col">{t('lead.score')}</th>
                  <th scope="col" class="num">{t('lead.parcels')}</th>
                </tr>
              </thead>
              <tbody>
                {detail.accounts.map((a) => (
                  <tr key={a.seller_id}>
                    <td>{a.seller_id}</td>
                    <td>{a.shop_name ?? '–'}</td>
                    <td>{a.network_id}</td>
                    <td><Score value={a.score} /></td>
                    <td class="num">{num(a.parcels)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {detail.identifiers.length > 0 ? (
            <TableWrap label={t('lead.identifiers')}>
              <table class="data">
                <caption>{t('lead.identifiers')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('lead.kind')}</th>
                    <th scope="col">{t('lead.value')}</th>
                    <th scope="col">{t('lead.shared_by')}</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.identifiers.map((i) => (
                    <tr key={`${i.kind}:${i.value}`}>
                      <td>{term('kind', i.kind)}</td>
                      <td class="mono">{i.value.length > 18 ? `${i.value.slice(0, 16)}…` : i.value}</td>
                      <td>{i.seller_ids.join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          ) : null}
        </div>
      </Section>

      <Section title={t('lead.listings', { n: num(listings.length) })}>
        <TableWrap label={t('lead.listings', { n: num(listings.length) })}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t('lead.listing')}</th>
                <th scope="col">{t('lead.account')}</th>
                <th scope="col">{t('lead.brand')}</th>
                <th scope="col">{t('lead.category')}</th>
                <th scope="col" class="num">{t('lead.price')}</th>
                <th scope="col" class="num">{t('lead.msrp')}</th>
                <th scope="col">{t('lead.price_ratio')}</th>
                <th scope="col">{t('lead.score')}</th>
              </tr>
            </thead>
            <tbody>
              {listings.map((l) => (
                <tr key={l.listing_id}>
                  <td>{l.title}</td>
                  <td>{l.seller_id}</td>
                  <td>{l.brand ?? '–'}</td>
                  <td>{l.category ? term('category', l.category) : '–'}</td>
                  <td class="num">{money(l.price)}</td>
                  <td class="num">{money(l.msrp)}</td>
                  <td>{l.price_ratio !== null ? <PriceRatio ratio={l.price_ratio} /> : '–'}</td>
                  <td><Score value={l.score} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </Section>

      <Section title={t('lead.history')}>
        <TableWrap label={t('lead.history')}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t('lead.run')}</th>
                <th scope="col">{t('lead.lead')}</th>
                <th scope="col">{t('lead.status')}</th>
                <th scope="col">{t('lead.score')}</th>
                <th scope="col" class="num">{t('lead.radius')}</th>
                <th scope="col">{t('lead.last_seen')}</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr key={`${h.run_id}/${h.lead_id}`} aria-current={h.run_id === lead.run_id && h.lead_id === lead.lead_id ? 'true' : undefined}>
                  <td>{h.run_label} (#{h.run_id})</td>
                  <td>
                    {h.run_id === lead.run_id && h.lead_id === lead.lead_id ? (
                      h.lead_id
                    ) : (
                      <Link href={`/leads/${encodeURIComponent(h.lead_id)}?run=${h.run_id}`}>{h.lead_id}</Link>
                    )}
                  </td>
                  <td><StatusBadge status={h.status} /></td>
                  <td>{h.score.toFixed(2)}</td>
                  <td class="num">{num(h.radius_m)} m</td>
                  <td>{date(h.last_seen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </Section>
    </article>
  );
}

function PriceRatio({ ratio }: { ratio: number }) {
  const { pct } = useI18n();
  return (
    <span class={`ratio ${ratio < 0.4 ? 'ratio-low' : ''}`}>
      <span class="ratio-bar" style={{ width: `${Math.min(100, Math.round(ratio * 100))}%` }} aria-hidden="true" />
      <span>{pct(ratio)}</span>
    </span>
  );
}

function byDay(days: { date: string; parcels: number }[], name: string): ChartOption {
  return barOption(days.map((d) => d.date), [{ name, data: days.map((d) => d.parcels), colour: '#b8001f' }], { rotate: 30 });
}

function byHour(hours: number[], name: string): ChartOption {
  const night = (h: number) => h >= 22 || h < 6;
  const o = barOption(hours.map((_, h) => String(h).padStart(2, '0')), [{ name, data: hours }]) as { series: { data: unknown }[] };
  o.series[0].data = hours.map((v, h) => ({ value: v, itemStyle: { color: night(h) ? '#2b2d6e' : '#8a97b8' } }));
  return o as ChartOption;
}

/** The site's circle at its radius, the handover points sized by parcels, and where the site was in earlier runs. */
function SiteMap({ data }: { data: LeadFileData }) {
  const { t } = useI18n();
  const { lead, detail, history } = data;
  const points = [{ lat: lead.lat, lng: lead.lng }, ...detail.handover_points];
  const earlier = history.filter((h) => !(h.run_id === lead.run_id && h.lead_id === lead.lead_id));
  const onReady = (m: MapLibre) => {
    const ring = (lng: number, lat: number, r: number, props: Record<string, unknown>) => ({
      type: 'Feature' as const, geometry: { type: 'Polygon' as const, coordinates: [circleRing(lng, lat, r)] }, properties: props,
    });
    const site: FeatureCollection = {
      type: 'FeatureCollection',
      features: [...earlier.map((h) => ring(h.lng, h.lat, h.radius_m, { kind: 'earlier' })), ring(lead.lng, lead.lat, lead.radius_m, { kind: 'site' })],
    };
    const max = Math.max(1, ...detail.handover_points.map((p) => p.parcels));
    const handovers: FeatureCollection = {
      type: 'FeatureCollection',
      features: detail.handover_points.map((p) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [p.lng, p.lat] }, properties: { r: 2 + 7 * Math.sqrt(p.parcels / max) } })),
    };
    m.addSource('site', { type: 'geojson', data: site });
    m.addSource('handovers', { type: 'geojson', data: handovers });
    m.addLayer({ id: 'site-fill', type: 'fill', source: 'site', filter: ['==', ['get', 'kind'], 'site'], paint: { 'fill-color': '#b8001f', 'fill-opacity': 0.18 } });
    m.addLayer({ id: 'handovers', type: 'circle', source: 'handovers', paint: { 'circle-radius': ['get', 'r'], 'circle-color': '#2b2d6e', 'circle-opacity': 0.7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
    // The site's edge above the points, so the radius reads at a glance; earlier runs' sites dashed.
    m.addLayer({ id: 'site-earlier', type: 'line', source: 'site', filter: ['==', ['get', 'kind'], 'earlier'], paint: { 'line-color': '#555555', 'line-width': 2, 'line-dasharray': [3, 2] } });
    m.addLayer({ id: 'site-line', type: 'line', source: 'site', filter: ['==', ['get', 'kind'], 'site'], paint: { 'line-color': '#b8001f', 'line-width': 3 } });
  };
  return <MapView name="lead" label={t('lead.map_label')} withPlaces bounds={boundsOf(points, Math.max(60, lead.radius_m * 1.5))} maxZoom={18} onReady={onReady} class="map-small" />;
}

/**
 * The team's part of a lead file: the open case on its site, or a form to open one. The lead file
 * does not say which case is open on the site; the run's lead list does (case_id), and is cached.
 */
function CasePanel({ leadId, runId, caseIdHint, onChanged }: { leadId: string; runId: number; caseIdHint: number | null; onChanged: () => void }) {
  const { t } = useI18n();
  const [opened, setOpened] = useState<number | null>(null);
  const listed = useAsync(async () => caseIdHint ?? (await allLeads()).find((l) => l.lead_id === leadId)?.case_id ?? null, [leadId, caseIdHint]);
  const caseId = opened ?? listed.data ?? null;
  const caseFile = useAsync(() => (caseId ? (api.caseFile(caseId) as Promise<CaseFile>) : Promise.resolve(null)), [caseId]);
  const changed = () => {
    forget('leads');
    caseFile.reload();
    onChanged();
  };
  return (
    <Section title={t('lead.case_panel')} class="case-panel" id="case">
      {listed.loading && opened === null ? (
        <Loading />
      ) : caseId === null ? (
        <OpenCase leadId={leadId} runId={runId} onOpened={(id) => (setOpened(id), changed())} />
      ) : caseFile.data ? (
        <CaseWork file={caseFile.data} onChanged={changed} />
      ) : (
        <>
          <ErrorNote error={caseFile.error} />
          {caseFile.loading ? <Loading /> : null}
        </>
      )}
    </Section>
  );
}

function OpenCase({ leadId, runId, onOpened }: { leadId: string; runId: number; onOpened: (caseId: number) => void }) {
  const { t } = useI18n();
  const [title, setTitle] = useState('');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const opened = await api.openCase({ lead_id: leadId, run_id: runId, title: title.trim() || undefined, comment: comment.trim() || undefined });
      onOpened(opened.case_id);
    } catch (err) {
      // The site has an open case already (opened meanwhile by someone else): go to it.
      const existing = err instanceof ApiError && err.code === 'conflict' ? Number(err.details?.case_id) : NaN;
      if (Number.isInteger(existing)) navigate(`/cases/${existing}`);
      else setError(err);
      setBusy(false);
    }
  };
  return (
    <form class="open-case" onSubmit={submit}>
      <p class="muted">{t('case.none_yet')}</p>
      <Field label={t('case.title')} hint={t('case.title_hint')}>
        {(id) => <input id={id} name="title" maxLength={300} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} aria-describedby={`${id}-hint`} />}
      </Field>
      <Field label={t('case.first_comment')}>
        {(id) => <textarea id={id} name="comment" rows={2} maxLength={5000} value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />}
      </Field>
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>{t('case.open')}</button>
    </form>
  );
}
