/**
 * The workspace's HTTP API under /api (Hono with @hono/zod-openapi): every
 * parameter, query and body validated by the schemas in schemas.ts, one
 * error format with machine-readable codes, and the OpenAPI 3.1 document at
 * /api/openapi.json generated from the same schemas.
 *
 * Who is calling: a session cookie (browser; state-changing requests also
 * carry the session's CSRF token in X-CSRF-Token) or an API token
 * (`Authorization: Bearer ...`, scripts). Anonymous requests get 401, except
 * signing in and the OpenAPI document.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { getConnInfo } from '@hono/node-server/conninfo';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { UserError } from '../errors.ts';
import { audit, auditNow } from '../workspace/audit.ts';
import { CaseError } from '../workspace/cases.ts';
import {
  actorOf, checkPassword, createSession, decoyHash, endSession, SESSION_HOURS, sessionUser, tokenUser, userByName,
} from '../workspace/users.ts';
import { ApiError, errorBody, errors, ok, type Api, type Env, type ServerDeps } from './context.ts';
import { SessionOut, SignIn } from './schemas.ts';
import { latestRun } from '../workspace/runs.ts';
import { leadRoutes } from './routes/leads.ts';
import { caseRoutes } from './routes/cases.ts';
import { adminRoutes } from './routes/admin.ts';
import { mapRoutes } from './routes/map.ts';
import { impactRoutes } from './routes/impact.ts';
import { SignInThrottle } from './throttle.ts';

export const SESSION_COOKIE = 'dragnet_session';
const PUBLIC = new Set(['POST /api/session', 'GET /api/openapi.json']);

export function createApp(deps: ServerDeps): Api {
  const { ws } = deps;
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue.path.join('.') || 'the request';
        return c.json(errorBody('invalid_request', `${where}: ${issue.message}`, { issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) }), 400);
      }
    },
  });

  if (deps.csp) {
    const csp = deps.csp;
    app.use('*', async (c, next) => {
      await next();
      c.header('Content-Security-Policy', csp);
      c.header('X-Content-Type-Options', 'nosniff');
      c.header('Referrer-Policy', 'no-referrer');
    });
  }

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.details), err.status);
    if (err instanceof CaseError) {
      const code = err.code === 'invalid' ? 'invalid_request' : err.code;
      return c.json(errorBody(code, err.message, err.details), new ApiError(code, '').status);
    }
    if (err instanceof UserError) return c.json(errorBody('invalid_request', err.message), 400);
    if (err instanceof SyntaxError) return c.json(errorBody('invalid_request', `the body is not JSON: ${err.message}`), 400);
    // Hono's own refusals before the schemas run: a body that is not JSON (400) or not sent as application/json (415).
    if (err instanceof HTTPException && err.status < 500) {
      return c.json(errorBody('invalid_request', err.status === 415 ? 'the body must be JSON, sent with Content-Type: application/json' : `the body: ${err.message}`), 400);
    }
    process.stderr.write(`dragnet serve: ${err.stack ?? err}\n`);
    return c.json(errorBody('internal', 'internal error; see the server log'), 500);
  });
  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));

  // Who is calling, for every /api route but the public ones.
  app.use('/api/*', async (c, next) => {
    let ip: string | null = null;
    try {
      ip = getConnInfo(c).remote.address ?? null;
    } catch {
      ip = null;
    }
    c.set('ip', ip);
    if (PUBLIC.has(`${c.req.method} ${c.req.path}`)) return next();
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer) {
      const found = tokenUser(ws, bearer);
      if (!found) throw new ApiError('unauthenticated', 'the API token is unknown or revoked');
      c.set('user', found.user);
      c.set('actor', actorOf(found.user, ip));
      c.set('via', 'token');
      c.set('csrf', null);
      ws.prepare(`UPDATE tokens SET last_used_at = ? WHERE token_id = ?`).run(new Date().toISOString(), found.token_id);
      auditNow(ws, actorOf(found.user, ip), { action: 'token.use', object_type: 'token', object_id: found.token_id, detail: { request: `${c.req.method} ${c.req.path}` } });
      return next();
    }
    const cookie = getCookie(c, SESSION_COOKIE);
    const session = cookie ? sessionUser(ws, cookie) : undefined;
    if (!session) throw new ApiError('unauthenticated', 'sign in first (POST /api/session) or send an API token');
    c.set('user', session.user);
    c.set('actor', actorOf(session.user, ip));
    c.set('via', 'cookie');
    c.set('csrf', session.csrf);
    // A cookie is sent by the browser whoever made the page: a change needs the session's own token too.
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) && c.req.header('x-csrf-token') !== session.csrf) {
      throw new ApiError('csrf', 'a state-changing request with a session cookie must carry the X-CSRF-Token header from sign-in');
    }
    return next();
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE });
  app.openAPIRegistry.registerComponent('securitySchemes', 'token', { type: 'http', scheme: 'bearer' });

  const throttle = new SignInThrottle();
  // The dataset's time zone and currency go with the session: the console shows every role dates in that zone.
  const dataset = () => {
    const run = latestRun(ws);
    return { timezone: run?.timezone ?? null, currency: run?.currency ?? null };
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/session',
      tags: ['session'],
      summary: 'Sign in: sets an http-only, SameSite=Strict session cookie',
      security: [],
      request: { body: { content: { 'application/json': { schema: SignIn } }, required: true } },
      responses: { 200: { description: 'signed in', content: { 'application/json': { schema: SessionOut } } }, ...errors(400, 401, 429) },
    }),
    async (c) => {
      const { name, password } = c.req.valid('json');
      const ip = c.get('ip');
      await throttle.wait(name, ip);
      const user = userByName(ws, name);
      // The same work whether the name exists or not: a wrong name and a wrong password look alike, in words and in time.
      const good = await checkPassword(password, user?.password ?? (await decoyHash()));
      if (!user || !good || user.disabled_at) {
        throttle.failed(name, ip);
        auditNow(ws, { user_id: user?.user_id ?? null, name, role: user?.role ?? null, ip }, { action: 'session.fail', detail: { failures: throttle.failures(name, ip) } });
        throw new ApiError('unauthenticated', 'wrong name or password');
      }
      throttle.succeeded(name, ip);
      const session = ws.tx(() => {
        const s = createSession(ws, user);
        audit(ws, actorOf(user, ip), { action: 'session.create', object_type: 'user', object_id: user.user_id });
        return s;
      });
      setCookie(c, SESSION_COOKIE, session.token, {
        httpOnly: true, sameSite: 'Strict', path: '/', secure: deps.secureCookies, maxAge: SESSION_HOURS * 3600,
      });
      const { password: _, ...safe } = user;
      return ok(c, { user: safe, csrf_token: session.csrf, expires_at: session.expires_at, ...dataset() });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/session',
      tags: ['session'],
      summary: 'Who is signed in, and the CSRF token for state-changing requests',
      responses: { 200: { description: 'the session', content: { 'application/json': { schema: SessionOut } } }, ...errors(401) },
    }),
    (c) => ok(c, { user: c.get('user'), csrf_token: c.get('csrf') ?? '', ...dataset() }),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/session',
      tags: ['session'],
      summary: 'Sign out',
      responses: { 200: { description: 'signed out', content: { 'application/json': { schema: z.object({ signed_out: z.boolean() }) } } }, ...errors(401, 403) },
    }),
    (c) => {
      const token = getCookie(c, SESSION_COOKIE);
      ws.tx(() => {
        if (token) endSession(ws, token);
        audit(ws, c.get('actor'), { action: 'session.end', object_type: 'user', object_id: c.get('user').user_id });
      });
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return ok(c, { signed_out: true });
    },
  );

  leadRoutes(app, deps);
  caseRoutes(app, deps);
  adminRoutes(app, deps);
  impactRoutes(app, deps);
  const map = mapRoutes(app, deps);
  deps.onClose?.push(map.close);

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Dragnet workspace API',
      version: '1.0.0',
      description: 'Leads, cases, police partners, users, the audit log and impact figures (outcomes, deterrence, the own-brand programme) of a Dragnet workspace. Sign in with POST /api/session (cookie) or send an API token as a Bearer header.',
    },
    security: [{ session: [] }, { token: [] }],
  });
  return app;
}
