/**
 * The console: signs in, then shows the pages the user's role may open
 * under one header (navigation, language, sign-out). Pages that draw maps
 * and charts load with their libraries only when first opened, so the first
 * screen stays small.
 */
import type { ComponentType, JSX } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, setCsrf, whenSignedOut } from './api/client.ts';
import type { Session } from './api/types.ts';
import { clearCache, runs } from './cache.ts';
import { Loading } from './components/ui.tsx';
import { I18nContext, initialLang, makeI18n, saveLang, useI18n, type Lang } from './i18n/index.ts';
import { LanguageSelect } from './components/LanguageSelect.tsx';
import { NotFound, NotForRole } from './pages/NotFound.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { LANDING, may, navFor, PAGE_LABEL, PAGE_PATH, type PageId } from './roles.ts';
import { Link, match, navigate, useLocation } from './router.tsx';
import { forgetSignIn, maybeSignedIn, rememberSignIn, SessionContext } from './session.ts';

/** A page whose module (and its libraries) loads when first shown. */
function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let Loaded: ComponentType<P> | null = null;
  let pending: Promise<void> | null = null;
  return function LazyPage(props: P) {
    const [ready, setReady] = useState(Loaded !== null);
    const [failed, setFailed] = useState(false);
    const { t } = useI18n();
    useEffect(() => {
      if (ready) return;
      pending ??= load().then((c) => void (Loaded = c));
      pending.then(() => setReady(true), () => ((pending = null), setFailed(true)));
    }, []);
    if (failed) return <p role="alert">{t('error.network')}</p>;
    return ready && Loaded ? <Loaded {...props} /> : <Loading />;
  };
}

const Overview = lazyPage(() => import('./pages/Overview.tsx').then((m) => m.Overview));
const MapPage = lazyPage(() => import('./pages/MapPage.tsx').then((m) => m.MapPage));
const Leads = lazyPage(() => import('./pages/Leads.tsx').then((m) => m.Leads));
const LeadFile = lazyPage<{ id: string; run?: number }>(() => import('./pages/LeadFile.tsx').then((m) => m.LeadFile));
const Cases = lazyPage(() => import('./pages/Cases.tsx').then((m) => m.Cases));
const CasePage = lazyPage<{ id: number }>(() => import('./pages/CasePage.tsx').then((m) => m.CasePage));
const Users = lazyPage(() => import('./pages/Users.tsx').then((m) => m.Users));
const Partners = lazyPage(() => import('./pages/Partners.tsx').then((m) => m.Partners));
const Audit = lazyPage(() => import('./pages/Audit.tsx').then((m) => m.Audit));
const Outcomes = lazyPage(() => import('./pages/Outcomes.tsx').then((m) => m.Outcomes));
const Deterrence = lazyPage(() => import('./pages/Deterrence.tsx').then((m) => m.Deterrence));
const Programme = lazyPage(() => import('./pages/Programme.tsx').then((m) => m.Programme));
const Candidates = lazyPage(() => import('./pages/Candidates.tsx').then((m) => m.Candidates));
const Notifications = lazyPage(() => import('./pages/Notifications.tsx').then((m) => m.Notifications));
const Reports = lazyPage(() => import('./pages/Reports.tsx').then((m) => m.Reports));

interface Route {
  pattern: string;
  page: PageId;
  render: (params: Record<string, string>, query: URLSearchParams) => JSX.Element;
}

