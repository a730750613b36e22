#!/usr/bin/env node
/**
 * Bundles the CLI (src/cli/main.ts and everything it imports) into
 * dist/dragnet.mjs with esbuild, so that `npx dragnet` starts without
 * transpiling TypeScript on every run. npm runs it on `npm ci` (prepare).
 * bin/dragnet.js falls back to running the sources through tsx whenever the
 * bundle is missing or older than any source file, so an edit is never
 * hidden behind a stale bundle.
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile: join(root, 'dist/dragnet.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // npm packages stay where npm put them (DuckDB's native binding among them).
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
