#!/usr/bin/env node
// `npx dragnet`: runs the bundle that `npm ci` built (dist/dragnet.mjs, see scripts/build.mjs) when it is
// newer than every source file, and otherwise the TypeScript sources through tsx, so that an edit is
// never hidden behind a stale bundle.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale } from './stale.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'dragnet.mjs');

if (process.env.DRAGNET_FROM_SOURCE !== '1' && !isStale(bundle, join(root, 'src'))) {
  process.setSourceMapsEnabled?.(true);
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
