/** Entry point of `npx dragnet`: one file per command under src/cli/, each exporting `register`. */
import { Command } from 'commander';
import { registerGenerate } from './generate.ts';
import { registerAnalyze } from './analyze.ts';
import { registerUpdate } from './update.ts';
import { registerEvaluate } from './evaluate.ts';
import { registerDemo } from './demo.ts';
import { registerImport } from './import.ts';
import { registerWorkspace } from './workspace.ts';
import { registerImpact } from './impact.ts';
import { diskFull, outOfMemory, UserError } from '../errors.ts';
import { DEFAULT_MEMORY_LIMIT } from '../engine/database.ts';

const program = new Command();
program
  .name('dragnet')
  .description('Counterfeit-network intelligence: marketplace + logistics data in, ranked and located leads out.')
  .showHelpAfterError();

// Output piped into `head` and cut short is not an error: stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

registerGenerate(program);
registerAnalyze(program);
registerUpdate(program);
registerEvaluate(program);
registerDemo(program);
registerImport(program);
registerWorkspace(program);
registerImpact(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof UserError) {
    process.stderr.write(`dragnet: ${err.message}\n`);
    process.exit(2);
  }
  // The machine's limits, which a user can move: one line and exit code 3.
  const limit = outOfMemory(err, DEFAULT_MEMORY_LIMIT) ?? diskFull(err);
  if (limit) {
    process.stderr.write(`dragnet: ${limit}\n`);
    process.exit(3);
  }
  throw err;
}
