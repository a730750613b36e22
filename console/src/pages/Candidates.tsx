/** Candidates to invite to the own-brand programme: the latest run's ranked list with its evidence (GET /api/impact/candidates). */
import { api } from '../api/client.ts';
import { ErrorNote, Loading, PageTitle, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { setQuery, useLocation } from '../router.tsx';

const PAGE = 50;

export function Candidates() {
  const { t, num } = useI18n();
  const { query } = useLocation();
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const list = useAsync(() => api.candidates({ limit: PAGE, offset }), [offset]);
  const d = list.data;
  return (
    <>
      <PageTitle title={t('candidates.title')}>{t('candidates.title')}</PageTitle>
      <ErrorNote error={list.error} />
      {!d ? (
        list.loading ? <Loading /> : null
      ) : d.total === 0 ? (
        <p class="muted">{t('candidates.none')}</p>
      ) : (
        <>
          <p role="status">{t('candidates.count', { shown: d.items.length, total: d.total })}</p>
          <TableWrap label={t('candidates.title')}>
            <table class="data">
              <thead>
                <tr>
                  <th scope="col" class="num">{t('candidates.rank')}</th>
                  <th scope="col">{t('candidates.seller')}</th>
                  <th scope="col">{t('candidates.factory')}</th>
                  <th scope="col">{t('candidates.belt')}</th>
                  <th scope="col" class="num">{t('candidates.score')}</th>
                  <th scope="col">{t('candidates.evidence')}</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((c) => (
                  <tr key={c.seller_id}>
                    <td class="num">{c.rank}</td>
                    <th scope="row">{c.seller_id}</th>
                    <td>{c.factory_name ?? c.factory_id ?? '–'}</td>
                    <td>{c.belt_name ?? c.belt_id ?? '–'}</td>
                    <td class="num">{num(c.score, 2)}</td>
                    <td>{c.evidence.join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <div class="pager">
            <button type="button" class="secondary" disabled={offset === 0} onClick={() => setQuery({ offset: Math.max(0, offset - PAGE) || null })}>
              {t('common.newer')}
            </button>
            <button type="button" class="secondary" disabled={d.next_offset === null} onClick={() => setQuery({ offset: d.next_offset })}>
              {t('common.older')}
            </button>
          </div>
        </>
      )}
    </>
  );
}
