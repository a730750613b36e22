/**
 * A real two-shard ClickHouse cluster on loopback for the tests: two
 * `clickhouse-server` processes (Debian's package), each with its own temp
 * folder, config and free ports, both knowing the cluster `dragnet` (one shard
 * each, reached over the native protocol), waited for on /ping and killed when
 * the tests end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { tempDir } from './db.ts';

export const CLUSTER = 'dragnet';

/** Where clickhouse-server is, or undefined when it is not installed (it lives in /usr/sbin, often not on PATH). */
export function clickhouseBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    const path = join(dir, 'clickhouse-server');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Cluster {
  /** `clickhouse://127.0.0.1:HTTP1,127.0.0.1:HTTP2/DB?cluster=dragnet` for a database of the caller's choosing. */
  engineUrl(database: string): string;
  /** HTTP endpoints of the shards, first the coordinator. */
  http: string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const xml = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

function config(dir: string, http: number, tcp: number, shardTcp: readonly number[]): string {
  const shards = shardTcp.map((p) => `<shard><replica><host>127.0.0.1</host><port>${p}</port></replica></shard>`).join('');
  return `<yandex>
  <logger><level>warning</level><log>${xml(join(dir, 'server.log'))}</log><errorlog>${xml(join(dir, 'error.log'))}</errorlog><console>0</console></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${xml(join(dir, 'data'))}/</path>
  <tmp_path>${xml(join(dir, 'tmp'))}/</tmp_path>
  <user_files_path>${xml(join(dir, 'user_files'))}/</user_files_path>
  <format_schema_path>${xml(join(dir, 'format_schemas'))}/</format_schema_path>
  <users_config>${xml(join(dir, 'users.xml'))}</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <remote_servers><${CLUSTER}>${shards}</${CLUSTER}></remote_servers>
</yandex>
`;
}

const USERS = `<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`;

async function waitForPing(url: string, child: ChildProcess, dir: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`clickhouse-server exited with ${child.exitCode} before answering; see ${dir}/error.log`);
    try {
      const res = await fetch(`${url}/ping`);
      if (res.ok && (await res.text()).startsWith('Ok')) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`clickhouse-server at ${url} did not answer /ping within ${timeoutMs / 1000} s; see ${dir}/error.log`);
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Starts `shards` servers forming one cluster; the caller stops it (afterAll). */
export async function startCluster(binary: string, shards = 2): Promise<Cluster> {
  const root = tempDir('dragnet-clickhouse-');
  const ports = await Promise.all(Array.from({ length: shards * 2 }, freePort));
  const http = ports.slice(0, shards);
  const tcp = ports.slice(shards);
  const children: ChildProcess[] = [];
  // Should the test process die before afterAll, the servers die with it.
  const orphans = () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  process.once('exit', orphans);
  const stop = () =>
    Promise.all(children.map(kill)).then(() => {
      process.off('exit', orphans);
    });
  try {
    for (let i = 0; i < shards; i++) {
      const dir = join(root, `shard${i + 1}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'users.xml'), USERS);
      writeFileSync(join(dir, 'config.xml'), config(dir, http[i], tcp[i], tcp));
      children.push(spawn(binary, [`--config-file=${join(dir, 'config.xml')}`], { cwd: dir, stdio: 'ignore' }));
    }
    await Promise.all(children.map((c, i) => waitForPing(`http://127.0.0.1:${http[i]}`, c, join(root, `shard${i + 1}`))));
  } catch (err) {
    await stop();
    throw err;
  }
  const endpoints = http.map((p) => `127.0.0.1:${p}`);
  return {
    http: endpoints.map((e) => `http://${e}`),
    engineUrl: (database) => `clickhouse://${endpoints.join(',')}/${database}?cluster=${CLUSTER}`,
    stop,
  };
}
