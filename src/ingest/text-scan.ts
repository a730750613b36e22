/**
 * The byte-level side of reading text tables (CSV and JSON Lines), so that
 * every record of a file is accounted for before DuckDB parses it.
 *
 * Two passes, the second only when needed:
 *
 * - `quickScan` looks at a file with native searches (line ends, NUL bytes,
 *   UTF-8 validity) and says whether it is *regular*: one line ending
 *   throughout, no blank lines, no NUL, valid UTF-8, so that record i is
 *   physical line i (+1 for a header). DuckDB then reads the file itself, and
 *   the reader (load.ts) checks that it returned exactly that many records.
 * - `sanitize` parses an irregular file record by record (RFC 4180 for CSV,
 *   one object a line for JSONL) and writes the well-formed records to a
 *   normalised copy, each with its row and physical line number appended, and
 *   returns every malformed record with its row, line, column, reason and
 *   full text. An unclosed quote ends its record at the line where it opened:
 *   the lines it would otherwise swallow are read as records of their own.
 *
 * Row numbers count records (1 = first record after the header); blank lines
 * are not records. Line numbers are physical: LF, CRLF and a lone CR each end
 * a line.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;
/** Separates the appended row and line numbers from a JSONL line in the normalised copy; a raw 0x01 is not JSON. */
export const JSONL_SEPARATOR = '\x01';

const CHUNK = 8 * 1024 * 1024;
/** A record longer than this is malformed (a quote that never closes), so memory stays bounded. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export interface QuickScan {
  /** True when DuckDB may read the file as it is and record i is line i (+1 with a header). */
  regular: boolean;
  /** Why not, for the trace. */
  irregularity?: string;
  /** Non-blank lines, header included. */
  lines: number;
  /** Longest line in bytes (DuckDB's max_line_size must exceed it). */
  maxLineBytes: number;
  /** Whether lines end in CRLF (all of them, when regular). */
  crlf: boolean;
  /** Whether the byte 0x01 occurs (JSONL is read with it as the column separator). */
  hasSeparatorByte: boolean;
}

/** Native-speed look at a file: line ends, blank lines, NUL bytes, UTF-8. Reads it once, in chunks. */
export function quickScan(path: string): QuickScan {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let carry = 0; // bytes of an unfinished line kept at the start of buf
  let lines = 0;
  let maxLineBytes = 0;
  let crlfLines = 0;
  let lfLines = 0;
  let blank = false;
  let nul = false;
  let utf8 = true;
  let strayCr = false;
  let sep = false;
  let first = true;
  try {
    for (;;) {
      const n = readSync(fd, buf, carry, buf.length - carry, null);
      const end = carry + n;
      const eof = n === 0;
      let from = first && end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
      let start = from;
      first = false;
      for (;;) {
        const nl = buf.indexOf(LF, from);
        if (nl < 0 || nl >= end) break;
        const hasCr = nl > start && buf[nl - 1] === CR;
        const len = nl - start - (hasCr ? 1 : 0);
        if (hasCr) crlfLines++;
        else lfLines++;
        if (len === 0 || (!blank && (buf[start] === SPACE || buf[start] === TAB) && isBlank(buf, start, start + len))) blank = true;
        else lines++;
        if (len > maxLineBytes) maxLineBytes = len;
        start = from = nl + 1;
      }
      // Checks over the complete lines of this chunk.
      const complete = eof ? end : start;
      if (complete > 0) {
        const view = buf.subarray(0, complete);
        if (!nul && view.indexOf(0) >= 0) nul = true;
        if (!sep && view.indexOf(1) >= 0) sep = true;
        if (utf8 && !isUtf8(view)) utf8 = false;
        if (!strayCr) {
          // A CR that is not followed by LF is a line end of its own (or a stray byte).
          let at = view.indexOf(CR);
          while (at >= 0 && !strayCr) {
            if (at + 1 >= complete ? eof : buf[at + 1] !== LF) strayCr = true;
            at = view.indexOf(CR, at + 1);
          }
        }
      }
      if (eof) {
        if (start < end) {
          // Last line without a line end.
          const len = end - start;
          if (len > 0) lines++;
          if (len > maxLineBytes) maxLineBytes = len;
        }
        break;
      }
      if (start === 0 && end === buf.length) {
        // One line longer than the buffer: the sanitiser handles such files.
        return { regular: false, irregularity: 'a line longer than 8 MB', lines, maxLineBytes: buf.length, crlf: false, hasSeparatorByte: sep };
      }
      buf.copy(buf, 0, start, end);
      carry = end - start;
    }
  } finally {
    closeSync(fd);
  }
  const mixed = crlfLines > 0 && lfLines > 0;
  const irregularity = blank
    ? 'blank lines'
    : nul
      ? 'NUL bytes'
      : !utf8
        ? 'bytes that are not UTF-8'
        : strayCr
          ? 'lines ending in a lone CR'
          : mixed
            ? 'mixed line ends'
            : undefined;
  return { regular: irregularity === undefined, irregularity, lines, maxLineBytes, crlf: crlfLines > 0, hasSeparatorByte: sep };
}

