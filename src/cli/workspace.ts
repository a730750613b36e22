/**
 * The workspace from the command line: `serve`, `user add|token|list`,
 * `partner add|list`, `workspace import|backup|outcomes`, `audit verify`.
 * Every change made here is on the audit log, done by `dragnet` (the
 * command line) rather than a signed-in user.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { SYSTEM, verifyAudit } from '../workspace/audit.ts';
import { addPartner, listPartners, parseJurisdiction } from '../workspace/partners.ts';
import { registerRun } from '../workspace/runs.ts';
import { checkStoreFile, Workspace } from '../workspace/store.ts';
import { ROLES, type Role } from '../workspace/types.ts';
import { addUser, createToken, listUsers, userByName } from '../workspace/users.ts';
import { writeOutcomesCsv } from '../workspace/feedback.ts';

export const DEFAULT_WORKSPACE = './workspace';
const wsOption = ['--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE] as const;

function withWorkspace<T>(dir: string, create: boolean, fn: (ws: Workspace) => T): T {
  const ws = Workspace.open(dir, { create });
  try {
    return fn(ws);
  } finally {
    ws.close();
  }
}

export function registerWorkspace(program: Command): void {
  program
    .command('serve')
    .description('Serve a workspace: the API under /api (and the console at / once built)')
    .option(...wsOption)
    .option('--port <n>', 'port to listen on (0: any free port)', '8080')
    .option('--host <addr>', 'address to listen on; loopback by default', '127.0.0.1')
    .option('--secure-cookies', 'mark the session cookie Secure (when served behind TLS)')
    .option('--tiles <url>', 'a raster tile server the console may draw under the leads (https://host/{z}/{x}/{y}.png); none by default, the base map is drawn offline')
    .action(async (opts: { workspace: string; port: string; host: string; secureCookies?: boolean; tiles?: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be 0-65535, not ${opts.port}`);
      const ws = Workspace.open(opts.workspace);
      if (opts.tiles && !/^https?:\/\/[^/]+\/.*\{z\}.*\{x\}.*\{y\}/.test(opts.tiles)) {
        throw new UserError(`--tiles must be a URL template with {z}, {x} and {y}, e.g. https://tiles.example.org/{z}/{x}/{y}.png, not ${opts.tiles}`);
      }
      // The server (Hono, the PDF writer: a quarter of a second at start-up) is loaded only by the commands that serve.
      const { startServer } = await import('../server/serve.ts');
      const served = await startServer(ws, { port, host: opts.host, secureCookies: opts.secureCookies, tiles: opts.tiles });
      process.stdout.write(`Serving workspace ${ws.dir} at ${served.url}/ (API: ${served.url}/api, description: ${served.url}/api/openapi.json)\n`);
      const stop = () => {
        void served.close().then(() => {
          ws.close();
          process.exit(0);
        });
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });

  const user = program.command('user').description('Users of a workspace');
  user
    .command('add')
    .description('Add a user; the password is read from standard input (or asked for on a terminal)')
    .argument('<name>', 'user name')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--agency <id>', 'the partner agency of a police_liaison')
    .option('--brand <brand>', 'a brand of a rights_holder (repeat for more)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option(...wsOption)
    .action(async (name: string, opts: { role: string; agency?: string; brand: string[]; workspace: string }) => {
      if (!(ROLES as readonly string[]).includes(opts.role)) throw new UserError(`--role must be one of ${ROLES.join(', ')}, not ${opts.role}`);
      const password = await readPassword(`Password for ${name}: `);
      const ws = Workspace.open(opts.workspace, { create: true });
      try {
        const u = await addUser(ws, SYSTEM, { name, role: opts.role as Role, agency_id: opts.agency ?? null, brands: opts.brand, password });
        process.stdout.write(`Added ${u.role} ${u.name}${u.agency_id ? ` of ${u.agency_id}` : ''}${u.brands.length ? ` for ${u.brands.join(', ')}` : ''} to ${ws.dir}\n`);
      } finally {
        ws.close();
      }
    });
  user
    .command('token')
    .description('Print a new API token for a user, once (only its hash is kept)')
    .argument('<name>', 'user name')
    .option('--label <text>', 'what the token is for')
    .option(...wsOption)
    .action((name: string, opts: { label?: string; workspace: string }) =>
      withWorkspace(opts.workspace, false, (ws) => {
        const u = userByName(ws, name);
        if (!u) throw new UserError(`no user ${name} in ${ws.dir}`);
        const { token } = createToken(ws, SYSTEM, u, opts.label ?? null);
        process.stdout.write(`${token}\n`);
      }),
    );
  user
    .command('list')
    .description('List the users of a workspace')
    .option(...wsOption)
    .action((opts: { workspace: string }) =>
      withWorkspace(opts.workspace, false, (ws) => {
        for (const u of listUsers(ws)) {
          process.stdout.write(`${u.name.padEnd(24)} ${u.role.padEnd(18)} ${u.agency_id ?? ''}${u.brands.join(', ')}\n`);
        }
      }),
    );

  const partner = program.command('partner').description('Police partners of a workspace');
  partner
    .command('add')
    .description('Add a police partner: its jurisdiction, the categories its agreement covers and its dates')
    .argument('<id>', 'partner id, e.g. putian-psb')
    .requiredOption('--name <name>', 'the agency\'s name')
    .requiredOption('--jurisdiction <file>', 'GeoJSON file with the area (Polygon, MultiPolygon, or a Feature/FeatureCollection of them)')
    .requiredOption('--categories <list>', 'categories the agreement covers, comma-separated (e.g. shoes,clothing)')
    .option('--from <date>', 'agreement in force from (YYYY-MM-DD)')
    .option('--to <date>', 'agreement in force until (YYYY-MM-DD)')
    .option(...wsOption)
    .action((id: string, opts: { name: string; jurisdiction: string; categories: string; from?: string; to?: string; workspace: string }) => {
      if (!existsSync(opts.jurisdiction)) throw new UserError(`--jurisdiction ${opts.jurisdiction}: no such file`);
      let geo: unknown;
      try {
        geo = JSON.parse(readFileSync(opts.jurisdiction, 'utf8'));
      } catch (e) {
        throw new UserError(`--jurisdiction ${opts.jurisdiction} is not JSON: ${(e as Error).message}`);
      }
      const area = parseJurisdiction(geo, opts.jurisdiction);
      const categories = opts.categories.split(',').map((s) => s.trim()).filter(Boolean);
      withWorkspace(opts.workspace, true, (ws) => {
        const p = addPartner(ws, SYSTEM, { partner_id: id, name: opts.name, jurisdiction: area, categories, valid_from: opts.from ?? null, valid_to: opts.to ?? null });
        process.stdout.write(`Added partner ${p.partner_id} (${p.name}): ${p.categories.join(', ')}\n`);
      });
    });
  partner
    .command('list')
    .description('List the police partners of a workspace')
    .option(...wsOption)
    .action((opts: { workspace: string }) =>
      withWorkspace(opts.workspace, false, (ws) => {
        for (const p of listPartners(ws)) {
          process.stdout.write(`${p.partner_id.padEnd(20)} ${p.name.padEnd(30)} ${p.categories.join(',').padEnd(30)} ${p.valid_from ?? '…'} to ${p.valid_to ?? '…'}\n`);
        }
      }),
    );

  const workspace = program.command('workspace').description('Runs, backups and outcomes of a workspace');
  workspace
    .command('import')
    .description("Register an earlier run's output folder in the workspace")
    .argument('<out>', 'output folder of `dragnet analyze`')
    .option('--label <text>', 'a name for the run')
    .option(...wsOption)
    .action(async (out: string, opts: { label?: string; workspace: string }) => {
      const ws = Workspace.open(opts.workspace, { create: true });
      try {
        const r = await registerRun(ws, SYSTEM, out, opts.label);
        process.stdout.write(formatRegistered(r));
      } finally {
        ws.close();
      }
    });
  workspace
    .command('backup')
    .description('A consistent copy of the workspace store, safe while the server runs')
    .argument('<dir>', 'workspace folder')
    .argument('<file>', 'where to write the copy (must not exist)')
    .action(async (dir: string, file: string) => {
      if (existsSync(file)) throw new UserError(`${file} exists already; give a new file name`);
      const ws = Workspace.open(dir);
      try {
        await ws.backup(file);
      } finally {
        ws.close();
      }
      const check = checkStoreFile(file);
      if (check !== 'ok') throw new UserError(`the copy at ${file} failed SQLite's integrity check: ${check}`);
      process.stdout.write(`Backed up ${dir} to ${file} (integrity check: ok)\n`);
    });
  workspace
    .command('outcomes')
    .description("Write the closed cases' results as a dataset `outcomes` CSV (what `analyze --workspace` merges)")
    .option('--out <file>', 'CSV file to write', 'outcomes.csv')
    .option(...wsOption)
    .action((opts: { out: string; workspace: string }) =>
      withWorkspace(opts.workspace, false, (ws) => {
        const n = writeOutcomesCsv(ws, opts.out);
        process.stdout.write(`Wrote ${n} outcome${n === 1 ? '' : 's'} to ${opts.out}\n`);
      }),
    );

  program
    .command('audit')
    .description('The audit log of a workspace')
    .command('verify')
    .description('Recompute the hash chain and name the first entry edited, removed or reordered')
    .option(...wsOption)
    .action((opts: { workspace: string }) =>
      withWorkspace(opts.workspace, false, (ws) => {
        const r = verifyAudit(ws);
        if (r.ok) {
          process.stdout.write(`Audit log intact: ${r.entries} entries, chain verified.\n`);
          return;
        }
        process.stdout.write(`Audit log BROKEN at entry ${r.problem!.seq}: ${r.problem!.message}\n`);
        process.exitCode = 1;
      }),
    );
}

export function formatRegistered(r: Awaited<ReturnType<typeof registerRun>>): string {
  const lines = [`Registered ${r.run.label} (${r.run.leads} leads${r.detailed ? '' : ', no database: lead files without parcels'}) in the workspace.`];
  if (r.follow.followed.length > 0) {
    lines.push(`Cases following their sites: ${r.follow.followed.map((f) => `case ${f.case_id} -> ${f.lead_id} (${f.relation.replace('_', ' ')})`).join('; ')}`);
  }
  if (r.follow.unmatched.length > 0) lines.push(`Open cases whose site this run does not show: ${r.follow.unmatched.join(', ')}`);
  // The run's impact/ files (the dataset tables read beside them are not news).
  const impact = Object.entries(r.impact).filter(([t, n]) => n > 0 && !['belts', 'factories', 'outcomes'].includes(t));
  if (impact.length > 0) lines.push(`Impact imported: ${impact.map(([t, n]) => `${n} ${t}`).join(', ')}`);
  for (const f of r.resurfaced) {
    lines.push(`Case ${f.case_id} flagged: its operation resurfaced (${f.from_lead_id} -> ${f.to_lead_id})${f.notified ? `; ${f.notified} notified` : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** A password from standard input when it is piped, else asked for on the terminal without echo. */
export async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
    if (!text) throw new UserError('no password on standard input (pipe it in, e.g. `printf %s "$PW" | dragnet user add ...`)');
    return text;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
  let asked = false;
  out._writeToOutput = (s: string) => {
    if (!asked) {
      asked = true;
      process.stderr.write(s);
    }
  };
  const answer = await new Promise<string>((res) => rl.question(prompt, res));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

