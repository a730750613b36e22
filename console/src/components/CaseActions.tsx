/**
 * What can be done to a case, shared by the lead file and the case page:
 * its allowed transitions (each with the fields it needs: a partner for a
 * referral, a raid date, a result, a reason), assignment, comments and the
 * exports. The server offers the transitions; the console never guesses.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { useAsync } from '../hooks.ts';
import type { AllowedTransition, CaseFile, ExportFormat, Outcome, Partner, TransitionIn } from '../api/types.ts';
import { useI18n } from '../i18n/index.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.ts';
import { ErrorNote, Field, StateBadge } from './ui.tsx';

/** Today's date in the dataset's time zone, as the API's dates are written. */
export function today(tz: string): string {
  try {
    return new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

const val = (e: Event) => (e.target as HTMLInputElement).value;

export function Transitions({ caseId, allowed, raidDate, onDone }: { caseId: number; allowed: AllowedTransition[]; raidDate?: string | null; onDone: () => void }) {
  const { t, term } = useI18n();
  const [open, setOpen] = useState<AllowedTransition | null>(null);
  if (allowed.length === 0) return <p class="muted">{t('case.no_transitions')}</p>;
  return (
    <div class="transitions">
      <div class="button-row">
        {allowed.map((a) => (
          <button
            key={`${a.to}-${a.label}`}
            type="button"
            class={open === a ? '' : 'secondary'}
            aria-expanded={open === a}
            onClick={() => setOpen(open === a ? null : a)}
          >
            {term('transition', a.label)}
          </button>
        ))}
      </div>
      {open ? <TransitionForm key={`${open.to}-${open.label}`} caseId={caseId} move={open} raidDate={raidDate} onDone={() => (setOpen(null), onDone())} /> : null}
    </div>
  );
}

function TransitionForm({ caseId, move, raidDate, onDone }: { caseId: number; move: AllowedTransition; raidDate?: string | null; onDone: () => void }) {
  const { t, term, tz, currency } = useI18n();
  const [comment, setComment] = useState('');
  const [partner, setPartner] = useState('');
  const [partners, setPartners] = useState<Partner[] | null>(null);
  const [date, setDate] = useState(raidDate ?? today(tz));
  const [result, setResult] = useState<Outcome['result']>('confirmed');
  const [seized, setSeized] = useState('');
  const [arrests, setArrests] = useState('');
  const [siteKind, setSiteKind] = useState('');
  const [items, setItems] = useState('');
  const [address, setAddress] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (move.needs !== 'partner') return;
    api.casePartners(caseId).then(
      (r) => (setPartners(r.items), setPartner(r.items[0]?.partner_id ?? '')),
      (e) => setError(e),
    );
  }, [caseId, move.needs]);

  const optionalNumber = (s: string) => (s.trim() === '' ? null : Number(s));
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: TransitionIn = { to: move.to, comment };
    if (move.needs === 'partner') body.partner_id = partner;
    if (move.needs === 'raid') body.raid_date = date;
    if (move.needs === 'reason') body.reason = reason;
    if (move.needs === 'outcome') {
      body.outcome = {
        result, raid_date: date, seized_value: optionalNumber(seized), arrests: optionalNumber(arrests), items: optionalNumber(items), address_found: address.trim() || null,
        ...(result === 'confirmed' && siteKind ? { site_kind: siteKind as NonNullable<Outcome['site_kind']> } : {}),
      };
    }
    setBusy(true);
    setError(null);
    try {
      await api.transition(caseId, body);
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const title = term('transition', move.label);
  return (
    <form class="transition-form" onSubmit={submit} aria-label={title}>
      <h3>{title}</h3>
      {move.needs === 'partner' ? (
        partners === null ? (
          <p class="muted">{t('common.loading')}</p>
        ) : partners.length === 0 ? (
          <p class="error" role="alert">{t('case.no_partner')}</p>
        ) : (
          <Field label={t('case.partner')} hint={t('case.partner_hint')}>
            {(id) => (
              <select id={id} name="partner_id" value={partner} onChange={(e) => setPartner(val(e))} required>
                {partners.map((p) => (
                  <option key={p.partner_id} value={p.partner_id}>
                    {p.name} ({p.partner_id})
                  </option>
                ))}
              </select>
            )}
          </Field>
        )
      ) : null}
      {move.needs === 'raid' || move.needs === 'outcome' ? (
        <Field label={t('case.raid_date')}>{(id) => <input id={id} name="raid_date" type="date" required value={date} onInput={(e) => setDate(val(e))} />}</Field>
      ) : null}
      {move.needs === 'outcome' ? (
        <>
          <Field label={t('case.result')}>
            {(id) => (
              <select id={id} name="result" value={result} onChange={(e) => setResult(val(e) as Outcome['result'])}>
                <option value="confirmed">{term('result', 'confirmed')}</option>
                <option value="nothing_found">{term('result', 'nothing_found')}</option>
              </select>
            )}
          </Field>
          {result === 'confirmed' ? (
            <Field label={t('case.site_kind')}>
              {(id) => (
                <select id={id} name="site_kind" value={siteKind} onChange={(e) => setSiteKind(val(e))}>
                  <option value="">{t('case.site_kind_unknown')}</option>
                  <option value="production">{t('outcomes.production')}</option>
                  <option value="storage">{t('outcomes.storage')}</option>
                  <option value="shipping">{t('outcomes.shipping')}</option>
                </select>
              )}
            </Field>
          ) : null}
          <div class="field-row">
            <Field label={currency ? t('case.seized_in', { currency }) : t('case.seized')}>
              {(id) => <input id={id} name="seized_value" type="number" min={0} step="any" value={seized} onInput={(e) => setSeized(val(e))} />}
            </Field>
            <Field label={t('case.arrests')}>{(id) => <input id={id} name="arrests" type="number" min={0} step={1} value={arrests} onInput={(e) => setArrests(val(e))} />}</Field>
            <Field label={t('case.items')}>{(id) => <input id={id} name="items" type="number" min={0} step={1} value={items} onInput={(e) => setItems(val(e))} />}</Field>
          </div>
          <Field label={t('case.address_found')}>{(id) => <input id={id} name="address_found" maxLength={500} value={address} onInput={(e) => setAddress(val(e))} />}</Field>
        </>
      ) : null}
      {move.needs === 'reason' ? (
        <Field label={t('case.reason')}>{(id) => <input id={id} name="reason" required maxLength={2000} value={reason} onInput={(e) => setReason(val(e))} />}</Field>
      ) : null}
      <Field label={t('case.comment')} hint={t('case.comment_hint')}>
        {(id) => <textarea id={id} name="comment" required maxLength={5000} rows={3} value={comment} onInput={(e) => setComment(val(e))} aria-describedby={`${id}-hint`} />}
      </Field>
      <ErrorNote error={error} />
      <button type="submit" disabled={busy || (move.needs === 'partner' && !partner)}>
        {t('case.confirm', { action: title })}
      </button>
    </form>
  );
}

export function AssignForm({ caseId, assignee, me, onDone }: { caseId: number; assignee: string | null; me: string; onDone: () => void }) {
  const { t } = useI18n();
  const team = useAsync(() => api.team(), []);
  const [name, setName] = useState(assignee ?? '');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setName(assignee ?? ''), [assignee]);
  // Who a case may go to: the team, and whoever holds it now even if no longer on it.
  const names = [...new Set([...(team.data?.items.map((m) => m.name) ?? []), ...(assignee ? [assignee] : [])])].sort();
  const assign = async (who: string | null) => {
    setError(null);
    try {
      await api.assign(caseId, who);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        void assign(name || null);
      }}
    >
      <Field label={t('case.assignee')} hint={t('case.assignee_hint')}>
        {(id) => (
          <select id={id} name="assignee" value={name} onChange={(e) => setName(val(e))} aria-describedby={`${id}-hint`}>
            <option value="">{t('case.unassigned')}</option>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div class="button-row">
        <button type="submit" class="secondary">{t('case.assign')}</button>
        {assignee !== me ? (
          <button type="button" class="secondary" onClick={() => void assign(me)}>
            {t('case.assign_me')}
          </button>
        ) : null}
      </div>
      <ErrorNote error={error} />
      {team.error ? <ErrorNote error={team.error} /> : null}
    </form>
  );
}

export function CommentForm({ caseId, onDone }: { caseId: number; onDone: () => void }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      class="comment-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await api.comment(caseId, text);
          setText('');
          onDone();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <Field label={t('case.new_comment')}>
        {(id) => <textarea id={id} name="new_comment" required maxLength={5000} rows={2} value={text} onInput={(e) => setText(val(e))} />}
      </Field>
      <ErrorNote error={error} />
      <button type="submit" class="secondary">{t('case.add_comment')}</button>
    </form>
  );
}

