/**
 * `dragnet demo`: the main job end to end on the embedded default. Generates
 * a world, analyses it, scores the run against the world's truth beside the
 * naive night-hotspot baseline, prints the top leads and where everything is.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { generateWorld } from '../world/generate.ts';
import { SCENARIOS } from '../world/scenarios.ts';
import { analyze } from '../pipeline.ts';
import { evaluateRun, formatComparison } from '../evaluate/evaluate.ts';
import { createProgress } from './progress.ts';
import { formatSummary } from './analyze.ts';
import { writeMapSvg } from '../results/map-svg.ts';
import { UserError } from '../errors.ts';
import { rmSync } from 'node:fs';
import { Workspace } from '../workspace/store.ts';
import { buildDemoWorkspace } from '../workspace/demo.ts';
import { listPartners } from '../workspace/partners.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Generate a demo world, analyze it, evaluate it against its truth and print the top leads')
    .option('--out <dir>', 'where to put the world and the results', 'out/demo')
    .option('--seed <n>', 'world seed', '1')
    .option('--pickups <n>', 'pickups in the world', '300000')
    .option('--quiet', 'no progress on stderr')
    .option('--no-serve', 'build the workspace but do not serve it')
    .option('--port <n>', 'port to serve the workspace on', '8080')
    .action(async (opts: { out: string; seed: string; pickups: string; quiet?: boolean; serve: boolean; port: string }) => {
      const seed = Number(opts.seed);
      const pickups = Number(opts.pickups);
      if (!Number.isInteger(seed) || seed < 0) throw new UserError(`--seed must be a non-negative integer, not ${opts.seed}`);
      if (!Number.isInteger(pickups) || pickups < 1000) throw new UserError(`--pickups must be an integer >= 1000, not ${opts.pickups}`);
      const progress = createProgress({ quiet: opts.quiet });
      const root = resolve(opts.out);
      const world = join(root, 'world');
      const results = join(root, 'results');
      const baseline = join(root, 'baseline');

      const w = await generateWorld({ scenario: SCENARIOS.putian.scenario, seed, pickups, out: world, format: 'csv', crs: 'WGS84' }, progress);
      process.stdout.write(
        `Generated a world: ${w.sellers.toLocaleString('en-US')} sellers, ${w.rows.pickups.toLocaleString('en-US')} pickups, ` +
          `${w.sites} counterfeit sites run by ${w.operations} operations (${w.seconds.toFixed(1)}s)\n\n`,
      );
      const run = await analyze({ dataset: world, out: results, progress });
      process.stdout.write(formatSummary(run, results, 10));
      await analyze({ dataset: world, out: baseline, dbPath: ':memory:', method: 'hotspot', progress });
      const truth = join(world, 'truth');
      const ours = await evaluateRun(results, truth);
      const naive = await evaluateRun(baseline, truth);
      const mapPath = join(root, 'map.svg');
      await writeMapSvg(mapPath, { dbPath: join(results, 'dragnet.duckdb'), leads: run.leads, truthDir: truth });
      process.stdout.write(`\nAgainst the world's ground truth (${truth}):\n`);
      process.stdout.write(formatComparison([
        { name: 'dragnet', report: ours },
        { name: 'night hotspots', report: naive },
      ]));
      process.stdout.write(`\nMap of leads and true sites: ${mapPath}\nRun database: ${join(results, 'dragnet.duckdb')}\n`);

      // A fresh workspace each time: the demo's users get new one-time passwords.
      const wsDir = join(root, 'workspace');
      rmSync(wsDir, { recursive: true, force: true });
      const ws = Workspace.open(wsDir, { create: true });
      const { users } = await buildDemoWorkspace(ws, results);
      process.stdout.write(`\nWorkspace ${wsDir}: the demo run registered, police partners ${listPartners(ws).map((p) => p.partner_id).join(', ')}, and one user per role.\n`);
      process.stdout.write(`One-time passwords (shown once; only their hashes are kept):\n`);
      for (const u of users) {
        const scope = u.agency_id ? ` (agency ${u.agency_id})` : u.brands?.length ? ` (brands ${u.brands.join(', ')})` : '';
        process.stdout.write(`  ${u.name.padEnd(12)} ${u.role.padEnd(18)} ${u.password}${scope}\n`);
      }
      if (!opts.serve) {
        ws.close();
        process.stdout.write(`\nServe it with: npx dragnet serve --workspace ${wsDir}\n`);
        return;
      }
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be 0-65535, not ${opts.port}`);
      // The server (Hono, the PDF writer: a quarter of a second at start-up) is loaded only by the commands that serve.
      const { startServer } = await import('../server/serve.ts');
      const served = await startServer(ws, { port, host: '127.0.0.1' });
      process.stdout.write(`\nServing the workspace at ${served.url}/ (API ${served.url}/api). Sign in, e.g.:\n`);
      process.stdout.write(`  curl -c jar -H 'content-type: application/json' -d '{"name":"analyst","password":"${users[0].password}"}' ${served.url}/api/session\n`);
      process.stdout.write(`  curl -b jar '${served.url}/api/leads?limit=5'\nStop with Ctrl-C.\n`);
      const stop = () => void served.close().then(() => (ws.close(), process.exit(0)));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
