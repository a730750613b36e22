/**
 * ClickHouse's RowBinary format for the few column types Dragnet moves, both
 * ways. Text formats would do, except that old servers (18.16, Debian's) parse
 * floating-point text inexactly (about 1 value in 250 of six-decimal
 * coordinates lands one ulp off), and the same world must give the same
 * results on both engines: binary doubles travel exactly.
 *
 * Per value: String = LEB128 length + UTF-8 bytes; Float64 and Int64 = 8 bytes
 * little-endian; UInt8 = 1 byte; Nullable(T) = a byte (1 = NULL) then T unless NULL.
 */

export type ColumnType = 'String' | 'Float64' | 'Int64' | 'UInt8' | 'UInt64';
export interface BinaryColumn {
  name: string;
  type: ColumnType;
  nullable?: boolean;
}

/** ClickHouse's name of a column's type, for CREATE TABLE and casts. */
export function clickhouseType(c: BinaryColumn): string {
  return c.nullable ? `Nullable(${c.type})` : c.type;
}

export type Cell = string | number | bigint | boolean | null;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Encodes rows (cells in column order) as one RowBinary buffer. */
export function encodeRows(columns: readonly BinaryColumn[], rows: readonly (readonly Cell[])[]): Buffer {
  let size = 0;
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i];
      const v = row[i];
      if (c.nullable) size++;
      if (v === null || v === undefined) {
        if (!c.nullable) throw new Error(`column ${c.name} is not nullable`);
        continue;
      }
      if (c.type === 'String') {
        const n = Buffer.byteLength(String(v));
        size += varintSize(n) + n;
      } else size += c.type === 'UInt8' ? 1 : 8;
    }
  }
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i];
      const v = row[i];
      if (c.nullable) buf[at++] = v === null || v === undefined ? 1 : 0;
      if (v === null || v === undefined) continue;
      switch (c.type) {
        case 'String': {
          const s = String(v);
          let n = Buffer.byteLength(s);
          while (n >= 0x80) {
            buf[at++] = (n & 0x7f) | 0x80;
            n = Math.floor(n / 128);
          }
          buf[at++] = n;
          at += buf.write(s, at, 'utf8');
          break;
        }
        case 'Float64':
          at = buf.writeDoubleLE(Number(v), at);
          break;
        case 'Int64':
          at = buf.writeBigInt64LE(BigInt(v), at);
          break;
        case 'UInt64':
          at = buf.writeBigUInt64LE(BigInt(v), at);
          break;
        case 'UInt8':
          buf[at++] = Number(v);
          break;
      }
    }
  }
  return buf;
}

/**
 * Decodes a RowBinary stream into rows, a batch per chunk received. Integers
 * come back as numbers (the counts and epoch microseconds here stay below
 * 2^53). A row split across chunks waits for the rest.
 */
export async function* decodeRows(columns: readonly BinaryColumn[], stream: AsyncIterable<Buffer>): AsyncGenerator<Cell[][]> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    const buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const rows: Cell[][] = [];
    let at = 0;
    for (;;) {
      const row = readRow(columns, buf, at);
      if (!row) break;
      rows.push(row.cells);
      at = row.end;
    }
    pending = buf.subarray(at);
    if (rows.length) yield rows;
  }
  if (pending.length) throw new Error(`RowBinary stream ended inside a row (${pending.length} bytes left)`);
}

/** One row from `at`, or undefined when the buffer ends before it does. */
function readRow(columns: readonly BinaryColumn[], buf: Buffer, start: number): { cells: Cell[]; end: number } | undefined {
  let at = start;
  const cells: Cell[] = [];
  for (const c of columns) {
    if (c.nullable) {
      if (at >= buf.length) return undefined;
      if (buf[at++] === 1) {
        cells.push(null);
        continue;
      }
    }
    switch (c.type) {
      case 'String': {
        let n = 0;
        let scale = 1;
        for (;;) {
          if (at >= buf.length) return undefined;
          const b = buf[at++];
          n += (b & 0x7f) * scale;
          if (b < 0x80) break;
          scale *= 128;
        }
        if (at + n > buf.length) return undefined;
        cells.push(buf.toString('utf8', at, at + n));
        at += n;
        break;
      }
      case 'UInt8':
        if (at + 1 > buf.length) return undefined;
        cells.push(buf[at++]);
        break;
      default:
        if (at + 8 > buf.length) return undefined;
        cells.push(c.type === 'Float64' ? buf.readDoubleLE(at) : c.type === 'Int64' ? Number(buf.readBigInt64LE(at)) : Number(buf.readBigUInt64LE(at)));
        at += 8;
    }
  }
  return { cells, end: at };
}
