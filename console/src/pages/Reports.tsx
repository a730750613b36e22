/** A rights holder's reports: notices and test-buy results about their brands' listings and sellers, which the next analysis reads. */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { NewReport } from '../api/types.ts';
import { ErrorNote, Field, Loading, PageTitle, Section, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { useSession } from '../session.ts';

export function Reports() {
  const { t, term, dateTime } = useI18n();
  const { user } = useSession();
  const reports = useAsync(() => api.reports({ limit: 200 }), []);
  const [r, setR] = useState<NewReport>({ brand: user.brands[0] ?? '', target_type: 'listing', target_id: '', source: 'rights_holder', verdict: 'counterfeit', note: '' });
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const set = (k: keyof NewReport) => (e: Event) => setR({ ...r, [k]: (e.target as HTMLInputElement).value } as NewReport);
  return (
    <>
      <PageTitle title={t('reports.title')}>{t('reports.title')}</PageTitle>
      <Section title={t('reports.file')}>
        <form
          class="form-grid"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            setDone(false);
            try {
              await api.fileReport({ ...r, target_id: r.target_id.trim(), note: r.note?.trim() || undefined });
              setDone(true);
              setR({ ...r, target_id: '', note: '' });
              reports.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <Field label={t('reports.brand')}>
            {(id) => (
              <select id={id} name="brand" value={r.brand} onChange={set('brand')}>
                {user.brands.map((b) => (
                  <option key={b} value={b}>{b}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('reports.target_type')}>
            {(id) => (
              <select id={id} name="target_type" value={r.target_type} onChange={set('target_type')}>
                <option value="listing">{t('reports.listing')}</option>
                <option value="seller">{t('reports.seller')}</option>
              </select>
            )}
          </Field>
          <Field label={t('reports.target_id')} hint={t('reports.target_hint')}>{(id) => <input id={id} name="target_id" required maxLength={200} value={r.target_id} onInput={set('target_id')} />}</Field>
          <Field label={t('reports.source')}>
            {(id) => (
              <select id={id} name="source" value={r.source} onChange={set('source')}>
                <option value="rights_holder">{t('reports.notice')}</option>
                <option value="test_buy">{t('reports.test_buy')}</option>
              </select>
            )}
          </Field>
          <Field label={t('reports.verdict')}>
            {(id) => (
              <select id={id} name="verdict" value={r.verdict} onChange={set('verdict')}>
                {(['counterfeit', 'genuine', 'unknown'] as const).map((v) => (
                  <option key={v} value={v}>{term('result', v)}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('reports.note')}>{(id) => <textarea id={id} name="note" rows={2} maxLength={5000} value={r.note} onInput={set('note')} />}</Field>
          <ErrorNote error={error} />
          {done ? <p role="status" class="ok">{t('reports.filed')}</p> : null}
          <div>
            <button type="submit">{t('reports.submit')}</button>
          </div>
        </form>
      </Section>
      <Section title={t('reports.list')}>
        <ErrorNote error={reports.error} />
        {reports.loading && !reports.data ? <Loading /> : null}
        {reports.data ? (
          <TableWrap label={t('reports.list')}>
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">{t('reports.at')}</th>
                  <th scope="col">{t('reports.brand')}</th>
                  <th scope="col">{t('reports.target_id')}</th>
                  <th scope="col">{t('reports.source')}</th>
                  <th scope="col">{t('reports.verdict')}</th>
                  <th scope="col">{t('reports.note')}</th>
                </tr>
              </thead>
              <tbody>
                {reports.data.items.map((x) => (
                  <tr key={x.report_id}>
                    <td>{dateTime(x.created_at)}</td>
                    <td>{x.brand}</td>
                    <td>{x.target_type === 'listing' ? t('reports.listing') : t('reports.seller')} {x.target_id}</td>
                    <td>{x.source === 'test_buy' ? t('reports.test_buy') : t('reports.notice')}</td>
                    <td>{term('result', x.verdict)}</td>
                    <td>{x.note}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ) : null}
      </Section>
    </>
  );
}
