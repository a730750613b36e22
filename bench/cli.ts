/**
 * The CLI a bench runs: the bundle that `npm ci` builds (dist/dragnet.mjs),
 * which bin/dragnet.js runs for users. bin/dragnet.js runs the TypeScript
 * sources through tsx instead whenever a source file is newer than the
 * bundle, so an edit made while a bench runs would switch its later runs to
 * the slower path (a 100M bench once measured the CLI's start-up at 1.6 s
 * for that reason). A bench therefore builds the bundle when it is stale and
 * runs that file, whatever is edited meanwhile.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isStale } from '../bin/stale.js';

/** Path of a bundle of the CLI built from the sources as they are now. */
export function benchCli(root: string): string {
  const bundle = join(root, 'dist', 'dragnet.mjs');
  if (isStale(bundle, join(root, 'src'))) {
    process.stderr.write('bench: the CLI bundle is older than src/: building it (node scripts/build.mjs cli)\n');
    const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), 'cli'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`building the CLI bundle failed with status ${r.status}`);
  }
  return bundle;
}
