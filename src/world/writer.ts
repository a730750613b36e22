/**
 * Streaming table writers: CSV (RFC 4180 quoting) or JSONL, buffered into
 * large chunks and honouring backpressure, so a hundred million rows go to
 * disk with flat memory.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

export type Cell = string | number | null | undefined;
export type Format = 'csv' | 'jsonl';

const FLUSH_CHARS = 1 << 20;
const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180: quote a field holding a comma, quote or line break; double the quotes. */
export function csvField(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (NEEDS_QUOTES.test(v)) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

export class TableWriter {
  private buffer = '';
  private rowCount = 0;
  private readonly stream: WriteStream;
  private readonly keys: string[];
  private failure: Error | null = null;

  constructor(
    readonly path: string,
    readonly columns: readonly string[],
    readonly format: Format,
  ) {
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.on('error', (err) => {
      this.failure = err;
    });
    this.keys = columns.map((c) => `${JSON.stringify(c)}:`);
    if (format === 'csv') this.buffer = `${columns.map(csvField).join(',')}\n`;
  }

  /** Rows written so far (header excluded). */
  get rows(): number {
    return this.rowCount;
  }

  /**
   * Appends a row (cells in column order). Returns a promise only when the
   * buffer went to disk and the stream asked to wait; callers await it then.
   */
  write(row: readonly Cell[]): Promise<void> | undefined {
    this.rowCount++;
    this.buffer += this.format === 'csv' ? this.csvLine(row) : this.jsonLine(row);
    if (this.buffer.length >= FLUSH_CHARS) return this.flush();
    return undefined;
  }

  private csvLine(row: readonly Cell[]): string {
    let line = '';
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      // Inline the common cases; only free text needs the quoting check.
      const text = v === null || v === undefined ? '' : typeof v === 'number' ? (Number.isFinite(v) ? `${v}` : '') : NEEDS_QUOTES.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
      line = i === 0 ? text : `${line},${text}`;
    }
    return `${line}\n`;
  }

  private jsonLine(row: readonly Cell[]): string {
    let line = '{';
    for (let i = 0; i < this.keys.length; i++) {
      const v = row[i];
      const text = v === null || v === undefined ? 'null' : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : JSON.stringify(v);
      line += i === 0 ? `${this.keys[i]}${text}` : `,${this.keys[i]}${text}`;
    }
    return `${line}}\n`;
  }

  private flush(): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    const chunk = this.buffer;
    this.buffer = '';
    if (this.stream.write(chunk)) return undefined;
    return new Promise((resolve) => this.stream.once('drain', resolve));
  }

  /** Flushes what is left and closes the file. */
  async close(): Promise<void> {
    if (this.buffer.length > 0) await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    if (this.failure) throw this.failure;
  }
}
