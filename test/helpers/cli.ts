/** Runs the real CLI in a child process, for tests of exit codes, messages and crashes. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

/** The contract's own example where shared/ lies beside the checkout; else the copy kept with the tests. */
const SHARED = join(ROOT, '../shared/contract/example');
export const EXAMPLE = existsSync(SHARED) ? SHARED : join(ROOT, 'test/fixtures/contract-example');

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `dragnet ARGS`, waited for (and killed if it hangs, so no child outlives the test). */
export function dragnet(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dragnet.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 90_000,
    killSignal: 'SIGKILL',
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` (relative path -> sha256 of its bytes), to compare folders byte for byte. */
export function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const full = join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else files[relative(dir, full)] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

const scratch: string[] = [];

/** A fresh temporary folder, deleted by `removeScratch` (call it in afterAll: exit handlers do not run in every Vitest worker). */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dragnet-cli-'));
  scratch.push(dir);
  return dir;
}

export function removeScratch(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}
