/**
 * DuckDB running out of memory under its limit, or out of disk, is something
 * a user can fix (--memory-limit, free space, another --out): the CLI says so
 * instead of crashing with a stack trace.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Database, DEFAULT_MEMORY_LIMIT, KEPT_BLOCKS } from '../../src/engine/database.ts';
import { diskFull, outOfMemory, UserError } from '../../src/errors.ts';

describe('outOfMemory', () => {
  it("turns DuckDB's out-of-memory error into advice naming --memory-limit", async () => {
    const db = await Database.open(':memory:', { memoryLimit: '64MB', threads: 1 });
    let caught: unknown;
    try {
      // With no room to spill to, a table of 10M rows does not fit in 64MB.
      await db.run(`SET max_temp_directory_size = '0KB'`);
      await db.run(`CREATE TABLE t AS SELECT x, x::VARCHAR AS s FROM range(10000000) r(x)`);
    } catch (err) {
      caught = err;
    } finally {
      db.close();
    }
    expect(caught).toBeInstanceOf(Error);
    const message = outOfMemory(caught, DEFAULT_MEMORY_LIMIT);
    expect(message).toMatch(/^the database engine ran out of memory under its limit \(Out of Memory Error: /);
    expect(message).toContain(`--memory-limit (the default is ${DEFAULT_MEMORY_LIMIT}`);
    expect(message).not.toMatch(/\n/);
  });

  it('leaves every other error alone', () => {
    expect(outOfMemory(new Error('Binder Error: no such column'), '2GB')).toBeUndefined();
    expect(outOfMemory(new UserError('bad flag'), '2GB')).toBeUndefined();
    expect(outOfMemory('Out of Memory Error', '2GB')).toBeUndefined();
  });
});

describe('keepBlocks', () => {
  const setting = async (options: Parameters<typeof Database.open>[1]) => {
    const db = await Database.open(':memory:', options);
    try {
      return (await db.one<{ kept: string }>(`SELECT current_setting('block_allocator_memory')::VARCHAR AS kept`))!;
    } finally {
      db.close();
    }
  };

  it('keeps half the memory limit for reuse in a run, and nothing elsewhere', async () => {
    expect(KEPT_BLOCKS).toBe('50%');
    expect((await setting({ memoryLimit: '1GB', keepBlocks: true })).kept).toBe('476.8 MiB');
    expect((await setting({ memoryLimit: '4GB', keepBlocks: true })).kept).toBe('1.8 GiB');
    expect((await setting({ memoryLimit: '1GB' })).kept).toBe('0 bytes');
  });

  it('still holds a run under its memory limit', async () => {
    const db = await Database.open(':memory:', { memoryLimit: '64MB', threads: 1, keepBlocks: true });
    try {
      await db.run(`SET max_temp_directory_size = '0KB'`);
      await expect(db.run(`CREATE TABLE t AS SELECT x, x::VARCHAR AS s FROM range(10000000) r(x)`)).rejects.toThrow(/Out of Memory/);
    } finally {
      db.close();
    }
  });
});

describe('diskFull', () => {
  // /dev/full fails every write with ENOSPC, as a full disk does.
  it("turns DuckDB's and Node's no-space errors into advice", async () => {
    const db = await Database.open(':memory:');
    let fromDuckDB: unknown;
    try {
      await db.run(`COPY (SELECT range AS x FROM range(100000)) TO '/dev/full' (FORMAT csv)`);
    } catch (err) {
      fromDuckDB = err;
    } finally {
      db.close();
    }
    let fromNode: unknown;
    try {
      writeFileSync('/dev/full', 'x');
    } catch (err) {
      fromNode = err;
    }
    for (const err of [fromDuckDB, fromNode]) {
      const message = diskFull(err);
      expect(message).toMatch(/^the disk is full \(.*\)\. A run writes its database/);
      expect(message).toContain('the previous results in --out are unchanged');
      expect(message).not.toMatch(/\n/);
    }
    expect(diskFull(fromDuckDB)).toContain('No space left on device');
  });

  it('leaves every other error alone', () => {
    expect(diskFull(new Error('IO Error: Cannot open file "x": Permission denied'))).toBeUndefined();
    expect(diskFull(new UserError('bad flag'))).toBeUndefined();
  });
});
