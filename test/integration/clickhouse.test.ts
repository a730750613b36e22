/**
 * `analyze --engine clickhouse://` against a real two-shard cluster on
 * loopback (test/helpers/clickhouse.ts): the same world gives the same leads,
 * scores, statuses and quarantine on both engines, the parcels really spread
 * over both shards, and the run leaves no table behind on the cluster.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../src/world/generate.ts';
import { SCENARIOS } from '../../src/world/scenarios.ts';
import { analyze, type RunSummary } from '../../src/pipeline.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { UserError } from '../../src/errors.ts';
import { tempDir } from '../helpers/db.ts';
import { clickhouseBinary, startCluster, type Cluster } from '../helpers/clickhouse.ts';

const binary = clickhouseBinary();
if (!binary) {
  console.warn('clickhouse-server is not installed (Debian: apt-get install clickhouse-server; .ci/run installs it): the ClickHouse engine tests are skipped');
}

/** Every file of a results folder that both engines must write alike (run.json records timings and the engine). */
function results(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(d, entry.name), name);
      else if (entry.name !== 'run.json' && !entry.name.endsWith('.duckdb')) files[name] = readFileSync(join(d, entry.name), 'utf8');
    }
  };
  walk(dir, '');
  return files;
}

async function sql(url: string, query: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', body: query });
  const text = await res.text();
  if (!res.ok) throw new Error(text);
  return text.trim();
}

describe.skipIf(!binary)('ClickHouse engine on a two-shard cluster', () => {
  let cluster: Cluster;
  let world: string;
  let root: string;
  const runs: Record<'duckdb' | 'clickhouse', { out: string; summary: RunSummary }> = {} as never;

  beforeAll(async () => {
    cluster = await startCluster(binary!);
    root = tempDir('dragnet-ch-');
    world = join(root, 'world');
    // GCJ-02 and JSON Lines: conversion and the line-by-line reader both run before the rows leave.
    await generateWorld({ scenario: SCENARIOS.putian.scenario, seed: 21, pickups: 20_000, out: world, format: 'jsonl', crs: 'GCJ-02' }, silentProgress);
    for (const engine of ['duckdb', 'clickhouse'] as const) {
      const out = join(root, engine);
      const summary = await analyze({
        dataset: world,
        out,
        dbPath: join(root, `${engine}.duckdb`),
        engine: engine === 'clickhouse' ? cluster.engineUrl('dragnet_test') : undefined,
        progress: silentProgress,
      });
      runs[engine] = { out, summary };
    }
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('finds leads at all (a comparison of two empty results would prove nothing)', () => {
    expect(runs.duckdb.summary.leads.length).toBeGreaterThan(5);
  });

  it('gives the same leads, scores, statuses and quarantine on both engines', () => {
    const duck = results(runs.duckdb.out);
    const ch = results(runs.clickhouse.out);
    expect(Object.keys(ch).sort()).toEqual(Object.keys(duck).sort());
    expect(Object.keys(duck)).toEqual(expect.arrayContaining(['leads.geojson', 'seller_scores.csv', 'listing_scores.csv']));
    for (const name of Object.keys(duck)) expect(ch[name], name).toBe(duck[name]);
    const strip = (l: RunSummary['leads'][number]) => ({ ...l });
    expect(runs.clickhouse.summary.leads.map(strip)).toEqual(runs.duckdb.summary.leads.map(strip));
    expect(runs.clickhouse.summary.tables).toEqual(runs.duckdb.summary.tables);
  });

  it('sends every accepted pickup and shipment, spread over both shards', () => {
    const run = JSON.parse(readFileSync(join(runs.clickhouse.out, 'run.json'), 'utf8')) as {
      engine: string;
      stages: Record<string, number>;
      cluster: { partition: string; shards: { pickups: number; shipments: number }[] };
    };
    expect(run.engine).toBe('clickhouse');
    // 20,000 pickups over months: far below a million a day.
    expect(run.cluster.partition).toBe('month');
    expect(run.stages).toHaveProperty('offload');
    const { shards } = run.cluster;
    expect(shards).toHaveLength(2);
    for (const s of shards) {
      expect(s.pickups).toBeGreaterThan(0);
      expect(s.shipments).toBeGreaterThan(0);
    }
    const tables = runs.clickhouse.summary.tables;
    expect(shards[0].pickups + shards[1].pickups).toBe(tables.pickups!.accepted);
    expect(shards[0].shipments + shards[1].shipments).toBe(tables.shipments!.accepted);
  });

  it('leaves no table of the run on any shard', async () => {
    for (const url of cluster.http) {
      expect(await sql(url, `SELECT count() FROM system.tables WHERE database = 'dragnet_test'`)).toBe('0');
    }
  });

  it('refuses a cluster whose shards the address does not all name', async () => {
    const one = cluster.engineUrl('dragnet_test').replace(/,[^/]+/, '');
    await expect(analyze({ dataset: world, out: join(root, 'one'), dbPath: ':memory:', engine: one, progress: silentProgress })).rejects.toThrow(
      /cluster dragnet has 2 shards but --engine names 1 host/,
    );
  });

  it('says which server it cannot reach', async () => {
    const port = Number(new URL(cluster.http[0]).port);
    const dead = `clickhouse://127.0.0.1:${port === 1 ? 2 : 1}/dragnet_test`;
    const err = await analyze({ dataset: world, out: join(root, 'dead'), dbPath: ':memory:', engine: dead, progress: silentProgress }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/cannot reach ClickHouse at http:\/\/127\.0\.0\.1:/);
  });
});
