/** Hermetic database helpers for tests: a fresh in-memory DuckDB per test. */
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { Database } from '../../src/engine/database.ts';

export async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await Database.open(':memory:');
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

const created: string[] = [];

/** Removes every folder `tempDir` made; test/setup.ts calls it after each test file (exit handlers do not run in Vitest's workers). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', removeTempDirs);

/** A fresh temporary folder, removed when the test file's tests end. */
export function tempDir(prefix = 'dragnet-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Writes files (relative path -> content) into a new temporary folder and returns it. */
export function writeDataset(files: Record<string, string | Buffer>): string {
  const dir = tempDir();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** The tables `beltPickups` (src/impact/programme.ts) reads, empty. */
export const BELT_INPUT_TABLES = `
  CREATE TABLE belts (belt_id VARCHAR, aoi_ids VARCHAR[], lat DOUBLE, lng DOUBLE);
  CREATE TABLE places (aoi_id VARCHAR, aoi_type VARCHAR, name VARCHAR, lat DOUBLE, lng DOUBLE);
  CREATE TABLE sellers (seller_id VARCHAR, return_address VARCHAR, return_lat DOUBLE, return_lng DOUBLE);
  CREATE TABLE pickup_points (waybill_id VARCHAR, seller_id VARCHAR, lat DOUBLE, lng DOUBLE, aoi_id VARCHAR, quality DOUBLE);`;