/** Whether bytes [from, to) are all spaces and tabs (a blank line, which is not a record). */
function isBlank(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== SPACE && buf[i] !== TAB) return false;
  return true;
}

/** A record the sanitiser could not take. `column` is the header's name for the field where it went wrong, if any. */
export interface ScanReject {
  row: number;
  line: number;
  column: string | null;
  reason: string;
  record: string;
}

export interface SanitizeResult {
  /** Header fields (CSV), trimmed; unnamed columns are named `column<N>`. */
  header: string[];
  /** Well-formed records written to the copy. */
  written: number;
  rejects: ScanReject[];
  /** Longest record written, in bytes. */
  maxRecordBytes: number;
}

/**
 * A window over a file: `buf[0..end)` holds the file's bytes from `base`.
 * `need(pos)` makes sure the byte at absolute offset `pos` is loaded (false at EOF),
 * dropping bytes before `keepFrom`.
 */
class Window {
  buf = Buffer.allocUnsafe(CHUNK);
  base = 0;
  end = 0;
  eof = false;
  constructor(private readonly fd: number) {}

  need(pos: number, keepFrom: number): boolean {
    while (pos >= this.base + this.end) {
      if (this.eof) return false;
      const drop = keepFrom - this.base;
      if (drop > 0) {
        this.buf.copy(this.buf, 0, drop, this.end);
        this.end -= drop;
        this.base += drop;
      }
      if (this.end === this.buf.length) {
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, this.end);
        this.buf = bigger;
      }
      const n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.base + this.end);
      if (n === 0) this.eof = true;
      this.end += n;
    }
    return true;
  }

  at(pos: number): number {
    return this.buf[pos - this.base];
  }

  text(from: number, to: number): string {
    return this.buf.toString('utf8', from - this.base, to - this.base);
  }

  bytes(from: number, to: number): Buffer {
    return this.buf.subarray(from - this.base, to - this.base);
  }
}

interface ParsedRecord {
  /** Offset of the first byte after the record's content (its line end, or EOF). */
  end: number;
  /** Offset where the next record starts. */
  next: number;
  /** Line ends consumed inside and after the record. */
  lineEnds: number;
  fields: number;
  /** Whether the last field was empty. */
  lastEmpty: boolean;
  /** Offset of the comma before field `expect` (the first field past the header's), or -1. */
  cut: number;
  /** Whether any field past the header's holds something. */
  extraData: boolean;
  error?: { field: number; reason: string };
}

/**
 * Parses one CSV record starting at `start` (RFC 4180; a quote inside an
 * unquoted field is literal, and blanks may follow a closing quote, as DuckDB
 * reads them). On a malformed record, the record ends at the first line end
 * inside a quoted field if there was one, so an unclosed quote swallows nothing.
 */
