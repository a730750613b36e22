// Whether a build is older than its sources: bin/dragnet.js asks it of the CLI bundle before running
// it, the benches of the same bundle, the browser tests of the console. Plain JS, so that the CLI's
// entry point can import it before anything is transpiled.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time of the files under a folder. */
function newestMtime(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return t;
}

/** Whether `built` is missing or older than any file under `sources`. */
export function isStale(built, sources) {
  return !existsSync(built) || statSync(built).mtimeMs < newestMtime(sources);
}
