/**
 * Cases as a board, one column per state in the order a case moves, with
 * filters (state, assignee, partner). A police liaison sees only the cases
 * referred to their agency, and only the states those can be in.
 */
import { useMemo } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Case, CaseState } from '../api/types.ts';
import { ErrorNote, Field, Loading, PageTitle } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import { useSession } from '../session.ts';

const STATES: CaseState[] = ['new', 'analysing', 'offline_check', 'referral_proposed', 'referred', 'raided', 'closed', 'dismissed'];
const POLICE_STATES: CaseState[] = ['referred', 'raided', 'closed'];

async function allCases(): Promise<Case[]> {
  const items: Case[] = [];
  let offset: number | null = 0;
  while (offset !== null && items.length < 5000) {
    const page = await api.cases({ limit: 1000, offset });
    items.push(...page.items);
    offset = page.next_offset;
  }
  return items;
}

export function Cases() {
  const { t, term, dateTime } = useI18n();
  const { user } = useSession();
  const { query } = useLocation();
  const police = user.role === 'police_liaison';
  const cases = useAsync(allCases, []);
  const states = police ? POLICE_STATES : STATES;
  const state = (states as string[]).includes(query.get('state') ?? '') ? (query.get('state') as CaseState) : '';
  const assignee = query.get('assignee') ?? '';
  const partner = query.get('partner') ?? '';
  const shown = useMemo(
    () => (cases.data ?? []).filter((c) => (!state || c.state === state) && (!assignee || c.assignee === assignee) && (!partner || c.partner_id === partner)),
    [cases.data, state, assignee, partner],
  );
  const assignees = useMemo(() => [...new Set((cases.data ?? []).map((c) => c.assignee).filter((a): a is string => !!a))].sort(), [cases.data]);
  const partners = useMemo(() => [...new Set((cases.data ?? []).map((c) => c.partner_id).filter((a): a is string => !!a))].sort(), [cases.data]);
  const title = police ? t('cases.title_police', { agency: user.agency_id ?? '' }) : t('cases.title');
  const val = (e: Event) => (e.target as HTMLSelectElement).value;
  const columns = state ? [state] : states;

  return (
    <>
      <PageTitle title={title}>{title}</PageTitle>
      <fieldset class="filters">
        <legend>{t('filters.cases')}</legend>
        <Field label={t('filters.state')}>
          {(id) => (
            <select id={id} name="state" value={state} onChange={(e) => setQuery({ state: val(e) })}>
              <option value="">{t('filters.any')}</option>
              {states.map((s) => (
                <option key={s} value={s}>{term('state', s)}</option>
              ))}
            </select>
          )}
        </Field>
        {!police ? (
          <>
            <Field label={t('filters.assignee')}>
              {(id) => (
                <select id={id} name="assignee" value={assignee} onChange={(e) => setQuery({ assignee: val(e) })}>
                  <option value="">{t('filters.anyone')}</option>
                  {assignees.map((a) => (
                    <option key={a} value={a}>{a}</option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('filters.partner')}>
              {(id) => (
                <select id={id} name="partner" value={partner} onChange={(e) => setQuery({ partner: val(e) })}>
                  <option value="">{t('filters.any')}</option>
                  {partners.map((p) => (
                    <option key={p} value={p}>{p}</option>
                  ))}
                </select>
              )}
            </Field>
          </>
        ) : null}
      </fieldset>
      <ErrorNote error={cases.error} />
      {cases.loading && !cases.data ? <Loading /> : null}
      {cases.data ? (
        <>
          <p class="count" aria-live="polite">{t('cases.count', { shown: shown.length, total: cases.data.length })}</p>
          <div class="board" tabIndex={0} role="region" aria-label={t('cases.board')}>
            {columns.map((s) => {
              const inState = shown.filter((c) => c.state === s);
              return (
                <section key={s} class={`column state-col-${s}`} aria-label={`${term('state', s)} (${inState.length})`}>
                  <h2>
                    {term('state', s)} <span class="pill">{inState.length}</span>
                  </h2>
                  <ul>
                    {inState.map((c) => (
                      <li key={c.case_id} class="card">
                        <Link href={`/cases/${c.case_id}`}>
                          <strong>#{c.case_id}</strong> {c.title}
                        </Link>
                        <p class="muted small">
                          {t('case.score_short', { score: c.score.toFixed(2) })}
                          {c.assignee ? ` · ${c.assignee}` : ''}
                          {c.partner_id ? ` · ${c.partner_id}` : ''}
                        </p>
                        <p class="muted small">{t('case.updated', { at: dateTime(c.updated_at) })}</p>
                      </li>
                    ))}
                  </ul>
                </section>
              );
            })}
          </div>
        </>
      ) : null}
    </>
  );
}