function parseCsvRecord(w: Window, start: number, expect = Infinity): ParsedRecord {
  let pos = start;
  let fields = 0;
  let lineEnds = 0;
  let firstBreak = -1; // offset of the first line end inside a quoted field
  let firstBreakLen = 0;
  let lastEmpty = false;
  // Where the fields past the header's start, and whether any of them holds something.
  const extra = { cut: -1, extraData: false };
  const fail = (field: number, reason: string): ParsedRecord => {
    if (firstBreak >= 0) {
      return { end: firstBreak, next: firstBreak + firstBreakLen, lineEnds: 1, fields: field + 1, lastEmpty: false, ...extra, error: { field, reason } };
    }
    // No line end was swallowed: the record is the rest of its line.
    let p = pos;
    while (w.need(p, start)) {
      const b = w.at(p);
      if (b === LF || b === CR) {
        const crlf = b === CR && w.need(p + 1, start) && w.at(p + 1) === LF;
        return { end: p, next: p + (crlf ? 2 : 1), lineEnds: lineEnds + 1, fields: field + 1, lastEmpty: false, ...extra, error: { field, reason } };
      }
      p++;
    }
    return { end: p, next: p, lineEnds, fields: field + 1, lastEmpty: false, ...extra, error: { field, reason } };
  };
  for (;;) {
    if (pos - start > MAX_RECORD_BYTES) return fail(fields, `record longer than ${MAX_RECORD_BYTES / 2 ** 20} MB`);
    if (!w.need(pos, start)) {
      // EOF right after a comma: an empty last field.
      return { end: pos, next: pos, lineEnds, fields: fields + 1, lastEmpty: true, ...extra };
    }
    let b = w.at(pos);
    const fieldStart = pos;
    if (b === QUOTE) {
      const opened = pos;
      pos++;
      for (;;) {
        if (pos - start > MAX_RECORD_BYTES) {
          pos = opened;
          return fail(fields, `unclosed quote: the field opened here never closes within ${MAX_RECORD_BYTES / 2 ** 20} MB`);
        }
        if (!w.need(pos, start)) {
          pos = opened;
          return fail(fields, 'unclosed quote: the field opened here never closes before the end of the file');
        }
        b = w.at(pos);
        if (b === QUOTE) {
          if (w.need(pos + 1, start) && w.at(pos + 1) === QUOTE) {
            pos += 2;
            continue;
          }
          pos++;
          break;
        }
        if (b === LF || b === CR) {
          const crlf = b === CR && w.need(pos + 1, start) && w.at(pos + 1) === LF;
          if (firstBreak < 0) {
            firstBreak = pos;
            firstBreakLen = crlf ? 2 : 1;
          }
          lineEnds++;
          pos += crlf ? 2 : 1;
          continue;
        }
        pos++;
      }
      // "" is an empty field, as an unquoted empty one.
      lastEmpty = pos === fieldStart + 2;
      // After a closing quote: spaces (as DuckDB reads them), then a comma, a line end or EOF.
      while (w.need(pos, start) && w.at(pos) === SPACE) pos++;
      if (w.need(pos, start)) {
        b = w.at(pos);
        if (b !== COMMA && b !== LF && b !== CR) {
          return fail(fields, firstBreak >= 0 ? 'unclosed quote: the quoted field runs past its line' : 'text after a closing quote');
        }
      }
    } else {
      const from = pos;
      while (w.need(pos, start)) {
        b = w.at(pos);
        if (b === COMMA || b === LF || b === CR) break;
        if (pos - start > MAX_RECORD_BYTES) return fail(fields, `record longer than ${MAX_RECORD_BYTES / 2 ** 20} MB`);
        pos++;
      }
      lastEmpty = pos === from;
    }
    if (fields >= expect && !lastEmpty) extra.extraData = true;
    fields++;
    if (!w.need(pos, start)) return { end: pos, next: pos, lineEnds, fields, lastEmpty, ...extra };
    b = w.at(pos);
    if (b === COMMA) {
      if (fields === expect) extra.cut = pos;
      pos++;
      continue;
    }
    const crlf = b === CR && w.need(pos + 1, start) && w.at(pos + 1) === LF;
    return { end: pos, next: pos + (crlf ? 2 : 1), lineEnds: lineEnds + 1, fields, lastEmpty, ...extra };
  }
}

