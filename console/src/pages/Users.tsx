/** Users of the workspace and a form to add one (admin). */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { NewUser, Role } from '../api/types.ts';
import { ErrorNote, Field, Loading, PageTitle, Section, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';

const ROLES: Role[] = ['analyst', 'supervisor', 'police_liaison', 'rights_holder', 'programme_manager', 'admin'];

export function Users() {
  const { t, term, dateTime } = useI18n();
  const users = useAsync(() => api.users(), []);
  const partners = useAsync(() => api.partners(), []);
  return (
    <>
      <PageTitle title={t('users.title')}>{t('users.title')}</PageTitle>
      <ErrorNote error={users.error} />
      {users.loading && !users.data ? <Loading /> : null}
      {users.data ? (
        <TableWrap label={t('users.title')}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t('users.name')}</th>
                <th scope="col">{t('users.role')}</th>
                <th scope="col">{t('users.agency')}</th>
                <th scope="col">{t('users.brands')}</th>
                <th scope="col">{t('users.created')}</th>
                <th scope="col">{t('users.disabled')}</th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((u) => (
                <tr key={u.user_id}>
                  <td>{u.name}</td>
                  <td>{term('role', u.role)}</td>
                  <td>{u.agency_id ?? '–'}</td>
                  <td>{u.brands.join(', ') || '–'}</td>
                  <td>{dateTime(u.created_at)}</td>
                  <td>{u.disabled_at ? dateTime(u.disabled_at) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      <Section title={t('users.add')}>
        <AddUser agencies={partners.data?.items.map((p) => p.partner_id) ?? []} onAdded={users.reload} />
      </Section>
    </>
  );
}

function AddUser({ agencies, onAdded }: { agencies: string[]; onAdded: () => void }) {
  const { t, term } = useI18n();
  const [u, setU] = useState({ name: '', role: 'analyst' as Role, agency: '', brands: '', password: '' });
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const set = (k: keyof typeof u) => (e: Event) => setU({ ...u, [k]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    const body: NewUser = { name: u.name.trim(), role: u.role, password: u.password };
    if (u.role === 'police_liaison') body.agency_id = u.agency || null;
    if (u.role === 'rights_holder') body.brands = u.brands.split(',').map((b) => b.trim()).filter(Boolean);
    try {
      const added = await api.addUser(body);
      setDone(t('users.added', { name: added.name }));
      setU({ name: '', role: 'analyst', agency: '', brands: '', password: '' });
      onAdded();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="form-grid" onSubmit={submit}>
      <Field label={t('users.name')}>{(id) => <input id={id} name="name" required minLength={2} maxLength={64} autocomplete="off" value={u.name} onInput={set('name')} />}</Field>
      <Field label={t('users.role')}>
        {(id) => (
          <select id={id} name="role" value={u.role} onChange={set('role')}>
            {ROLES.map((r) => (
              <option key={r} value={r}>{term('role', r)}</option>
            ))}
          </select>
        )}
      </Field>
      {u.role === 'police_liaison' ? (
        <Field label={t('users.agency')}>
          {(id) => (
            <select id={id} name="agency" required value={u.agency} onChange={set('agency')}>
              <option value="">{t('users.choose_agency')}</option>
              {agencies.map((a) => (
                <option key={a} value={a}>{a}</option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      {u.role === 'rights_holder' ? (
        <Field label={t('users.brands')} hint={t('users.brands_hint')}>{(id) => <input id={id} name="brands" required value={u.brands} onInput={set('brands')} />}</Field>
      ) : null}
      <Field label={t('users.password')} hint={t('users.password_hint')}>
        {(id) => <input id={id} name="password" type="password" required minLength={10} autocomplete="new-password" value={u.password} onInput={set('password')} />}
      </Field>
      <ErrorNote error={error} />
      {done ? <p role="status" class="ok">{done}</p> : null}
      <div>
        <button type="submit">{t('users.add_button')}</button>
      </div>
    </form>
  );
}
