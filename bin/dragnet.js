#!/usr/bin/env node
// `npx dragnet`: runs the bundle that `npm ci` built (dist/dragnet.mjs, see scripts/build.mjs) when it is
// newer than every source file, and otherwise the TypeScript sources through tsx, so that an edit is
// never hidden behind a stale bundle.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'dragnet.mjs');

/** Newest modification time of the files under a folder. */
function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

if (process.env.DRAGNET_FROM_SOURCE !== '1' && existsSync(bundle) && statSync(bundle).mtimeMs >= newest(join(root, 'src'))) {
  process.setSourceMapsEnabled?.(true);
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
