/**
 * Finds the files of each table in a dataset folder: `name.csv|jsonl|parquet`,
 * or a folder `name/` of such files read as their union.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { TABLES, TABLE_NAMES, type TableName } from '../contract/dataset.ts';
import { UserError } from '../errors.ts';

export type FileFormat = 'csv' | 'jsonl' | 'parquet';

export interface TableFile {
  readonly path: string;
  readonly format: FileFormat;
}

const FORMATS: Record<string, FileFormat> = { '.csv': 'csv', '.jsonl': 'jsonl', '.parquet': 'parquet' };

function formatOf(path: string): FileFormat | undefined {
  return FORMATS[extname(path).toLowerCase()];
}

/** Files of every table present in `dir`; throws a UserError naming a missing required table. */
export function discoverTables(dir: string): Map<TableName, TableFile[]> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`dataset folder not found: ${dir}`);
  }
  const found = new Map<TableName, TableFile[]>();
  const entries = readdirSync(dir);
  for (const table of TABLE_NAMES) {
    const files: TableFile[] = [];
    for (const entry of entries) {
      const full = join(dir, entry);
      if (entry === table && statSync(full).isDirectory()) {
        for (const inner of readdirSync(full).sort()) {
          const format = formatOf(inner);
          if (format) files.push({ path: join(full, inner), format });
        }
        if (files.length === 0) throw new UserError(`table folder ${full} holds no .csv, .jsonl or .parquet file`);
      } else if (entry.slice(0, entry.length - extname(entry).length) === table) {
        const format = formatOf(entry);
        if (format) files.push({ path: full, format });
      }
    }
    if (files.length > 0) found.set(table, files);
  }
  const missing = TABLE_NAMES.filter((t) => TABLES[t].required && !found.has(t));
  if (missing.length > 0) {
    throw new UserError(
      `dataset ${dir} lacks required table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `(expected ${missing.map((t) => `${t}.csv|.jsonl|.parquet or ${t}/`).join('; ')})`,
    );
  }
  return found;
}
