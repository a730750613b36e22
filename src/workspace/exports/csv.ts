/**
 * The case's linked seller accounts as CSV (RFC 4180: comma-separated,
 * CRLF line ends, fields quoted when they hold a comma, quote or line break,
 * quotes doubled), one row per account with the identifier kinds it shares
 * with other accounts of the case.
 */
import type { CaseFile } from '../types.ts';

export const ACCOUNTS_CSV_HEADER = [
  'seller_id',
  'shop_name',
  'network_id',
  'score',
  'parcels',
  'shared_identifier_kinds',
  'shares_with',
] as const;

/** One field, quoted only when it must be. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Text a seller chose (a shop name) that a spreadsheet would run as a
 * formula gets a leading apostrophe (OWASP's advice against CSV injection):
 * counterfeiters name their own shops, and analysts open these in Excel.
 */
export function defuseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export interface CsvOptions {
  /** Start with a UTF-8 byte order mark, so that Excel reads the Chinese as UTF-8. */
  bom?: boolean;
}

export function accountsCsv(file: CaseFile, options: CsvOptions = {}): string {
  const rows: (string | number | null)[][] = [[...ACCOUNTS_CSV_HEADER]];
  for (const a of file.detail.accounts) {
    const shared = file.detail.identifiers.filter((i) => i.seller_ids.includes(a.seller_id));
    const kinds = [...new Set(shared.map((i) => i.kind))].sort();
    const others = [...new Set(shared.flatMap((i) => i.seller_ids))].filter((id) => id !== a.seller_id).sort();
    rows.push([
      a.seller_id,
      a.shop_name === null ? null : defuseFormula(a.shop_name),
      a.network_id,
      a.score,
      a.parcels,
      kinds.join(';'),
      others.join(';'),
    ]);
  }
  const body = rows.map((r) => r.map(csvField).join(',') + '\r\n').join('');
  return options.bom ? `\uFEFF${body}` : body;
}