/** Skips blank (or whitespace-only) lines from `pos`; returns the new offset and the lines skipped. */
function skipBlankLines(w: Window, pos: number): { pos: number; lines: number } {
  let lines = 0;
  for (;;) {
    let p = pos;
    while (w.need(p, pos) && (w.at(p) === SPACE || w.at(p) === TAB)) p++;
    if (!w.need(p, pos)) return { pos: p, lines };
    const b = w.at(p);
    if (b !== LF && b !== CR) return { pos, lines };
    const crlf = b === CR && w.need(p + 1, pos) && w.at(p + 1) === LF;
    pos = p + (crlf ? 2 : 1);
    lines++;
  }
}

/** Header of a CSV file (any length), its fields trimmed, with the line it ends on. */
export function readCsvHeader(path: string): { header: string[]; headerLines: number; problem?: string } {
  const fd = openSync(path, 'r');
  try {
    const w = new Window(fd);
    let pos = bomLength(w);
    const blank = skipBlankLines(w, pos);
    pos = blank.pos;
    if (!w.need(pos, pos)) return { header: [], headerLines: blank.lines };
    const rec = parseCsvRecord(w, pos);
    if (rec.error) return { header: [], headerLines: blank.lines + rec.lineEnds, problem: `its header is malformed (${rec.error.reason})` };
    const header = splitCsvFields(w.text(pos, rec.end));
    return { header, headerLines: blank.lines + rec.lineEnds };
  } finally {
    closeSync(fd);
  }
}

function bomLength(w: Window): number {
  return w.need(2, 0) && w.at(0) === 0xef && w.at(1) === 0xbb && w.at(2) === 0xbf ? 3 : 0;
}

/** Fields of one well-formed CSV record (the header), unquoted and trimmed; unnamed ones get `column<N>`. */
function splitCsvFields(text: string): string[] {
  return splitHeader(text).names;
}

/** Header names, and how many unnamed columns end it (a trailing comma on the header line). */
function splitHeader(text: string): { names: string[]; trailingUnnamed: number } {
  const fields: string[] = [];
  const unnamed: boolean[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          value += text.slice(i);
          i = text.length;
          break;
        }
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const comma = text.indexOf(',', i);
      i = comma < 0 ? text.length + 1 : comma + 1;
    } else {
      const comma = text.indexOf(',', i);
      value = comma < 0 ? text.slice(i) : text.slice(i, comma);
      i = comma < 0 ? text.length + 1 : comma + 1;
    }
    unnamed.push(value.trim() === '');
    fields.push(value.trim() || `column${fields.length + 1}`);
    if (i > text.length) {
      let trailingUnnamed = 0;
      while (trailingUnnamed < unnamed.length - 1 && unnamed[unnamed.length - 1 - trailingUnnamed]) trailingUnnamed++;
      return { names: fields, trailingUnnamed };
    }
  }
}

/** Writes bytes to a file through a buffer, in large blocks. */
class BlockWriter {
  private buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  private used = 0;
  constructor(private readonly fd: number) {}

  write(bytes: Buffer | string): void {
    const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    if (this.used + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) {
      writeSync(this.fd, b);
      return;
    }
    b.copy(this.buf, this.used);
    this.used += b.length;
  }

  flush(): void {
    if (this.used > 0) writeSync(this.fd, this.buf, 0, this.used);
    this.used = 0;
  }
}

