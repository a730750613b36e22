/**
 * What every route shares: the app type with its per-request variables (the
 * signed-in user and how they came), the one error format, and the checks
 * of who may call what.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../workspace/audit.ts';
import type { Workspace } from '../workspace/store.ts';
import type { Role } from '../workspace/types.ts';
import type { User } from '../workspace/users.ts';
import { ErrorBody } from './schemas.ts';

export interface Env {
  Variables: {
    user: User;
    actor: Actor;
    via: 'cookie' | 'token';
    csrf: string | null;
    ip: string | null;
  };
}

export type Api = OpenAPIHono<Env>;
export type Ctx = Context<Env>;

export interface ServerDeps {
  ws: Workspace;
  /** Whether the session cookie is marked Secure (served behind TLS). */
  secureCookies: boolean;
  /** The Content-Security-Policy sent with every response. */
  csp?: string;
  /** Called when the server stops (open run databases). */
  onClose?: (() => void)[];
}

export type ErrorCode =
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'invalid_request'
  | 'invalid_transition'
  | 'conflict'
  | 'csrf'
  | 'too_many_attempts'
  | 'internal';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  invalid_request: 400,
  invalid_transition: 409,
  conflict: 409,
  csrf: 403,
  too_many_attempts: 429,
  internal: 500,
};

/** Thrown anywhere in a route; app.onError turns it into the error body. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
  get status(): ContentfulStatusCode {
    return STATUS[this.code];
  }
}

export const errorBody = (code: ErrorCode, message: string, details?: Record<string, unknown>) => ({
  error: details ? { code, message, details } : { code, message },
});

/** Routes open to some roles only: others get 403 (the route, not an object, so nothing leaks). */
export function requireRole(c: Ctx, roles: readonly Role[]): User {
  const user = c.get('user');
  if (!roles.includes(user.role)) throw new ApiError('forbidden', `a ${user.role} may not use ${c.req.method} ${c.req.routePath}`);
  return user;
}

/** Typed loosely on purpose: the response schemas are checked by the OpenAPI tests, not by the compiler at every call. */
export const ok = (c: Ctx, body: unknown, status: ContentfulStatusCode = 200) => c.json(body as never, status as never) as never;

/** The error responses a route documents, all in the ErrorBody shape. */
export function errors(...statuses: (400 | 401 | 403 | 404 | 409 | 429)[]) {
  const text: Record<number, string> = { 400: 'invalid request', 401: 'not signed in', 403: 'not allowed for this role, or no CSRF token', 404: 'no such object in your scope', 409: 'conflict with the current state', 429: 'too many attempts' };
  return Object.fromEntries(statuses.map((s) => [s, { description: text[s], content: { 'application/json': { schema: ErrorBody } } }]));
}
