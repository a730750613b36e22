/** The audit log, newest first, filtered by action and user, with its hash chain verified on request (supervisor, admin). */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { ErrorNote, Field, Loading, PageTitle, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { setQuery, useLocation } from '../router.tsx';

const PAGE = 100;

export function Audit() {
  const { t, num, dateTime } = useI18n();
  const { query } = useLocation();
  const action = query.get('action') ?? '';
  const user = query.get('user') ?? '';
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const log = useAsync(() => api.audit({ action: action || undefined, user: user || undefined, limit: PAGE, offset }), [action, user, offset]);
  const [verified, setVerified] = useState<{ ok: boolean; entries: number; problem?: { seq: number; message: string } } | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const [draft, setDraft] = useState({ action, user });

  return (
    <>
      <PageTitle title={t('audit.title')}>{t('audit.title')}</PageTitle>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ action: draft.action.trim(), user: draft.user.trim(), offset: undefined });
        }}
      >
        <Field label={t('audit.action')} hint={t('audit.action_hint')}>
          {(id) => <input id={id} name="action" value={draft.action} onInput={(e) => setDraft({ ...draft, action: (e.target as HTMLInputElement).value })} />}
        </Field>
        <Field label={t('audit.user')}>
          {(id) => <input id={id} name="user" value={draft.user} onInput={(e) => setDraft({ ...draft, user: (e.target as HTMLInputElement).value })} />}
        </Field>
        <div class="button-row">
          <button type="submit" class="secondary">{t('audit.filter')}</button>
          <button
            type="button"
            class="secondary"
            onClick={async () => {
              setVerifyError(null);
              try {
                setVerified(await api.verifyAudit());
              } catch (err) {
                setVerifyError(err);
              }
            }}
          >
            {t('audit.verify')}
          </button>
        </div>
      </form>
      <ErrorNote error={verifyError} />
      {verified ? (
        <p role="status" class={verified.ok ? 'ok' : 'error'}>
          {verified.ok ? t('audit.verified', { n: num(verified.entries) }) : t('audit.broken', { seq: verified.problem?.seq ?? '?', message: verified.problem?.message ?? '' })}
        </p>
      ) : null}
      <ErrorNote error={log.error} />
      {log.loading && !log.data ? <Loading /> : null}
      {log.data ? (
        <>
          <p class="count">{t('audit.count', { from: num(log.data.total === 0 ? 0 : offset + 1), to: num(offset + log.data.items.length), total: num(log.data.total) })}</p>
          <TableWrap label={t('audit.title')}>
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t('audit.at')}</th>
                  <th scope="col">{t('audit.user')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.object')}</th>
                  <th scope="col">{t('audit.detail')}</th>
                  <th scope="col">{t('audit.hash')}</th>
                </tr>
              </thead>
              <tbody>
                {log.data.items.map((e) => (
                  <tr key={e.seq}>
                    <td>{e.seq}</td>
                    <td>{dateTime(e.at)}</td>
                    <td>{e.user_name ?? '–'}{e.role ? ` (${e.role})` : ''}</td>
                    <td class="mono">{e.action}</td>
                    <td class="mono">{e.object_type ? `${e.object_type}:${e.object_id ?? ''}` : '–'}</td>
                    <td class="mono small detail">{e.detail ?? ''}</td>
                    <td class="mono small">{e.hash.slice(0, 10)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <div class="button-row">
            <button type="button" class="secondary" disabled={offset === 0} onClick={() => setQuery({ offset: Math.max(0, offset - PAGE) || undefined })}>
              {t('common.newer')}
            </button>
            <button type="button" class="secondary" disabled={log.data.next_offset === null} onClick={() => setQuery({ offset: log.data!.next_offset })}>
              {t('common.older')}
            </button>
          </div>
        </>
      ) : null}
    </>
  );
}
