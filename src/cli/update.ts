/** `dragnet update DAY --db FILE --out DIR`: one day of new rows applied to a kept database, results contract out. */
import type { Command } from 'commander';
import { update, type UpdateSummary } from '../update.ts';
import { createProgress } from './progress.ts';
import { UserError } from '../errors.ts';
import { DEFAULT_MEMORY_LIMIT } from '../engine/database.ts';
import { formatSummary, memoryLimit } from './analyze.ts';
import { Workspace } from '../workspace/store.ts';
import { registerRun } from '../workspace/runs.ts';
import { SYSTEM } from '../workspace/audit.ts';
import { formatRegistered } from './workspace.ts';
import { feedbackFiles } from '../workspace/feedback.ts';

export function registerUpdate(program: Command): void {
  program
    .command('update')
    .description("Apply a day of new rows to the database an earlier `analyze --db` kept, and rerun the analysis (see README, Daily updates)")
    .argument('<day>', "folder holding the day's new rows in the dataset contract (every table optional)")
    .requiredOption('--db <file>', 'the DuckDB database an earlier `analyze --db FILE` (or update) kept; changed in one transaction, or not at all')
    .requiredOption('--out <dir>', 'folder for the results of the whole history (as analyze writes them; quarantine/ holds the day\'s rejected rows), replaced whole once the update succeeds')
    .option('--memory-limit <size>', `DuckDB memory ceiling before it spills to disk, e.g. 8GB or 50% (default ${DEFAULT_MEMORY_LIMIT})`)
    .option('--top <n>', 'leads to print in the summary', '10')
    .option('--workspace <dir>', "register the updated run in this workspace (created if needed), so the console shows the day's leads, and read the closed cases and reports the database does not hold yet")
    .option('--quiet', 'no progress on stderr')
    .action(async (day: string, opts: { db: string; out: string; memoryLimit?: string; top: string; workspace?: string; quiet?: boolean }) => {
      if (!/^\d+$/.test(opts.top.trim())) {
        throw new UserError(`--top takes the number of leads to print, e.g. --top 20, not ${JSON.stringify(opts.top)}`);
      }
      // Opened first, so a workspace that cannot be opened stops the update before the database is touched.
      const ws = opts.workspace ? Workspace.open(opts.workspace, { create: true }) : undefined;
      try {
        const summary = await update({
          day,
          dbPath: opts.db,
          out: opts.out,
          memoryLimit: opts.memoryLimit === undefined ? undefined : memoryLimit(opts.memoryLimit),
          progress: createProgress({ quiet: opts.quiet }),
          feedback: ws ? (known) => feedbackFiles(ws, known) : undefined,
        });
        process.stdout.write(formatUpdate(summary, opts.db) + formatSummary(summary, opts.out, Number(opts.top)));
        if (ws) process.stdout.write(formatRegistered(await registerRun(ws, SYSTEM, opts.out, `update ${summary.day}`)));
      } finally {
        ws?.close();
      }
    });
}

/** The lines that say what the update added, before analyze's own summary. */
function formatUpdate(s: UpdateSummary, db: string): string {
  const accepted = Object.values(s.tables).reduce((n, c) => n + c.accepted, 0);
  const pickups = (s.history.pickups ?? 0).toLocaleString('en-US');
  const points = s.pickupPoints === 'appended' ? "the day's pickups placed alone" : 'pickup points rebuilt: the day moved the local frame';
  return `Applied day ${s.day} to ${db}: ${accepted.toLocaleString('en-US')} rows appended, ${pickups} pickups in the database now (${points}).\n`;
}
