/** The signed-in user's notifications (a case whose operation resurfaced at a new site), newest first; each can be marked read. */
import { api } from '../api/client.ts';
import { ErrorNote, Loading, PageTitle } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { isTeam } from '../roles.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.ts';

export function Notifications() {
  const { t, dateTime } = useI18n();
  const { user } = useSession();
  const list = useAsync(() => api.notifications(), []);
  return (
    <>
      <PageTitle title={t('notifications.title')}>{t('notifications.title')}</PageTitle>
      <ErrorNote error={list.error} />
      {!list.data ? (
        list.loading ? <Loading /> : null
      ) : list.data.items.length === 0 ? (
        <p class="muted">{t('notifications.none')}</p>
      ) : (
        <ul class="notifications">
          {list.data.items.map((n) => (
            <li key={n.notification_id} class={`card${n.read_at ? ' read' : ''}`}>
              <p>
                <time>{dateTime(n.at)}</time> · {n.message}
              </p>
              <div class="button-row">
                {n.case_id !== null && (isTeam(user.role) || user.role === 'police_liaison') ? <Link href={`/cases/${n.case_id}`}>{t('notifications.open_case', { id: n.case_id })}</Link> : null}
                {n.read_at ? null : (
                  <button type="button" class="secondary" onClick={() => void api.readNotification(n.notification_id).then(list.reload)}>
                    {t('notifications.mark_read')}
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
