/**
 * The console's one way to the server: same-origin fetch with the session
 * cookie, the CSRF token from sign-in on every state-changing request, and
 * the API's error body ({error: {code, message}}) turned into an ApiError.
 */
import type {
  AuditEntry, Case, CaseFile, CaseState, Density, DensityQuery, ExportFormat, Lead, LeadFile, LeadQuery, NewCase, NewPartner, NewReport,
  NewUser, Page, Partner, OutcomesOut, DeterrenceOut, Resurfacing, Programme, Candidate, Notification, Places, ReferralPackage, Report, Run, Session, Stats, TransitionIn, User,
} from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let csrf = '';
/** Called on sign-in and whenever the session is read again. */
export function setCsrf(token: string): void {
  csrf = token;
}

/** Called when the server says the session is gone, so the app can show the sign-in page. */
let onUnauthenticated: () => void = () => undefined;
export function whenSignedOut(fn: () => void): void {
  onUnauthenticated = fn;
}

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, q?: Query): string {
  if (!q) return path;
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const qs = s.toString();
  return qs ? `${path}?${qs}` : path;
}

async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (!res.ok) {
    const err = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null;
    const e = new ApiError(res.status, err?.error?.code ?? 'internal', err?.error?.message ?? `${res.status} ${res.statusText}`, err?.error?.details);
    if (res.status === 401 && path !== '/api/session') onUnauthenticated();
    throw e;
  }
  return (await res.json()) as T;
}

const get = <T>(path: string, q?: Query) => call<T>('GET', withQuery(path, q));

export const api = {
  signIn: (name: string, password: string) => call<Session>('POST', '/api/session', { name, password }),
  session: () => get<Session>('/api/session'),
  signOut: () => call<{ signed_out: boolean }>('DELETE', '/api/session'),
  config: () => get<{ tiles: string | null }>('/config.json'),

  runs: () => get<{ items: Run[] }>('/api/runs'),
  leads: (q: LeadQuery) => get<Page<Lead>>('/api/leads', q as Query),
  lead: (id: string, run?: number) => get<LeadFile>(`/api/leads/${encodeURIComponent(id)}`, { run }),
  stats: () => get<Stats>('/api/stats'),
  density: (q: DensityQuery) => get<Density>('/api/map/density', q as Query),
  places: () => get<Places>('/api/map/places'),

  cases: (q: { state?: CaseState; assignee?: string; partner_id?: string; limit?: number; offset?: number }) => get<Page<Case>>('/api/cases', q),
  caseFile: (id: number) => get<CaseFile | ReferralPackage>(`/api/cases/${id}`),
  openCase: (body: NewCase) => call<Case>('POST', '/api/cases', body),
  transition: (id: number, body: TransitionIn) => call<Case>('POST', `/api/cases/${id}/transitions`, body),
  comment: (id: number, comment: string) => call<{ added: boolean }>('POST', `/api/cases/${id}/comments`, { comment }),
  assign: (id: number, assignee: string | null) => call<Case>('PUT', `/api/cases/${id}/assignee`, { assignee }),
  team: () => get<{ items: { name: string; role: string }[] }>('/api/team'),
  casePartners: (id: number) => get<{ items: Partner[] }>(`/api/cases/${id}/partners`),
  exportUrl: (id: number, format: ExportFormat) => withQuery(`/api/cases/${id}/export`, { format }),

  partners: () => get<{ items: Partner[] }>('/api/partners'),
  addPartner: (p: NewPartner) => call<Partner>('POST', '/api/partners', p),
  users: () => get<{ items: User[] }>('/api/users'),
  addUser: (u: NewUser) => call<User>('POST', '/api/users', u),
  audit: (q: { action?: string; user?: string; object_type?: string; object_id?: string; limit?: number; offset?: number }) => get<Page<AuditEntry>>('/api/audit', q),
  verifyAudit: () => get<{ ok: boolean; entries: number; problem?: { seq: number; what: string; message: string } }>('/api/audit/verify'),
  reports: (q: { limit?: number; offset?: number }) => get<Page<Report>>('/api/reports', q),
  fileReport: (r: NewReport) => call<Report>('POST', '/api/reports', r),

  outcomes: () => get<OutcomesOut>('/api/impact/outcomes'),
  deterrence: () => get<DeterrenceOut>('/api/impact/deterrence'),
  resurfacings: () => get<{ items: Resurfacing[] }>('/api/impact/resurfacings'),
  programme: () => get<Programme>('/api/impact/programme'),
  notifications: () => get<{ items: Notification[]; unread: number }>('/api/notifications'),
  readNotification: (id: number) => call<{ read: boolean }>('POST', `/api/notifications/${id}/read`),
  candidates: (q: { belt?: string; limit?: number; offset?: number }) => get<Page<Candidate>>('/api/impact/candidates', q),
};
