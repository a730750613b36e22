/**
 * Flowing layout for the PDF case file on A4: section headings, paragraphs,
 * bullets, key-value blocks and tables that continue on the next page with
 * their header repeated. Everything is set in the embedded CJK font, so
 * Chinese and Latin text alike render and can be copied out of the PDF.
 */

export type Doc = PDFKit.PDFDocument;

/** A rectangle on the page, in points from the top left. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Font names the document registers (see pdf.ts). */
export const FONT = 'cjk';
export const BOLD = 'cjk-bold';

/** A4 in points, with the margins the text flows within. */
export const PAGE = { width: 595.28, height: 841.89, left: 48, right: 48, top: 54, bottom: 62 } as const;

export const COLOR = {
  ink: '#1f2328',
  muted: '#5b636e',
  rule: '#c9ced6',
  faint: '#eef1f5',
  header: '#dde3ec',
  accent: '#b42318',
  blue: '#1f6fd0',
  night: '#253858',
  day: '#9fb3d1',
} as const;

export interface Column {
  header: string;
  /** Share of the text width (the shares of a table add up to 1). */
  width: number;
  align?: 'left' | 'right';
}

const CELL_PAD = 3;
/** Tables up to this tall are not split across pages. */
export const KEEP_WHOLE = 200;

export class Layout {
  constructor(readonly doc: Doc) {}

  get left(): number {
    return PAGE.left;
  }
  get width(): number {
    return PAGE.width - PAGE.left - PAGE.right;
  }
  get bottom(): number {
    return PAGE.height - PAGE.bottom;
  }
  get y(): number {
    return this.doc.y;
  }

  /** Starts a new page unless `height` points still fit on this one. */
  ensure(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  newPage(): void {
    this.doc.addPage();
  }

  gap(points: number): void {
    this.doc.y += points;
  }

  /** A section title with a rule under it, kept with at least `keep` points of what follows. */
  section(title: string, keep = 80): void {
    const { doc } = this;
    this.ensure(30 + keep);
    if (doc.y > PAGE.top + 1) doc.y += 10;
    doc.font(BOLD).fontSize(13).fillColor(COLOR.ink).text(title, this.left, doc.y, { width: this.width });
    const y = doc.y + 2;
    doc.moveTo(this.left, y).lineTo(this.left + this.width, y).lineWidth(0.7).strokeColor(COLOR.rule).stroke();
    doc.y = y + 6;
  }

  subheading(title: string): void {
    const { doc } = this;
    this.ensure(40);
    doc.font(BOLD).fontSize(9.5).fillColor(COLOR.ink).text(title, this.left, doc.y, { width: this.width });
    doc.y += 2;
  }

  paragraph(text: string, size = 9, color: string = COLOR.ink): void {
    const { doc } = this;
    doc.font(FONT).fontSize(size);
    this.ensure(doc.heightOfString(text, { width: this.width }));
    doc.fillColor(color).text(text, this.left, doc.y, { width: this.width, lineGap: 1 });
  }

  bullets(items: readonly string[], size = 9.5): void {
    const { doc } = this;
    const indent = 12;
    for (const item of items) {
      doc.font(FONT).fontSize(size);
      const h = doc.heightOfString(item, { width: this.width - indent, lineGap: 1.5 });
      this.ensure(h + 3);
      const y = doc.y;
      doc.fillColor(COLOR.accent).circle(this.left + 3.5, y + size * 0.62, 1.8).fill();
      doc.fillColor(COLOR.ink).text(item, this.left + indent, y, { width: this.width - indent, lineGap: 1.5 });
      doc.y += 3;
    }
  }

  /** Label-value pairs in `columns` columns, labels muted above their values. */
  keyValues(pairs: readonly [string, string][], columns = 3): void {
    const { doc } = this;
    const colWidth = this.width / columns;
    for (let i = 0; i < pairs.length; i += columns) {
      const row = pairs.slice(i, i + columns);
      doc.font(FONT).fontSize(9.5);
      const valueHeight = Math.max(...row.map(([, v]) => doc.heightOfString(v || '-', { width: colWidth - 10 })));
      this.ensure(valueHeight + 14);
      const y = doc.y;
      row.forEach(([label, value], j) => {
        const x = this.left + j * colWidth;
        doc.font(FONT).fontSize(7).fillColor(COLOR.muted).text(label.toUpperCase(), x, y, { width: colWidth - 10, characterSpacing: 0.3 });
        doc.font(FONT).fontSize(9.5).fillColor(COLOR.ink).text(value || '-', x, y + 9.5, { width: colWidth - 10 });
      });
      doc.y = y + 9.5 + valueHeight + 5;
    }
  }

  /**
   * A table under its `title`, breaking across pages with its header
   * repeated; a short one is moved whole to the next page rather than split.
   * An empty one says `empty` instead.
   */
  table(title: string, columns: readonly Column[], rows: readonly string[][], empty: string, size = 8): void {
    const { doc } = this;
    if (rows.length === 0) {
      if (title) this.subheading(title);
      this.paragraph(empty, 9, COLOR.muted);
      doc.y += 4;
      return;
    }
    const widths = columns.map((c) => c.width * this.width);
    const cellHeight = (cells: readonly string[], font: string) => {
      doc.font(font).fontSize(size);
      return Math.max(...cells.map((t, i) => doc.heightOfString(t || ' ', { width: widths[i] - 2 * CELL_PAD }))) + 2 * CELL_PAD;
    };
    const drawRow = (cells: readonly string[], font: string, fill: string | null, color: string) => {
      const h = cellHeight(cells, font);
      const y = doc.y;
      if (fill) doc.rect(this.left, y, this.width, h).fillColor(fill).fill();
      let x = this.left;
      cells.forEach((t, i) => {
        doc.font(font).fontSize(size).fillColor(color).text(t, x + CELL_PAD, y + CELL_PAD, {
          width: widths[i] - 2 * CELL_PAD,
          align: columns[i].align ?? 'left',
        });
        x += widths[i];
      });
      doc.y = y + h;
      return h;
    };
    const header = columns.map((c) => c.header);
    const drawHeader = () => drawRow(header, BOLD, COLOR.header, COLOR.ink);

    doc.font(BOLD).fontSize(9.5);
    const titleHeight = title ? doc.heightOfString(title, { width: this.width }) + 2 : 0;
    // Kept whole when short (up to KEEP_WHOLE points), else at least its first rows with the header.
    const heights = rows.map((r) => cellHeight(r, FONT));
    const whole = heights.reduce((a, b) => a + b, 0);
    const keep = whole <= KEEP_WHOLE ? whole : heights.slice(0, 3).reduce((a, b) => a + b, 0);
    this.ensure(titleHeight + cellHeight(header, BOLD) + keep);
    if (title) this.subheading(title);
    drawHeader();
    rows.forEach((row, r) => {
      if (doc.y + cellHeight(row, FONT) > this.bottom) {
        doc.addPage();
        drawHeader();
      }
      drawRow(row, FONT, r % 2 === 1 ? COLOR.faint : null, COLOR.ink);
    });
    doc.moveTo(this.left, doc.y).lineTo(this.left + this.width, doc.y).lineWidth(0.5).strokeColor(COLOR.rule).stroke();
    doc.x = this.left;
    doc.y += 6;
  }
}