const FORMATS: ExportFormat[] = ['pdf', 'geojson', 'kml', 'csv', 'ftm'];

export function ExportLinks({ caseId }: { caseId: number }) {
  const { t } = useI18n();
  return (
    <ul class="exports">
      {FORMATS.map((f) => (
        <li key={f}>
          <a href={api.exportUrl(caseId, f)} download>
            {t(`export.${f}`)}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** A case's work in a lead file or on the case page: state, transitions, assignment, comment, exports. */
export function CaseWork({ file, onChanged, linked = true }: { file: CaseFile; onChanged: () => void; linked?: boolean }) {
  const { t } = useI18n();
  const { user } = useSession();
  const c = file.case;
  return (
    <div class="case-work">
      {linked ? (
        <p>
          <Link href={`/cases/${c.case_id}`}>{t('case.link', { id: c.case_id, title: c.title })}</Link> <StateBadge state={c.state} />
          {c.assignee ? <span class="muted"> · {t('case.assigned_to', { name: c.assignee })}</span> : null}
          {c.partner_id ? <span class="muted"> · {t('case.partner_is', { partner: c.partner_id })}</span> : null}
        </p>
      ) : null}
      <div class="grid-2">
        <div>
          <h3>{t('case.actions')}</h3>
          <Transitions caseId={c.case_id} allowed={file.allowed_transitions} raidDate={(c.outcome as { raid_date?: string } | null)?.raid_date} onDone={onChanged} />
        </div>
        <div>
          <AssignForm caseId={c.case_id} assignee={c.assignee} me={user.name} onDone={onChanged} />
          <CommentForm caseId={c.case_id} onDone={onChanged} />
          <h3>{t('case.exports')}</h3>
          <ExportLinks caseId={c.case_id} />
        </div>
      </div>
    </div>
  );
}
