/**
 * Starts the workspace server: the API under /api on Node's HTTP server
 * (@hono/node-server). Listens on loopback unless told otherwise.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Workspace } from '../workspace/store.ts';
import { createApp } from './app.ts';

export interface Served {
  url: string;
  port: number;
  close: () => Promise<void>;
}

export function startServer(ws: Workspace, options: { port: number; host: string; secureCookies?: boolean }): Promise<Served> {
  const app = createApp({ ws, secureCookies: options.secureCookies ?? false });
  app.get('/', (c) =>
    c.text('Dragnet workspace. The API is under /api (its description: /api/openapi.json); sign in with POST /api/session.\n'),
  );
  return new Promise((resolvePromise, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolvePromise({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () => new Promise<void>((res) => server.close(() => res())),
      });
    });
    server.on('error', reject);
  });
}
