/**
 * A case: for the team its facts, the work on it (transitions, assignment,
 * comments, exports), the site, its events and its leads across runs; for a
 * police liaison the referral package (accounts under pseudonyms) with the
 * raid and its result to record, and the exports.
 */
import type { FeatureCollection } from 'geojson';
import type { Map as MapLibre } from 'maplibre-gl';
import { api } from '../api/client.ts';
import type { CaseEvent, CaseFile, ReferralPackage } from '../api/types.ts';
import { CaseWork, ExportLinks, Transitions } from '../components/CaseActions.tsx';
import { barOption, Chart } from '../components/Chart.tsx';
import { MapView } from '../components/MapView.tsx';
import { NetworkGraph } from '../components/NetworkGraph.tsx';
import { ErrorNote, Loading, PageTitle, Score, Section, StateBadge, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { evidenceText } from '../i18n/evidence.ts';
import { useI18n } from '../i18n/index.ts';
import { boundsOf, circleRing } from '../map/geo.ts';
import { Link } from '../router.tsx';

export function CasePage({ id }: { id: number }) {
  const { t } = useI18n();
  const file = useAsync(() => api.caseFile(id), [id]);
  if (file.error) {
    return (
      <>
        <PageTitle title={t('case.heading', { id, title: '' })}>{t('case.heading', { id, title: '' })}</PageTitle>
        <ErrorNote error={file.error} />
      </>
    );
  }
  if (!file.data) return <Loading />;
  return 'case' in file.data ? <TeamCase file={file.data} onChanged={file.reload} /> : <PoliceCase pkg={file.data} onChanged={file.reload} />;
}

function SiteMap({ lat, lng, radius, withPlaces }: { lat: number; lng: number; radius: number; withPlaces: boolean }) {
  const { t } = useI18n();
  const onReady = (m: MapLibre) => {
    const site: FeatureCollection = { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [circleRing(lng, lat, radius)] }, properties: {} }] };
    m.addSource('site', { type: 'geojson', data: site });
    m.addLayer({ id: 'site-fill', type: 'fill', source: 'site', paint: { 'fill-color': '#b8001f', 'fill-opacity': 0.18 } });
    m.addLayer({ id: 'site-line', type: 'line', source: 'site', paint: { 'line-color': '#b8001f', 'line-width': 2 } });
  };
  return <MapView name="case" label={t('case.map_label')} withPlaces={withPlaces} bounds={boundsOf([{ lat, lng }], Math.max(150, radius * 3))} maxZoom={18} onReady={onReady} class="map-small" />;
}

