/**
 * Starts the workspace server: the API under /api and the browser console
 * (built by Vite into dist/console at install time) at /, on Node's HTTP
 * server (@hono/node-server). Listens on loopback unless told otherwise.
 * Every response carries a Content-Security-Policy that allows no outside
 * host, but the operator's tile server when one is configured.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Workspace } from '../workspace/store.ts';
import { createApp } from './app.ts';
import { UserError } from '../errors.ts';

export interface Served {
  url: string;
  port: number;
  close: () => Promise<void>;
}

export interface ServeOptions {
  port: number;
  host: string;
  secureCookies?: boolean;
  /** A raster tile URL template (https://host/{z}/{x}/{y}.png) the console may use besides its offline base map. */
  tiles?: string;
  /** The console's built files; dist/console by default. */
  consoleDir?: string;
}

/** The package's folder: this file runs from src/server/ (tsx) or bundled into dist/dragnet.mjs, so it is found, not assumed. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const CONSOLE_DIR = join(packageRoot(), 'dist', 'console');

export function contentSecurityPolicy(tiles?: string): string {
  const tileOrigin = tiles ? new URL(tiles.replace(/[{}]/g, '')).origin : '';
  return [
    `default-src 'self'`,
    `script-src 'self'`,
    // MapLibre sets inline styles and runs its workers from blob: URLs.
    `style-src 'self' 'unsafe-inline'`,
    `worker-src 'self' blob:`,
    `child-src 'self' blob:`,
    `img-src 'self' data: blob:${tileOrigin ? ` ${tileOrigin}` : ''}`,
    `connect-src 'self'${tileOrigin ? ` ${tileOrigin}` : ''}`,
    `font-src 'self' data:`,
    `object-src 'none'`,
    `base-uri 'self'`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
  ].join('; ');
}

export function startServer(ws: Workspace, options: ServeOptions): Promise<Served> {
  const onClose: (() => void)[] = [];
  const app = createApp({ ws, secureCookies: options.secureCookies ?? false, onClose, csp: contentSecurityPolicy(options.tiles) });
  const consoleDir = options.consoleDir ?? CONSOLE_DIR;
  app.get('/config.json', (c) => c.json({ tiles: options.tiles ?? null }));
  if (existsSync(join(consoleDir, 'index.html'))) {
    const index = readFileSync(join(consoleDir, 'index.html'), 'utf8');
    app.use('/assets/*', serveStatic({ root: consoleDir }));
    app.use('/fonts/*', serveStatic({ root: consoleDir }));
    // The console routes in the browser: every other non-API path gets its page.
    app.get('*', (c) => (c.req.path.startsWith('/api/') ? c.notFound() : c.html(index)));
  } else {
    app.get('/', (c) =>
      c.text('Dragnet workspace. The console is not built (npm run build); the API is under /api, described at /api/openapi.json.\n'),
    );
  }
  return new Promise((resolvePromise, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolvePromise({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((res) => {
            for (const f of onClose) f();
            server.close(() => res());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new UserError(`${options.host}:${options.port} is in use (another server?); choose another with --port`)
          : err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES'
            ? new UserError(`cannot listen on ${options.host}:${options.port} (${err.code}); check --host and --port`)
            : err,
      ),
    );
  });
}
