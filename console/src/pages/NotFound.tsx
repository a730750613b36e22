import { useI18n } from '../i18n/index.ts';
import { PageTitle } from '../components/ui.tsx';

export function NotFound() {
  const { t } = useI18n();
  return (
    <>
      <PageTitle title={t('notfound.title')}>{t('notfound.title')}</PageTitle>
      <p>{t('notfound.text')}</p>
    </>
  );
}

/** A page the user's role may not open: said plainly, without asking the server. */
export function NotForRole() {
  const { t } = useI18n();
  return (
    <>
      <PageTitle title={t('notforrole.title')}>{t('notforrole.title')}</PageTitle>
      <p>{t('notforrole.text')}</p>
    </>
  );
}
