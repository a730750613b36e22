/**
 * What each role sees of the console: its first page and the pages it may
 * open. The server enforces the same (403 and out-of-scope 404s); this only
 * keeps the console from offering what the role cannot use.
 */
import type { Role } from './api/types.ts';
import type { Key } from './i18n/index.ts';

export type PageId = 'overview' | 'map' | 'leads' | 'cases' | 'outcomes' | 'deterrence' | 'programme' | 'candidates' | 'reports' | 'users' | 'partners' | 'audit';

export const PAGE_ROLES: Record<PageId, readonly Role[]> = {
  overview: ['analyst', 'supervisor', 'programme_manager'],
  map: ['analyst', 'supervisor', 'rights_holder'],
  leads: ['analyst', 'supervisor', 'rights_holder'],
  cases: ['analyst', 'supervisor', 'police_liaison'],
  // Impact (issue 12): the same scopes as /api/impact/* (docs/workspace.md).
  outcomes: ['analyst', 'supervisor', 'police_liaison', 'programme_manager', 'admin'],
  deterrence: ['analyst', 'supervisor', 'police_liaison', 'programme_manager', 'admin'],
  programme: ['analyst', 'supervisor', 'programme_manager', 'admin'],
  candidates: ['analyst', 'supervisor', 'programme_manager'],
  reports: ['rights_holder'],
  users: ['admin'],
  partners: ['admin'],
  audit: ['supervisor', 'admin'],
};

export const PAGE_PATH: Record<PageId, string> = {
  overview: '/overview',
  map: '/map',
  leads: '/leads',
  cases: '/cases',
  outcomes: '/impact/outcomes',
  deterrence: '/impact/deterrence',
  programme: '/programme',
  candidates: '/candidates',
  reports: '/reports',
  users: '/admin/users',
  partners: '/admin/partners',
  audit: '/audit',
};

export const PAGE_LABEL: Record<PageId, Key> = {
  overview: 'nav.overview',
  map: 'nav.map',
  leads: 'nav.leads',
  cases: 'nav.cases',
  outcomes: 'nav.outcomes',
  deterrence: 'nav.deterrence',
  programme: 'nav.programme',
  candidates: 'nav.candidates',
  reports: 'nav.reports',
  users: 'nav.users',
  partners: 'nav.partners',
  audit: 'nav.audit',
};

/** Where each role lands after signing in: an analyst on the map, a police liaison on their referred cases, a rights holder on their brands' leads. */
export const LANDING: Record<Role, PageId> = {
  analyst: 'map',
  supervisor: 'cases',
  police_liaison: 'cases',
  rights_holder: 'leads',
  programme_manager: 'overview',
  admin: 'users',
};

export const may = (role: Role, page: PageId) => PAGE_ROLES[page].includes(role);
export const navFor = (role: Role) => (Object.keys(PAGE_ROLES) as PageId[]).filter((p) => may(role, p));
/** Case work: opening, assigning, moving cases, for the team. */
export const isTeam = (role: Role) => role === 'analyst' || role === 'supervisor';
