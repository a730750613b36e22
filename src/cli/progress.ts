/**
 * Progress on stderr for long steps. Silent when stderr is not a terminal or
 * when the command runs with --quiet, so logs and CI output stay clean.
 */
export interface Progress {
  /** Starts a named step; `total` enables a percentage. */
  step(label: string, total?: number): void;
  /** Reports how far the current step is. Cheap to call often: redraws at most every 200 ms. */
  tick(done: number): void;
  /** Ends the current step. */
  done(note?: string): void;
}

export function createProgress(options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const enabled = !options.quiet && stream.isTTY === true;
  let label = '';
  let total: number | undefined;
  let started = 0;
  let lastDraw = 0;
  const draw = (text: string) => {
    if (enabled) stream.write(`\r\x1b[2K${text}`);
  };
  return {
    step(l, t) {
      label = l;
      total = t;
      started = Date.now();
      lastDraw = 0;
      draw(`${label} ...`);
    },
    tick(done) {
      const now = Date.now();
      if (!enabled || now - lastDraw < 200) return;
      lastDraw = now;
      const pct = total ? ` ${Math.min(100, (100 * done) / total).toFixed(0)}%` : '';
      draw(`${label}${pct} (${done.toLocaleString('en-US')})`);
    },
    done(note) {
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (enabled) stream.write(`\r\x1b[2K${label}: done in ${secs}s${note ? ` - ${note}` : ''}\n`);
    },
  };
}

/** A Progress that prints nothing, for library use and tests. */
export const silentProgress: Progress = { step() {}, tick() {}, done() {} };
