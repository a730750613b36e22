#!/usr/bin/env node
/**
 * Builds what `npm ci` leaves ready to run (npm runs this as `prepare`):
 *  - the CLI (src/cli/main.ts and everything it imports) bundled into
 *    dist/dragnet.mjs with esbuild, so that `npx dragnet` starts without
 *    transpiling TypeScript on every run (what only the commands that serve a
 *    workspace load is in dist/chunks). bin/dragnet.js falls back to
 *    running the sources through tsx whenever the bundle is missing or older
 *    than any source file, so an edit is never hidden behind a stale bundle;
 *  - the browser console (console/, Vite with Preact) into dist/console,
 *    which `dragnet serve` serves at /. Everything it loads at run time is in
 *    that folder, fonts and MapLibre's worker included.
 * `node scripts/build.mjs cli` or `... console` builds one of the two.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2];

if (!only || only === 'cli') {
  // Chunk names carry a hash of their content: the last build's would stay beside the new ones.
  rmSync(join(root, 'dist/chunks'), { recursive: true, force: true });
  await build({
    entryPoints: { dragnet: join(root, 'src/cli/main.ts') },
    outdir: join(root, 'dist'),
    outExtension: { '.js': '.mjs' },
    // What only some commands need (the server, with Hono and the PDF writer) is a chunk of its own
    // under dist/chunks, loaded when a command asks for it: the CLI starts without it.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // npm packages stay where npm put them (DuckDB's native binding among them).
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (!only || only === 'console') {
  const started = Date.now();
  const vite = await import('vite');
  await vite.build({ configFile: join(root, 'console/vite.config.ts'), logLevel: 'warn' });
  process.stderr.write(`dragnet: console built into dist/console in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
}