const ROUTES: Route[] = [
  { pattern: '/overview', page: 'overview', render: () => <Overview /> },
  { pattern: '/map', page: 'map', render: () => <MapPage /> },
  { pattern: '/leads', page: 'leads', render: () => <Leads /> },
  { pattern: '/leads/:id', page: 'leads', render: (p, q) => <LeadFile key={`${p.id}/${q.get('run') ?? ''}`} id={p.id} run={q.get('run') ? Number(q.get('run')) : undefined} /> },
  { pattern: '/cases', page: 'cases', render: () => <Cases /> },
  { pattern: '/cases/:id', page: 'cases', render: (p) => <CasePage key={p.id} id={Number(p.id)} /> },
  { pattern: '/impact/outcomes', page: 'outcomes', render: () => <Outcomes /> },
  { pattern: '/impact/deterrence', page: 'deterrence', render: () => <Deterrence /> },
  { pattern: '/programme', page: 'programme', render: () => <Programme /> },
  { pattern: '/candidates', page: 'candidates', render: () => <Candidates /> },
  { pattern: '/reports', page: 'reports', render: () => <Reports /> },
  { pattern: '/admin/users', page: 'users', render: () => <Users /> },
  { pattern: '/admin/partners', page: 'partners', render: () => <Partners /> },
  { pattern: '/audit', page: 'audit', render: () => <Audit /> },
];

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  // undefined: asking the server whether a session is still open.
  const [session, setSession] = useState<Session | null | undefined>(maybeSignedIn() ? undefined : null);
  const setLang = useCallback((l: Lang) => (saveLang(l), setLangState(l)), []);

  const signedOut = useCallback(() => {
    forgetSignIn();
    clearCache();
    setCsrf('');
    setSession(null);
  }, []);

  useEffect(() => {
    saveLang(lang);
    whenSignedOut(signedOut);
    if (session !== undefined) return;
    api.session().then(
      (s) => (setCsrf(s.csrf_token), setSession(s)),
      () => signedOut(),
    );
  }, []);

  // The dataset's time zone comes with the session; a server that does not send it is asked for its runs, where the role may list them.
  const [runZone, setRunZone] = useState<{ timezone: string; currency: string | null } | null>(null);
  useEffect(() => {
    if (!session || session.timezone !== undefined || !['analyst', 'supervisor', 'rights_holder', 'programme_manager'].includes(session.user.role)) return;
    runs().then(
      (items) => {
        const last = items[items.length - 1];
        if (last) setRunZone({ timezone: last.timezone, currency: last.currency });
      },
      () => undefined,
    );
  }, [session]);
  const tz = session?.timezone ?? runZone?.timezone ?? 'UTC';
  const currency = session?.currency ?? runZone?.currency ?? null;
  const i18n = useMemo(() => makeI18n(lang, tz, currency, setLang), [lang, tz, currency, setLang]);

  let body: JSX.Element;
  if (session === undefined) body = <Loading />;
  else if (session === null)
    body = (
      <SignIn
        onSignedIn={(s) => {
          rememberSignIn();
          setCsrf(s.csrf_token);
          clearCache();
          setSession(s);
          if (location.pathname === '/' || location.pathname === '/sign-in') navigate(PAGE_PATH[LANDING[s.user.role]], { replace: true });
        }}
      />
    );
  else
    body = (
      <SessionContext.Provider value={session}>
        <Shell session={session} onSignOut={() => void api.signOut().finally(() => (signedOut(), navigate('/', { replace: true })))} />
      </SessionContext.Provider>
    );
  return <I18nContext.Provider value={i18n}>{body}</I18nContext.Provider>;
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { t, term, tz } = useI18n();
  const { path, query } = useLocation();
  const role = session.user.role;

  useEffect(() => {
    if (path === '/' || path === '/sign-in') navigate(PAGE_PATH[LANDING[role]], { replace: true });
  }, [path, role]);

  // Every role has its own notifications.
  let content: JSX.Element | null = path === '/notifications' ? <Notifications /> : null;
  for (const r of content ? [] : ROUTES) {
    const params = match(r.pattern, path);
    if (!params) continue;
    content = may(role, r.page) ? r.render(params, query) : <NotForRole />;
    break;
  }
  if (!content) content = path === '/' || path === '/sign-in' ? <Loading /> : <NotFound />;

  return (
    <>
      <a class="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header class="app-header">
        <Link class="brand" href={PAGE_PATH[LANDING[role]]}>
          Dragnet
        </Link>
        <nav aria-label={t('nav.label')}>
          <ul>
            {navFor(role).map((p) => {
              const href = PAGE_PATH[p];
              const current = path === href || (href !== '/' && path.startsWith(`${href}/`));
              return (
                <li key={p}>
                  <Link href={href} aria-current={current ? 'page' : undefined}>
                    {t(PAGE_LABEL[p])}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div class="header-tools">
          <span class="who">
            {session.user.name} · {term('role', role)}
            {session.user.agency_id ? ` · ${session.user.agency_id}` : ''}
          </span>
          <UnreadLink path={path} />
          <LanguageSelect />
          <button type="button" class="secondary" onClick={onSignOut}>
            {t('nav.sign_out')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {content}
      </main>
      <footer class="app-footer">
        <small>{t('footer.timezone', { tz })}</small>
      </footer>
    </>
  );
}

/** The unread notifications' count, asked again on each page change; a link to the list. */
function UnreadLink({ path }: { path: string }) {
  const { t } = useI18n();
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    api.notifications().then((n) => setUnread(n.unread), () => undefined);
  }, [path]);
  return (
    <Link class="notifications-link" href="/notifications" aria-current={path === '/notifications' ? 'page' : undefined}>
      {t('notifications.link', { n: unread })}
    </Link>
  );
}