function TeamCase({ file, onChanged }: { file: CaseFile; onChanged: () => void }) {
  const { t, term, dateTime, money } = useI18n();
  const c = file.case;
  const title = t('case.heading', { id: c.case_id, title: c.title });
  const outcome = c.outcome as Record<string, unknown> | null;
  return (
    <article class="case-page">
      <header class="page-head">
        <PageTitle title={title}>
          {title} <StateBadge state={c.state} />
        </PageTitle>
        <dl class="facts">
          <div><dt>{t('case.lead')}</dt><dd><Link href={`/leads/${encodeURIComponent(c.lead_id)}?run=${c.run_id}`}>{c.lead_id}</Link></dd></div>
          {c.resurfaced_at ? <div><dt>{t('case.resurfaced')}</dt><dd>{dateTime(c.resurfaced_at)}</dd></div> : null}
          <div><dt>{t('lead.score')}</dt><dd><Score value={c.score} /></dd></div>
          <div><dt>{t('case.assignee')}</dt><dd>{c.assignee ?? '–'}</dd></div>
          <div><dt>{t('case.partner')}</dt><dd>{c.partner_id ?? '–'}</dd></div>
          <div><dt>{t('lead.categories')}</dt><dd>{c.categories.map((x) => term('category', x)).join(', ') || '–'}</dd></div>
          <div><dt>{t('lead.brands')}</dt><dd>{c.brands.join(', ') || '–'}</dd></div>
          <div><dt>{t('case.opened')}</dt><dd>{t('case.opened_by', { at: dateTime(c.created_at), name: c.created_by })}</dd></div>
          {c.dismiss_reason ? <div><dt>{t('case.reason')}</dt><dd>{c.dismiss_reason}</dd></div> : null}
          {outcome && outcome.result ? (
            <div><dt>{t('case.result')}</dt><dd>{term('result', String(outcome.result))} · {String(outcome.raid_date ?? '')} · {money(outcome.seized_value as number | null)}</dd></div>
          ) : null}
        </dl>
      </header>
      <Section title={t('case.work')}>
        <CaseWork file={file} onChanged={onChanged} linked={false} />
      </Section>
      <div class="grid-2">
        <Section title={t('lead.site')}>
          <SiteMap lat={c.lat} lng={c.lng} radius={c.radius_m} withPlaces />
        </Section>
        <Section title={t('case.events')}>
          <Events events={file.events} />
        </Section>
      </div>
      <Section title={t('case.leads')}>
        <TableWrap label={t('case.leads')}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t('lead.run')}</th>
                <th scope="col">{t('lead.lead')}</th>
                <th scope="col">{t('case.relation')}</th>
                <th scope="col">{t('case.linked_at')}</th>
              </tr>
            </thead>
            <tbody>
              {file.leads.map((l) => (
                <tr key={`${l.run_id}/${l.lead_id}`}>
                  <td>#{l.run_id}</td>
                  <td><Link href={`/leads/${encodeURIComponent(l.lead_id)}?run=${l.run_id}`}>{l.lead_id}</Link></td>
                  <td>{l.relation}</td>
                  <td>{dateTime(l.linked_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </Section>
    </article>
  );
}

function Events({ events }: { events: CaseEvent[] }) {
  const { t, term, dateTime } = useI18n();
  return (
    // It scrolls when long: focusable, so the keyboard can scroll it.
    <ol class="events" tabIndex={0} aria-label={t('case.events')}>
      {[...events].reverse().map((e) => (
        <li key={e.event_id}>
          <p class="event-head">
            <time dateTime={e.at}>{dateTime(e.at)}</time> · {e.user ?? t('case.system')}
            {e.role ? ` (${term('role', e.role)})` : ''} · {e.kind === 'transition' && e.to_state ? (
              <>
                {e.from_state ? `${term('state', e.from_state)} → ` : ''}
                {term('state', e.to_state)}
              </>
            ) : (
              term('event', e.kind)
            )}
          </p>
          {e.comment ? <p class="event-comment">{e.comment}</p> : null}
          {e.data && (e.data.partner_id || e.data.raid_date || e.data.reason) ? (
            <p class="muted small">
              {[e.data.partner_id ? t('case.partner_is', { partner: String(e.data.partner_id) }) : '', e.data.raid_date ? t('case.raid_on', { date: String(e.data.raid_date) }) : '', e.data.reason ? String(e.data.reason) : '']
                .filter(Boolean)
                .join(' · ')}
            </p>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

function PoliceCase({ pkg, onChanged }: { pkg: ReferralPackage; onChanged: () => void }) {
  const { t, term, num, money, lang } = useI18n();
  const title = t('case.heading', { id: pkg.case_id, title: pkg.title });
  const outcome = pkg.outcome as Record<string, unknown> | null;
  const hours = pkg.timeline.parcels_by_hour;
  return (
    <article class="case-page police">
      <header class="page-head">
        <PageTitle title={title}>
          {title} <StateBadge state={pkg.state} />
        </PageTitle>
        <dl class="facts">
          <div><dt>{t('case.partner')}</dt><dd>{pkg.partner_id ?? '–'}</dd></div>
          <div><dt>{t('lead.position')}</dt><dd>{pkg.site.lat.toFixed(5)}, {pkg.site.lng.toFixed(5)}</dd></div>
          <div><dt>{t('lead.radius')}</dt><dd>{num(pkg.site.radius_m)} m</dd></div>
          <div><dt>{t('lead.categories')}</dt><dd>{pkg.categories.map((x) => term('category', x)).join(', ') || '–'}</dd></div>
          {outcome && outcome.raid_date ? <div><dt>{t('case.raid_date')}</dt><dd>{String(outcome.raid_date)}</dd></div> : null}
          {outcome && outcome.result ? (
            <div><dt>{t('case.result')}</dt><dd>{term('result', String(outcome.result))} · {money(outcome.seized_value as number | null)} · {t('case.arrests_n', { n: num(outcome.arrests as number | null) })}</dd></div>
          ) : null}
        </dl>
      </header>
      <Section title={t('case.your_actions')}>
        <Transitions caseId={pkg.case_id} allowed={pkg.allowed_transitions} raidDate={(outcome?.raid_date as string | undefined) ?? null} onDone={onChanged} />
        <h3>{t('case.exports')}</h3>
        <ExportLinks caseId={pkg.case_id} />
      </Section>
      <div class="grid-2">
        <Section title={t('lead.site')}>
          <SiteMap lat={pkg.site.lat} lng={pkg.site.lng} radius={pkg.site.radius_m} withPlaces />
        </Section>
        <Section title={t('lead.evidence')}>
          <ul class="evidence">
            {pkg.evidence.map((e, i) => (
              <li key={i}>{evidenceText(e, lang)}</li>
            ))}
          </ul>
        </Section>
      </div>
      <div class="grid-2">
        <Section title={t('lead.by_day')}>
          <Chart
            label={t('lead.by_day_label', { days: num(pkg.timeline.parcels_by_day.length), parcels: num(pkg.timeline.parcels_by_day.reduce((s, d) => s + d.parcels, 0)) })}
            option={barOption(pkg.timeline.parcels_by_day.map((d) => d.date), [{ name: t('lead.parcels'), data: pkg.timeline.parcels_by_day.map((d) => d.parcels), colour: '#b8001f' }], { rotate: 30 })}
          />
        </Section>
        <Section title={t('lead.by_hour')}>
          <Chart label={t('lead.by_hour')} option={barOption(hours.map((_, h) => String(h).padStart(2, '0')), [{ name: t('lead.parcels'), data: hours, colour: '#2b2d6e' }])} />
        </Section>
      </div>
      <div class="grid-2">
        <Section title={t('case.accounts_pseudonyms')}>
          <TableWrap label={t('case.accounts_pseudonyms')}>
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">{t('lead.account')}</th>
                  <th scope="col">{t('lead.score')}</th>
                  <th scope="col" class="num">{t('lead.parcels')}</th>
                </tr>
              </thead>
              <tbody>
                {pkg.accounts.map((a) => (
                  <tr key={a.account}>
                    <td class="mono">{a.account}</td>
                    <td><Score value={a.score} /></td>
                    <td class="num">{num(a.parcels)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {pkg.links.length > 0 ? (
            <>
              <NetworkGraph
                accounts={pkg.accounts.map((a) => ({ id: a.account, label: a.account, score: a.score }))}
                links={pkg.links.map((l, i) => ({ id: `${l.kind}:${i}`, label: term('kind', l.kind), accounts: l.accounts }))}
                label={t('lead.network_label', { accounts: pkg.accounts.length, links: pkg.links.length })}
              />
              <ul class="links">
                {pkg.links.map((l, i) => (
                  <li key={i}>
                    {term('kind', l.kind)}: {l.accounts.join(', ')}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </Section>
        <Section title={t('case.events')}>
          <Events events={pkg.events} />
        </Section>
      </div>
    </article>
  );
}
