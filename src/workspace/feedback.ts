/**
 * What the workspace teaches the next analysis: closed cases become
 * `outcomes` (a confirmed raid raises the site and its accounts, a
 * `nothing_found` lowers the lead) and rights holders' notices and test buys
 * become `reports`, both in the dataset contract's form. `analyze
 * --workspace WS` reads them beside the dataset's own tables; `update
 * --workspace WS` reads those its database does not hold yet.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TableName } from '../contract/dataset.ts';
import { workspaceOutcomes } from './cases.ts';
import type { Workspace } from './store.ts';

const OUTCOME_COLUMNS = ['outcome_id', 'lat', 'lng', 'date', 'result', 'seized_value', 'arrests', 'note'] as const;
const REPORT_COLUMNS = ['report_id', 'target_type', 'target_id', 'source', 'verdict', 'created_at'] as const;

/** One CSV field, quoted when it must be (RFC 4180). */
function field(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csv(columns: readonly string[], rows: Record<string, unknown>[]): string {
  return [columns.join(','), ...rows.map((r) => columns.map((c) => field(r[c])).join(','))].join('\n') + '\n';
}

/** Ids a database already holds, whose rows are not written again. */
export interface KnownIds {
  outcomes?: ReadonlySet<string>;
  reports?: ReadonlySet<string>;
}

/** Writes the workspace's outcomes (less those `known`) as a dataset `outcomes` CSV; returns how many. */
export function writeOutcomesCsv(ws: Workspace, file: string, known?: ReadonlySet<string>): number {
  const rows = workspaceOutcomes(ws).filter((r) => !known?.has(r.outcome_id));
  writeFileSync(file, csv(OUTCOME_COLUMNS, rows));
  return rows.length;
}

export function workspaceReports(ws: Workspace): Record<string, unknown>[] {
  return ws.prepare(`SELECT ${REPORT_COLUMNS.join(', ')} FROM reports ORDER BY created_at, report_id`).all() as Record<string, unknown>[];
}

/**
 * Writes WS/feedback/{outcomes,reports}.csv and returns them as extra files
 * for ingest, only the tables that have rows; rows whose id is `known` (a
 * database that read them on an earlier day) are left out.
 */
export function feedbackFiles(ws: Workspace, known: KnownIds = {}): Partial<Record<TableName, string[]>> {
  const dir = join(ws.dir, 'feedback');
  mkdirSync(dir, { recursive: true });
  const files: Partial<Record<TableName, string[]>> = {};
  const outcomes = join(dir, 'outcomes.csv');
  if (writeOutcomesCsv(ws, outcomes, known.outcomes) > 0) files.outcomes = [outcomes];
  const reports = workspaceReports(ws).filter((r) => !known.reports?.has(String(r.report_id)));
  const reportsFile = join(dir, 'reports.csv');
  writeFileSync(reportsFile, csv(REPORT_COLUMNS, reports));
  if (reports.length > 0) files.reports = [reportsFile];
  return files;
}