/** First NUL or invalid UTF-8 in a record, as a reason; undefined when the bytes are clean text. */
function byteProblem(bytes: Buffer): string | undefined {
  if (!isUtf8(bytes)) {
    const at = invalidUtf8Offset(bytes);
    const shown = Array.from(bytes.subarray(at, at + 4), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
    return `not UTF-8 text: bytes ${shown} at byte ${at + 1} of the record (${encodingHint(bytes)})`;
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) return `NUL byte (\\u0000) at byte ${nul + 1} of the record`;
  return undefined;
}

/** GB18030 decodes the GBK files of Chinese Windows; when a broken record reads as that, say so. */
const GB18030 = (() => {
  try {
    return new TextDecoder('gb18030', { fatal: true });
  } catch {
    return undefined; // a Node built without full ICU
  }
})();

function encodingHint(bytes: Buffer): string {
  try {
    if (GB18030) {
      GB18030.decode(bytes);
      return 'it reads as GB18030/GBK, the Chinese Windows encoding: convert the file with iconv -f GB18030 -t UTF-8';
    }
  } catch {
    // not GB18030 either
  }
  return 'save the file as UTF-8';
}

/**
 * What a table file is when it is not text at all, from its first bytes: a
 * compressed archive, UTF-16, Parquet under another name. Undefined for text.
 */
export function notTextProblem(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, 0);
    const b = head.subarray(0, n);
    if (b[0] === 0x1f && b[1] === 0x8b) return 'is gzip-compressed: decompress it first (gunzip)';
    if (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return 'is a zip archive: extract it first';
    if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'is zstd-compressed: decompress it first (unzstd)';
    if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) return 'is UTF-16 text: save it as UTF-8 (iconv -f UTF-16 -t UTF-8)';
    if (b.toString('latin1') === 'PAR1') return 'is a Parquet file: name it .parquet';
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * A record's text for the quarantine, losing no byte: UTF-8 as it is, and a
 * byte that is not part of valid UTF-8 written as \xNN (a backslash in the
 * text itself is left as it is).
 */
export function recordText(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const len = utf8Length(bytes, i);
    if (len > 0) {
      out += bytes.toString('utf8', i, i + len);
      i += len;
    } else {
      out += `\\x${bytes[i].toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence at `i`, or 0. */
function utf8Length(bytes: Buffer, i: number): number {
  const b = bytes[i];
  const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
  return len > 0 && i + len <= bytes.length && isUtf8(bytes.subarray(i, i + len)) ? len : 0;
}

/** Offset of the first byte that breaks UTF-8 (bisects with isUtf8). */
function invalidUtf8Offset(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const len = utf8Length(bytes, i);
    if (len === 0) return i;
    i += len;
  }
  return i;
}

/**
 * Parses an irregular CSV file and writes its well-formed records to `copyPath`
 * with two more columns (`numberColumns`: the record's row and line). A record
 * is well-formed when it parses, has the header's fields (more when those past
 * the header's are empty, fewer when only unnamed columns that end the header
 * are missing), and is UTF-8 text without NUL bytes.
 */
export function sanitizeCsv(path: string, copyPath: string, numberColumns: readonly [string, string] = ['_row', '_line']): SanitizeResult {
  return copying(path, copyPath, (w, writer) => {
    let pos = bomLength(w);
    let line = 1;
    const blank0 = skipBlankLines(w, pos);
    pos = blank0.pos;
    line += blank0.lines;
    const rejects: ScanReject[] = [];
    if (!w.need(pos, pos)) return { header: [], written: 0, rejects, maxRecordBytes: 0 };
    const head = parseCsvRecord(w, pos);
    const { names: header, trailingUnnamed } = splitHeader(w.text(pos, head.end));
    // Unnamed columns that end the header (its own trailing comma) may be absent from records.
    const fewest = header.length - trailingUnnamed;
    writer.write(`${[...header, ...numberColumns].map(csvQuote).join(',')}\n`);
    line += head.lineEnds;
    pos = head.next;
    let row = 0;
    let written = 0;
    let maxRecordBytes = 0;
    for (;;) {
      const blank = skipBlankLines(w, pos);
      pos = blank.pos;
      line += blank.lines;
      if (!w.need(pos, pos)) break;
      const rec = parseCsvRecord(w, pos, header.length);
      row++;
      const bytes = w.bytes(pos, rec.end);
      let reason = rec.error?.reason;
      let field = rec.error?.field;
      // Empty fields past the header's (trailing commas) hold nothing and are dropped, as DuckDB does.
      const fits = rec.fields === header.length || (rec.fields > header.length && !rec.extraData) || (rec.fields >= fewest && rec.fields < header.length);
      if (!reason && !fits) {
        reason = `${rec.fields} columns where the header has ${header.length}`;
        field = undefined;
      }
      reason ??= byteProblem(bytes);
      if (reason) {
        rejects.push({
          row,
          line,
          column: field !== undefined && field < header.length ? header[field] : null,
          reason,
          record: recordText(bytes),
        });
      } else {
        // The copy drops empty fields past the header's, and pads absent unnamed ones, so the columns line up.
        writer.write(rec.fields > header.length ? w.bytes(pos, rec.cut) : bytes);
        writer.write(`${','.repeat(Math.max(0, header.length - rec.fields))},${row},${line}\n`);
        // A trailing comma left an empty extra field; the copy drops it so the columns line up.
        written++;
        if (bytes.length > maxRecordBytes) maxRecordBytes = bytes.length;
      }
      line += rec.lineEnds;
      if (rec.next === pos) break;
      pos = rec.next;
    }
    return { header, written, rejects, maxRecordBytes };
  });
}

/** Reads `path` through a Window and writes `copyPath` through a BlockWriter, flushed and closed whatever happens. */
function copying<T>(path: string, copyPath: string, fn: (w: Window, writer: BlockWriter) => T): T {
  const fd = openSync(path, 'r');
  const out = openSync(copyPath, 'w');
  try {
    const writer = new BlockWriter(out);
    const result = fn(new Window(fd), writer);
    writer.flush();
    return result;
  } finally {
    closeSync(fd);
    closeSync(out);
  }
}

/** Quotes a CSV field when it needs it. */
function csvQuote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/**
 * Copies an irregular JSON Lines file: each non-blank line becomes
 * `row 0x01 line 0x01 text`, or a reject when it is not UTF-8 or holds a raw
 * control byte that JSON forbids.
 */
export function sanitizeJsonl(path: string, copyPath: string): SanitizeResult {
  return copying(path, copyPath, (w, writer) => {
    let pos = bomLength(w);
    let line = 1;
    let row = 0;
    let written = 0;
    let maxRecordBytes = 0;
    const rejects: ScanReject[] = [];
    for (;;) {
      const blank = skipBlankLines(w, pos);
      pos = blank.pos;
      line += blank.lines;
      if (!w.need(pos, pos)) break;
      let p = pos;
      while (w.need(p, pos) && w.at(p) !== LF && w.at(p) !== CR && p - pos <= MAX_RECORD_BYTES) p++;
      const bytes = w.bytes(pos, p);
      row++;
      let reason = byteProblem(bytes);
      if (!reason && bytes.indexOf(1) >= 0) reason = 'not JSON: raw control character \\u0001';
      if (!reason && p - pos > MAX_RECORD_BYTES) reason = `line longer than ${MAX_RECORD_BYTES / 2 ** 20} MB`;
      if (reason) {
        rejects.push({ row, line, column: null, reason, record: recordText(bytes) });
      } else {
        writer.write(`${row}${JSONL_SEPARATOR}${line}${JSONL_SEPARATOR}`);
        writer.write(bytes);
        writer.write('\n');
        written++;
        if (bytes.length > maxRecordBytes) maxRecordBytes = bytes.length;
      }
      // Skip to the end of the line (also past an over-long one).
      while (w.need(p, p) && w.at(p) !== LF && w.at(p) !== CR) p++;
      if (!w.need(p, p)) break;
      const crlf = w.at(p) === CR && w.need(p + 1, p) && w.at(p + 1) === LF;
      pos = p + (crlf ? 2 : 1);
      line++;
    }
    return { header: [], written, rejects, maxRecordBytes };
  });
}
