/**
 * Finds the files of each table in a dataset folder: `name.csv|jsonl|parquet`,
 * or a folder `name/` of such files read as their union. Every file found is
 * checked to open here, so that a dangling or looping symbolic link or a file
 * without read permission stops the run before any work, named, instead of
 * failing deep inside a reader.
 */
import { closeSync, existsSync, openSync, readdirSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { extname, join } from 'node:path';
import { TABLES, TABLE_NAMES, type TableName } from '../contract/dataset.ts';
import { UserError } from '../errors.ts';
import { fsProblem } from '../fs-errors.ts';

export type FileFormat = 'csv' | 'jsonl' | 'parquet';

export interface TableFile {
  readonly path: string;
  readonly format: FileFormat;
}

const FORMATS: Record<string, FileFormat> = { '.csv': 'csv', '.jsonl': 'jsonl', '.parquet': 'parquet' };

function formatOf(path: string): FileFormat | undefined {
  return FORMATS[extname(path).toLowerCase()];
}

/**
 * Files of every table present in `dir`; throws a UserError naming a missing required table
 * (unless `allOptional`: a day of new rows for `dragnet update` may bring any tables, or none).
 */
export function discoverTables(dir: string, options: { allOptional?: boolean } = {}): Map<TableName, TableFile[]> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`dataset folder not found: ${dir}`);
  }
  const found = new Map<TableName, TableFile[]>();
  const entries = list(dir, 'dataset folder');
  for (const table of TABLE_NAMES) {
    const files: TableFile[] = [];
    for (const entry of entries) {
      const full = join(dir, entry);
      if (entry === table && inspect(full, 'table folder').isDirectory()) {
        for (const inner of list(full, 'table folder').sort()) {
          const format = formatOf(inner);
          if (format) files.push(tableFile(join(full, inner), format));
        }
        if (files.length === 0) throw new UserError(`table folder ${full} holds no .csv, .jsonl or .parquet file`);
      } else if (entry.slice(0, entry.length - extname(entry).length) === table) {
        const format = formatOf(entry);
        if (format) files.push(tableFile(full, format));
      }
    }
    if (files.length > 0) found.set(table, files);
  }
  const missing = options.allOptional ? [] : TABLE_NAMES.filter((t) => TABLES[t].required && !found.has(t));
  if (missing.length > 0) {
    throw new UserError(
      `dataset ${dir} lacks required table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `(expected ${missing.map((t) => `${t}.csv|.jsonl|.parquet or ${t}/`).join('; ')})`,
    );
  }
  return found;
}

/** A table file that exists, is a file and opens for reading; otherwise a UserError saying why and what to do. */
function tableFile(path: string, format: FileFormat): TableFile {
  if (!inspect(path, 'table file').isFile()) throw new UserError(`table file ${path} is a folder, not a file: rename or remove it`);
  try {
    closeSync(openSync(path, 'r'));
  } catch (err) {
    throw fsError(err, 'table file', path);
  }
  return { path, format };
}

/** stat() of an entry listed in a folder: failing, it is a dangling or looping link, or out of reach. */
function inspect(path: string, what: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw fsError(err, what, path);
  }
}

function list(path: string, what: string): string[] {
  try {
    return readdirSync(path);
  } catch (err) {
    throw fsError(err, what, path);
  }
}

function fsError(err: unknown, what: string, path: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    let target = '';
    try {
      target = ` to ${readlinkSync(path)}`;
    } catch {
      // not a link after all: it vanished while we looked
    }
    return new UserError(`${what} ${path} is a symbolic link${target}, which does not exist: point the link at the data or remove it`);
  }
  if (code === 'ELOOP') {
    return new UserError(`${what} ${path} is a symbolic link that loops back on itself: point it at the data or remove it`);
  }
  if (code === 'EACCES' || code === 'EPERM') {
    const fix = what === 'table file' ? `chmod a+r ${path}` : `chmod a+rx ${path}`;
    return new UserError(`cannot read ${what} ${path}: permission denied; let the user running dragnet read it (e.g. ${fix})`);
  }
  const problem = fsProblem(err);
  return problem ? new UserError(`cannot read ${what} ${path}: ${problem}`) : (err as Error);
}
