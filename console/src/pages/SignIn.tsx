/** Sign-in: name and password; the server answers a wrong name and a wrong password alike. */
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { LanguageSelect } from '../components/LanguageSelect.tsx';
import { Field, PageTitle } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.ts';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signIn(name.trim(), password));
    } catch (err) {
      setError(
        err instanceof ApiError
          ? err.code === 'too_many_attempts'
            ? t('signin.throttled')
            : err.code === 'unauthenticated'
              ? t('signin.wrong')
              : err.message
          : t('error.network'),
      );
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin">
      <div class="signin-lang">
        <LanguageSelect />
      </div>
      <form class="signin-form panel" onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
        <p class="brand-big" aria-hidden="true">
          Dragnet
        </p>
        <PageTitle title={t('signin.title')}>{t('signin.title')}</PageTitle>
        <p class="muted">{t('signin.intro')}</p>
        <Field label={t('signin.name')}>
          {(id) => <input id={id} name="username" autocomplete="username" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />}
        </Field>
        <Field label={t('signin.password')}>
          {(id) => (
            <input id={id} name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
          )}
        </Field>
        {error ? (
          <p id="signin-error" class="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? t('signin.busy') : t('signin.submit')}
        </button>
      </form>
    </main>
  );
}
