/**
 * What a user gets wrong (links, permissions, paths, flags) ends in a message
 * naming what, where and how to fix it, exit code 2, and never a stack trace.
 */
import { chmodSync, cpSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dragnet, EXAMPLE, removeScratch, scratchDir } from '../helpers/cli.ts';

/** chmod does not deny root: the permission cases only mean something for other users. */
const ROOT_USER = process.getuid?.() === 0;

afterAll(removeScratch);

/** A copy of the example dataset, changed by `edit`, and a fresh OUT beside it. */
function dataset(edit: (data: string) => void = () => {}): { data: string; out: string } {
  const root = scratchDir();
  const data = join(root, 'data');
  cpSync(EXAMPLE, data, { recursive: true });
  edit(data);
  return { data, out: join(root, 'out') };
}

function expectUserError(args: string[], message: RegExp): void {
  const r = dragnet(['analyze', ...args, '--quiet']);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^dragnet: /);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
}

describe('table files and folders', () => {
  it('a dangling symbolic link as a table file', () => {
    const { data, out } = dataset((d) => {
      rmSync(join(d, 'pickups.csv'));
      symlinkSync('elsewhere.csv', join(d, 'pickups.csv'));
    });
    expectUserError([data, '--out', out], /table file .*pickups\.csv is a symbolic link to elsewhere\.csv, which does not exist: point the link/);
  });

  it('a symbolic link loop as a table file', () => {
    const { data, out } = dataset((d) => {
      rmSync(join(d, 'pickups.csv'));
      symlinkSync('pickups.csv', join(d, 'pickups.csv'));
    });
    expectUserError([data, '--out', out], /table file .*pickups\.csv is a symbolic link that loops back on itself/);
  });

  it('a symbolic link loop as a table folder', () => {
    const { data, out } = dataset((d) => {
      rmSync(join(d, 'pickups.csv'));
      symlinkSync('pickups', join(d, 'pickups'));
    });
    expectUserError([data, '--out', out], /table folder .*pickups is a symbolic link that loops back on itself/);
  });

  it('a dangling symbolic link as a table folder', () => {
    const { data, out } = dataset((d) => {
      rmSync(join(d, 'pickups.csv'));
      symlinkSync('gone', join(d, 'pickups'));
    });
    expectUserError([data, '--out', out], /table folder .*pickups is a symbolic link to gone, which does not exist/);
  });

  it.skipIf(ROOT_USER)('an unreadable table file', () => {
    const { data, out } = dataset((d) => chmodSync(join(d, 'pickups.csv'), 0o000));
    expectUserError([data, '--out', out], /cannot read table file .*pickups\.csv: permission denied; .*chmod a\+r/);
  });

  it.skipIf(ROOT_USER)('an unreadable table folder', () => {
    let folder = '';
    const { data, out } = dataset((d) => {
      folder = join(d, 'pickups');
      mkdirSync(folder);
      renameSync(join(d, 'pickups.csv'), join(folder, 'part-1.csv'));
      chmodSync(folder, 0o000);
    });
    try {
      expectUserError([data, '--out', out], /cannot read table folder .*pickups: permission denied; .*chmod a\+rx/);
    } finally {
      chmodSync(folder, 0o755); // so the temporary folder can be removed
    }
  });
});

describe('--out and --db', () => {
  it('--out that is a file', () => {
    const { data, out } = dataset();
    writeFileSync(out, 'not a folder\n');
    expectUserError([data, '--out', out], /--out .*out is a file, not a folder: give a folder/);
  });

  it('--out inside a file', () => {
    const { data, out } = dataset();
    writeFileSync(out, 'not a folder\n');
    expectUserError([data, '--out', join(out, 'results')], /--out .*out\/results: a part of the path is a file, not a folder; choose another path/);
  });

  it.skipIf(ROOT_USER)('--out in a folder that is not writable', () => {
    const { data, out } = dataset();
    const locked = join(out, '..', 'locked');
    mkdirSync(locked, { mode: 0o555 });
    try {
      expectUserError([data, '--out', join(locked, 'out')], /cannot write beside --out .*: permission denied; choose a folder you can write to/);
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it.skipIf(ROOT_USER)('--out that is not writable', () => {
    const { data, out } = dataset();
    mkdirSync(out, { mode: 0o555 });
    try {
      expectUserError([data, '--out', out], /cannot use --out .*: permission denied; choose a folder you can write to/);
    } finally {
      chmodSync(out, 0o755);
    }
  });

  it('--db in a folder that does not exist', () => {
    const { data, out } = dataset();
    expectUserError([data, '--out', out, '--db', join(out, '..', 'no-such', 'run.duckdb')], /--db .*no-such\/run\.duckdb: the folder .*no-such does not exist; create it first/);
  });
});

describe('flags', () => {
  it('--memory-limit that is not a size', () => {
    expectUserError([EXAMPLE, '--out', join(scratchDir(), 'out'), '--memory-limit', 'lots'], /--memory-limit "lots": not a size; give a size such as 512MB, 4GB/);
  });

  it('--top that is not a number', () => {
    expectUserError([EXAMPLE, '--out', join(scratchDir(), 'out'), '--top', 'abc'], /--top takes the number of leads to print, e.g. --top 20, not "abc"/);
  });
});

describe('memoryLimit', () => {
  it('takes DuckDB sizes and shares of memory', async () => {
    const { memoryLimit } = await import('../../src/cli/analyze.ts');
    expect(memoryLimit('512MB')).toBe('512MB');
    expect(memoryLimit('4GB')).toBe('4GB');
    expect(memoryLimit(' 4 GiB ')).toBe('4 GiB');
    expect(memoryLimit('80%')).toMatch(/^\d+MiB$/);
    for (const bad of ['lots', '4', '4XB', '0%', '120%', '1KB', '-1GB']) expect(() => memoryLimit(bad), bad).toThrow(/--memory-limit/);
  });
});
