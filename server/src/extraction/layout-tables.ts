// Arrays read off the page: tables for arrays of objects (a header row naming two or more of the item's
// fields, its columns followed down until a total line, a heading or a gap; again after each page break
// where the header repeats), and lists for arrays of scalars (after their label, on its line or below).

import type { BoundingBox } from '../ocr/ocr-result.ts';
import { matchOption, optionsInRow } from './choice-marks.ts';
import { splitFieldName } from './field-labels.ts';
import { editDistance, fold, type LabelPhrase, tokenMatches, tokens } from './label-lexicon.ts';
import type { LeafSpec, TableSpec } from './layout-fields.ts';
import { type Candidate, isAncestorPath, type LayoutContext, type SegmentTokens } from './layout-reader.ts';
import { readValue, trimValue } from './layout-values.ts';
import { type LayoutPage, type LayoutWord, type Segment, union, xOverlap } from './page-layout.ts';
import { findDates } from './value-patterns.ts';

export interface TableRow {
  cells: Map<string, Candidate>;
  /** Every word printed on the row's line, asked for or not (a flag column the schema leaves out). */
  text: string;
}

interface Column {
  /** The schema column under this header cell; null for a printed column the schema does not ask for. */
  leaf: LeafSpec | null;
  box: BoundingBox;
  quality: number;
}

interface Header {
  columns: Column[];
  bottom: number;
  row: number;
  /** The last page row the header's captions wrap onto. */
  lastRow: number;
}

const TOTAL_LINE =
  /^(?:sub\s*-?total|total|balance|amount due|tax|sales tax|payments?|credits?|grand total|invoice total|previous balance)\b/i;
const TEXT_KINDS = new Set(['text', 'orgName', 'personName']);
/** A word that carries no value: dots, dashes and specks the scanner left. */
const isSpeck = (w: LayoutWord) => !/[\p{L}\p{N}$%]/u.test(w.text);
/** A ruling line between two cells, as the OCR reads it. */
const RULE_GLYPH = /^[|¦‖]+$/;

/** Every row of every occurrence of the table's header, in page order. */
export function readTable(ctx: LayoutContext, table: TableSpec): TableRow[] {
  const rows: TableRow[] = [];
  const flaggedOnly = asksForFlaggedRows(table);
  const seen = new Set<string>();
  for (const page of ctx.pages) {
    const headerRows = findHeaders(ctx, page, table);
    for (const header of headerRows) {
      for (const row of readRows(ctx, page, header)) {
        const key = [...row.cells.entries()].map(([k, c]) => `${k}=${c.value}`).join('|');
        if (seen.has(`${page.page}:${key}`)) continue;
        seen.add(`${page.page}:${key}`);
        if (flaggedOnly && !FLAG.test(row.text)) continue;
        rows.push(row);
      }
    }
  }
  return rows;
}

/** An abnormal flag printed on a result line: H, L, HH, LL, A, High, Low, Abnormal, Critical, an asterisk. */
const FLAG = /(?:^|\s)(?:[HL]{1,2}|A{1,2}|\*+|high|low|abn(?:ormal)?|crit(?:ical)?)(?=\s|$)/i;

/**
 * A table the schema wants only its flagged rows of, by name ("abnormalResults") or description ("only
 * results flagged high or low", "out-of-range values only"): a lab report prints every result.
 */
function asksForFlaggedRows(table: TableSpec): boolean {
  const name = splitFieldName(table.name).join(' ');
  const description = (table.field.description ?? '').toLowerCase();
  const cue = /\b(?:abnormal|flagged|out[ -]of[ -]range|high or low|critical)\b/;
  return cue.test(name) || (/\bonly\b/.test(description) && cue.test(description));
}

/**
 * Where each schema column's header prints in a header cell: a cell is (nearly) all label, and a
 * slash divides a cell into alternatives ("Tests Ordered / Test", "CPT / HCPCS"), each judged alone.
 */
function headerQuality(st: SegmentTokens, phrases: readonly LabelPhrase[]): number {
  const slashes = st.seg.words.flatMap((w, i) => (w.text === '/' ? [i] : []));
  // A qualifier in parentheses ("NAME (FIRST, LAST)", "DATE (MM/DD/YYYY)") is not part of the name.
  const aside = new Set<number>();
  let depth = 0;
  st.seg.words.forEach((w, i) => {
    if (w.text.startsWith('(')) depth++;
    if (depth > 0) aside.add(i);
    if (w.text.endsWith(')')) depth = Math.max(0, depth - 1);
  });
  let best = 0;
  for (const phrase of phrases) {
    if (phrase.tokens.length > st.toks.length) continue;
    for (let from = 0; from + phrase.tokens.length <= st.toks.length; from++) {
      const m = matchRange(st.toks, from, phrase.tokens);
      if (!m) continue;
      const word = st.wordOf[from];
      const lo = Math.max(-1, ...slashes.filter((i) => i < word));
      const hi = Math.min(Number.POSITIVE_INFINITY, ...slashes.filter((i) => i > word));
      const inPart = st.toks.filter(
        (t, k) =>
          t !== '#' &&
          st.wordOf[k] > lo &&
          st.wordOf[k] < hi &&
          (!aside.has(st.wordOf[k]) || aside.has(word)),
      ).length;
      const coverage = phrase.tokens.length / Math.max(1, inPart);
      const q = m * phrase.weight * (coverage >= 0.99 ? 1 : coverage >= 0.5 ? 0.85 : 0);
      best = Math.max(best, q);
    }
  }
  return best;
}

function findHeaders(ctx: LayoutContext, page: LayoutPage, table: TableSpec): Header[] {
  const found: Header[] = [];
  const pageIndex = ctx.pages.indexOf(page);
  const segTokens = ctx.segTokens[pageIndex];
  for (let r = 0; r < page.rows.length; r++) {
    if (r === page.headerRow) continue;
    // A header may wrap over two or three stacked lines ("CPT / HCPCS", "Units / Visits").
    const band = page.rows[r].map((id) => page.segments[id]);
    const top = band[0]?.bbox.y0 ?? 0;
    let lastRow = r;
    for (let k = r + 1; k < page.rows.length && k <= r + 2; k++) {
      const next = page.rows[k].map((id) => page.segments[id]);
      // A line of figures under the captions is the first row, not the header's wrap.
      if (next.some((s) => hasFigures(s.text))) break;
      if (!next[0] || next[0].bbox.y0 - top >= page.unit * 2.2) break;
      band.push(...next);
      lastRow = k;
    }
    if (!page.rows[r].length) continue;
    // Each header cell to one column, best matches first ("Unit price" is unitPrice before it is units).
    const cells = band
      .flatMap((seg) => ruledCells(segTokens[seg.id]))
      .flatMap((st) => splitHeaderCell(st, table) ?? [st]);
    const pairs: { leaf: LeafSpec; seg: Segment; quality: number }[] = [];
    for (const leaf of table.columns)
      for (const cell of cells) {
        const quality = headerQuality(cell, leaf.phrases);
        if (quality > 0.6) pairs.push({ leaf, seg: cell.seg, quality });
      }
    pairs.sort((a, b) => b.quality - a.quality);
    const columns: Column[] = [];
    for (const { leaf, seg, quality } of pairs)
      if (!columns.some((c) => c.leaf === leaf || c.box === seg.bbox))
        columns.push({ leaf, box: seg.bbox, quality });
    // A fax may leave one header cell legible ("Urnt price"): then the row must look like a header of
    // three or more cells, and the figures under the others must say which columns they are.
    const printed = page.rows[r].filter((id) => !page.segments[id].words.every(isSpeck)).length;
    const alone =
      columns.length === 1 && columns[0].quality >= 0.8 && printed >= 3 && table.columns.length >= 3;
    if (columns.length < Math.min(2, table.columns.length) && !alone) continue;
    // The header must be the first line of its band, not a later line already used.
    if (found.some((f) => f.row <= r && f.lastRow >= r)) continue;
    // A header printed again over each row (ACORD-style forms) belongs where its first print did.
    const repeated = found.some(
      (f) => f.columns.filter((c) => c.leaf).length === columns.length && r - f.lastRow <= 3,
    );
    if (!repeated && !inOwnSection(ctx, table, page, band[0].bbox, r)) continue;
    const bottom = Math.max(...columns.map((c) => c.box.y1));
    // The header's other cells are columns too: what prints under them belongs to no schema field.
    for (const { seg } of cells)
      if (
        seg.words.some((w) => !isSpeck(w)) &&
        !columns.some((c) => xOverlap(c.box, seg.bbox) > 0) &&
        seg.bbox.y0 < bottom
      )
        columns.push({ leaf: null, box: seg.bbox, quality: 0 });
    columns.sort((a, b) => a.box.x0 - b.box.x0);
    inferColumns(page, columns, table, bottom);
    widenColumns(page, columns, bottom);
    if (columns.filter((c) => c.leaf).length < Math.min(2, table.columns.length)) continue;
    found.push({ columns, bottom, row: r, lastRow });
  }
  return found;
}

/**
 * Whether a header sits where its table may be: inside one of the table's own sections when the page has
 * any ("EMERGENCY CONTACTS" heads a name/relationship/phone table, not the guardians'), and never
 * inside another object's section.
 */
function inOwnSection(
  ctx: LayoutContext,
  table: TableSpec,
  page: LayoutPage,
  box: BoundingBox,
  row: number,
): boolean {
  const own = (path: string) => path === table.path || isAncestorPath(path, table.path);
  const containing = ctx.sections.filter(
    (s) =>
      s.page === page.page &&
      box.y0 >= s.region.y0 - 2 &&
      box.y0 <= s.region.y1 &&
      box.x0 >= s.region.x0 - 2 &&
      box.x0 < s.region.x1,
  );
  if (containing.some((s) => own(s.scope.path))) return true;
  if (containing.length) return false;
  const headed = ctx.sections.filter((s) => s.scope.path === table.path);
  if (!headed.length) return true;
  // The document heads this table somewhere else ("PERSONAL REFERENCES"): an unheaded header is its
  // continuation only at the top of a later page, before any caption line ("OTHER OCCUPANTS: Name Age
  // Relationship" on the page before is another table that happens to share column names).
  if (headed.some((s) => s.page === page.page)) return false;
  if (!headed.some((s) => s.page < page.page)) return false;
  return !page.rows
    .slice(0, row)
    .some((ids, r) => r !== page.headerRow && ids.some((id) => /\p{L}{3}/u.test(page.segments[id].text)));
}

/** Digits that are data (a date, an amount, an id), not a caption's box number ("24. A."). */
const hasFigures = (text: string) => /\d{3}|\d[/.-]\d/.test(text);

/**
 * A line of captions in capitals with no figures ("PRESENT EMPLOYER  POSITION / TITLE"), as a boxed form
 * prints the labels of its next row of boxes: a table's body never holds one.
 */
function isCaptionLine(segs: Segment[], unit: number): boolean {
  const printed = segs.filter((s) => !s.words.every(isSpeck));
  if (printed.length < 2) return false;
  // Captions sit in separate boxes; a letter-spaced heading ("COMPREHENSIVE  METABOLIC  PANEL") the
  // OCR cut into pieces is one run of words, a group heading inside the table.
  if (printed.every((s, i) => i === 0 || s.bbox.x0 - printed[i - 1].bbox.x1 < unit * 2.5)) return false;
  return printed.every((s) => {
    const letters = s.text.replace(/[^\p{L}]/gu, '');
    return letters.length >= 2 && letters === letters.toUpperCase() && !/\d/.test(s.text);
  });
}

/**
 * A header printed without column gaps ("Medication Strength Directions") as one cell per column name,
 * when column names cover all of its words; else null.
 */
function splitHeaderCell(st: SegmentTokens, table: TableSpec): SegmentTokens[] | null {
  const words = st.seg.words;
  if (words.length < 2) return null;
  const parts: SegmentTokens[] = [];
  let w = 0;
  while (w < words.length) {
    const from = st.wordOf.indexOf(w);
    if (from < 0) {
      w++;
      continue;
    }
    let span = 0;
    for (const leaf of table.columns)
      for (const p of leaf.phrases) {
        const to = from + p.tokens.length;
        if (to > st.toks.length || !matchRange(st.toks, from, p.tokens)) continue;
        if (to < st.toks.length && st.wordOf[to] === st.wordOf[to - 1]) continue;
        span = Math.max(span, st.wordOf[to - 1] - w + 1);
      }
    if (!span) return null;
    parts.push(subSegment(st.seg, words.slice(w, w + span)));
    w += span;
  }
  return parts.length >= 2 ? parts : null;
}

/** Some of a segment's words as a segment of their own, tokenised. */
function subSegment(seg: Segment, part: LayoutWord[]): SegmentTokens {
  const toks: string[] = [];
  const wordOf: number[] = [];
  part.forEach((x, i) => {
    for (const t of tokens(x.text)) {
      toks.push(t);
      wordOf.push(i);
    }
  });
  const text = part.map((x) => x.text).join(' ');
  return { seg: { ...seg, words: part, text, bbox: union(part.map((x) => x.bbox)) }, toks, wordOf };
}

/** A header segment cut at the ruling lines the OCR read as "|" between its cells. */
function ruledCells(st: SegmentTokens): SegmentTokens[] {
  const runs = cutAtRules(st.seg.words).filter((run) => !run.every(isSpeck));
  return runs.length > 1 ? runs.map((run) => subSegment(st.seg, run)) : [st];
}

function cutAtRules(words: LayoutWord[]): LayoutWord[][] {
  const runs: LayoutWord[][] = [[]];
  for (const w of words) {
    if (RULE_GLYPH.test(w.text)) runs.push([]);
    else runs[runs.length - 1].push(w);
  }
  return runs.filter((run) => run.length);
}

type Shape = 'money' | 'integer' | 'decimal' | 'date' | 'text';

/** What the words under a header cell look like, when most of them agree. */
function columnShape(page: LayoutPage, box: BoundingBox, bottom: number): Shape | null {
  const shapes: Shape[] = [];
  for (const seg of page.segments) {
    if (seg.bbox.y0 < bottom || seg.bbox.y0 > bottom + page.unit * 16 || xOverlap(seg.bbox, box) <= 0)
      continue;
    // Without the specks a fax sticks to figures ("3!", "“4", "31,"): the shape is what is left.
    const t = seg.text.trim().replace(/^[^\p{L}\p{N}$(-]+|[^\p{L}\p{N}%)]+$/gu, '');
    if (/^-?\$\s?\d[\d,]*(?:[.,]\d{2})?$/.test(t) || /^\d{1,3}(?:,\d{3})*\.\d{2}$/.test(t))
      shapes.push('money');
    else if (/^\d{1,4}$/.test(t)) shapes.push('integer');
    else if (/^\d+\.\d+$/.test(t)) shapes.push('decimal');
    else if (findDates(t).length === 1 && t.length <= 12) shapes.push('date');
    else if (/\p{L}{3}/u.test(t)) shapes.push('text');
  }
  if (shapes.length < 2) return null;
  const counts = new Map<Shape, number>();
  for (const x of shapes) counts.set(x, (counts.get(x) ?? 0) + 1);
  const [shape, n] = [...counts].sort((a, b) => b[1] - a[1])[0];
  return n >= shapes.length * 0.6 ? shape : null;
}

const FITS: Record<Shape, readonly string[]> = {
  money: ['money'],
  integer: ['number', 'money'],
  decimal: ['number', 'money'],
  date: ['date'],
  text: ['text', 'orgName', 'personName'],
};

/**
 * Unread header cells given the schema columns their figures fit, in schema order between the columns
 * already named (forms print a table's columns in the order a schema tends to list them).
 */
function inferColumns(page: LayoutPage, columns: Column[], table: TableSpec, bottom: number): void {
  const taken = new Set(columns.flatMap((c) => (c.leaf ? [c.leaf] : [])));
  for (const [i, col] of columns.entries()) {
    if (col.leaf) continue;
    const shape = columnShape(page, col.box, bottom);
    if (!shape) continue;
    const before = columns.slice(0, i).findLast((c) => c.leaf)?.leaf?.order ?? -1;
    const after = columns.slice(i + 1).find((c) => c.leaf)?.leaf?.order ?? Number.POSITIVE_INFINITY;
    const leaf = table.columns.find(
      (l) => !taken.has(l) && l.order > before && l.order < after && FITS[shape].includes(l.kind),
    );
    if (!leaf) continue;
    taken.add(leaf);
    col.leaf = leaf;
    col.quality = 0.6;
  }
}

/**
 * Each text column's x-range widened to the text its rows print under it and under no other header cell
 * (a description column is wider than its centred caption), so a short entry that misses the caption
 * ("Trip charge") still lands in it. A column never widens into another's range.
 */
function widenColumns(page: LayoutPage, columns: Column[], bottom: number): void {
  const boxes = columns.map((c) => ({ ...c.box }));
  for (const ids of page.rows) {
    const segs = ids.map((id) => page.segments[id]).filter((x) => !x.words.every(isSpeck));
    // Only the table's own rows: three cells or more, figures among them.
    if (segs.length < 3 || !segs.some((x) => hasFigures(x.text))) continue;
    if (segs[0].bbox.y0 < bottom || segs[0].bbox.y0 > bottom + page.unit * 30) continue;
    for (const run of segs.flatMap((x) => cutAtRules(x.words))) {
      if (!run.some((w) => /\p{L}{2}/u.test(w.text))) continue;
      const box = union(run.map((w) => w.bbox));
      const under = boxes.flatMap((b, i) => (xOverlap(b, box) > 0 ? [i] : []));
      if (under.length !== 1) continue;
      const [i] = under;
      const leaf = columns[i].leaf;
      if (!leaf || !TEXT_KINDS.has(leaf.kind)) continue;
      const x0 = Math.min(boxes[i].x0, box.x0);
      const x1 = Math.max(boxes[i].x1, box.x1);
      if (boxes.some((b, k) => k !== i && b.x1 > x0 && b.x0 < x1)) continue;
      boxes[i].x0 = x0;
      boxes[i].x1 = x1;
    }
  }
  for (const [i, c] of columns.entries()) c.box = boxes[i];
}

function matchRange(toks: string[], from: number, want: string[]): number {
  let q = 1;
  for (let i = 0; i < want.length; i++) {
    const t = toks[from + i];
    if (t === want[i]) continue;
    const fuzzy = t ? tokenMatches(t, want[i]) || headerWordMatch(t, want[i]) : 0;
    if (fuzzy) q *= fuzzy;
    else if (t && t.length >= 4 && want[i].length >= 4 && t.slice(0, 4) === want[i].slice(0, 4)) q *= 0.9;
    else return 0;
  }
  return q;
}

/**
 * A header word the fax blurred ("Fag" for Flag, "Descripton", "Amonut"): one edit per four letters of
 * the column name, the first letter kept; or run into a few letters before it. Looser than a form label may be, because a header is only
 * taken when two or more of its cells name the item's fields.
 */
function headerWordMatch(seen: string, want: string): number {
  if (want.length < 4 || seen.length < 3 || /\d/.test(want)) return 0;
  const a = fold(seen);
  const b = fold(want);
  // Run into the caption's box letter or the word before ("FSCHARGES", "ORUNITS").
  if (a.length - b.length >= 1 && a.length - b.length <= 3 && a.endsWith(b)) return 0.75;
  if (a[0] !== b[0]) return 0;
  const allowed = Math.floor(b.length / 4);
  return Math.abs(a.length - b.length) <= allowed && editDistance(a, b) <= allowed ? 0.75 : 0;
}

/** One printed line of the table body, its words read into the schema's columns. */
interface BodyLine {
  cells: Map<string, Candidate>;
  y0: number;
  y1: number;
  text: string;
}

function readRows(ctx: LayoutContext, page: LayoutPage, header: Header): TableRow[] {
  const unit = page.unit;
  const fields = header.columns.filter((c) => c.leaf);
  const textPath = fields.find((c) => c.leaf && TEXT_KINDS.has(c.leaf.kind))?.leaf?.path ?? null;
  const lines: BodyLine[] = [];
  let lastY = header.bottom;
  let idle = 0;
  for (let r = header.row; r < page.rows.length; r++) {
    const segs = page.rows[r].map((id) => page.segments[id]);
    if (!segs.length || segs[0].bbox.y1 <= header.bottom + 2) continue;
    const words = segs.filter((s) => !s.words.every(isSpeck)).flatMap((s) => s.words);
    if (!words.length) continue;
    const y0 = Math.min(...words.map((w) => w.bbox.y0));
    if (y0 - lastY > unit * (lines.length ? 3.2 : 4.5)) break;
    const text = words.map((w) => w.text).join(' ');
    // A table body holds no labels: a line of them is the next part of a form, or the next header.
    if (
      isLabelLine(ctx, segs) ||
      isCaptionLine(segs, unit) ||
      TOTAL_LINE.test(text.trim()) ||
      segs.some((s) => TOTAL_LINE.test(s.text) && s.bbox.x0 > page.width * 0.4 && segs.length <= 3)
    )
      break;
    const byColumn = new Map<Column, LayoutWord[]>();
    let unplaced = 0;
    const placed = placeRuns(header.columns, segs, unit);
    for (const { words: run, column } of placed) {
      if (!column) unplaced += run.length;
      else byColumn.set(column, [...(byColumn.get(column) ?? []), ...run]);
    }
    if (unplaced > words.length / 2) break;
    // A run of words with no column gap across three columns is prose under the table, not a row.
    const spread = (s: Segment) =>
      new Set(placed.filter((p) => s.words.includes(p.words[0])).map((p) => p.column)).size;
    if (segs.some((s) => isProse(s) && spread(s) >= 3)) break;
    const cells = readCells(page, byColumn);
    // One typed date column holding two dates ("18-Jun-2025 25-Jul-2025") fills from/to pairs.
    splitDatePairs(header.columns, byColumn, cells, page.page);
    lastY = Math.max(...words.map((w) => w.bbox.y1));
    if (!cells.size) {
      // Words only under columns the schema does not ask for: a note line, unless it goes on.
      if (++idle > 1) break;
      continue;
    }
    idle = 0;
    lines.push({ cells, y0, y1: lastY, text });
  }
  return groupLines(lines, textPath, fields.length, unit);
}

/**
 * Printed lines into table rows. A row is a line with typed cells (numbers, dates, codes); a line with
 * only the text column is the row's description printed above its figures (when the next line has
 * figures and no text), its wrap (close under a row with text), an item code under it, or a group
 * heading ("LIPID PANEL") — which are skipped.
 */
function groupLines(
  lines: BodyLine[],
  textPath: string | null,
  fieldCount: number,
  unit: number,
): TableRow[] {
  const out: (TableRow & { y1: number })[] = [];
  const typedCount = (l: BodyLine) => [...l.cells.keys()].filter((k) => k !== textPath).length;
  let pending: BodyLine | null = null;
  let strays = 0;
  for (const [i, line] of lines.entries()) {
    const hasText = textPath !== null && line.cells.has(textPath);
    if (typedCount(line) === 0) {
      if (!hasText) continue;
      const words = line.cells.get(textPath!)!.words;
      if (words.length === 1 && isItemCode(words[0].text)) continue;
      const next = lines[i + 1];
      if (next && typedCount(next) > 0 && !next.cells.has(textPath!) && next.y0 - line.y1 < unit * 1.6) {
        pending = pending && line.y0 - pending.y1 < unit ? joinText(pending, line, textPath!) : line;
        continue;
      }
      const prev = out[out.length - 1];
      const prevText = prev?.cells.get(textPath!);
      if (isGroupHeading(line.text, prevText ? String(prevText.value) : null)) continue;
      if (prev && prevText && line.y0 - prev.y1 < unit * 1.1) {
        const c = line.cells.get(textPath!)!;
        prevText.value = `${prevText.value} ${c.value}`;
        prevText.words = [...prevText.words, ...c.words];
        prev.y1 = line.y1;
        continue;
      }
      pending = line;
      continue;
    }
    let cells = line.cells;
    if (!hasText && pending && textPath && line.y0 - pending.y1 < unit * 1.6)
      cells = new Map([[textPath, pending.cells.get(textPath)!], ...cells]);
    pending = null;
    if (cells.size < Math.min(2, fieldCount)) {
      if (out.length && ++strays > 1) break;
      continue;
    }
    strays = 0;
    out.push({ cells, text: line.text, y1: line.y1 });
  }
  return out.map(({ cells, text }) => ({ cells, text }));
}

function joinText(a: BodyLine, b: BodyLine, path: string): BodyLine {
  const x = a.cells.get(path)!;
  const y = b.cells.get(path)!;
  const cell = { ...x, value: `${x.value} ${y.value}`, words: [...x.words, ...y.words] };
  return { ...b, y0: a.y0, cells: new Map([[path, cell]]) };
}

/** Half the line or more is labels (a row's "NPI" qualifier beside its figures is not). */
function isLabelLine(ctx: LayoutContext, segs: Segment[]): boolean {
  const printed = segs.filter((s) => /\p{L}{2}|\d/u.test(s.text));
  const labels = printed.filter((s) => ctx.labelSegments.has(s) && /\p{L}{2}/u.test(s.text));
  return labels.length > 0 && labels.length * 2 >= printed.length;
}

/** Words, not figures: a sentence run across the columns ("01 Result outside the reference interval."). */
function isProse(seg: Segment): boolean {
  const words = seg.words.filter((w) => /\p{L}{2}/u.test(w.text)).length;
  return words >= 4 && words >= seg.words.length / 2;
}

/** An item or SKU code printed under a description ("PM-RTU", "CONT-40A"): no words, just a code. */
function isItemCode(text: string): boolean {
  return /^[A-Z0-9][A-Z0-9\-_./]{2,}$/.test(text) && !/^[A-Z][a-z]/.test(text);
}

/** A caps line among mixed-case rows names a group of rows, not a row. */
function isGroupHeading(text: string, previous: string | null): boolean {
  const letters = text.replace(/[^\p{L}]/gu, '');
  if (letters.length < 3 || letters !== letters.toUpperCase()) return false;
  if (previous === null) return true;
  const prevLetters = previous.replace(/[^\p{L}]/gu, '');
  return prevLetters !== prevLetters.toUpperCase();
}

/** Symbols OCR reads a superscript footnote mark as, stuck to the word ("Glucose®!", "Lymphs°1"). */
const FOOTNOTE_TAIL = /(?<=\p{L}{2})[®°©™†‡*!?^]+\d?$/u;

/** Without trailing superscripts: short words raised above the line of the word before them. */
function withoutFootnoteMarks(ws: LayoutWord[]): LayoutWord[] {
  let end = ws.length;
  while (end > 1) {
    const [prev, w] = [ws[end - 2].bbox, ws[end - 1].bbox];
    const h = prev.y1 - prev.y0;
    if (ws[end - 1].text.length > 3 || prev.y1 - w.y1 < h * 0.3 || w.y1 - w.y0 > h * 0.95) break;
    end--;
  }
  return ws.slice(0, end);
}

function readCells(page: LayoutPage, byColumn: Map<Column, LayoutWord[]>): Map<string, Candidate> {
  const cells = new Map<string, Candidate>();
  for (const [col, ws] of byColumn) {
    if (!col.leaf) continue;
    const kind = col.leaf.kind === 'personName' || col.leaf.kind === 'orgName' ? 'text' : col.leaf.kind;
    let value: string | number | boolean | null = null;
    let used: LayoutWord[] = ws;
    if (col.leaf.kind === 'enum' && col.leaf.options) {
      value = matchOption(ws.map((w) => w.text).join(' '), col.leaf.options);
    } else if (col.leaf.kind === 'boolean') {
      const o = optionsInRow(ws, page.unit)[0];
      value = o
        ? o.checked
        : /^(y|yes|x)$/i.test(ws[0].text)
          ? true
          : /^(n|no)$/i.test(ws[0].text)
            ? false
            : null;
    } else {
      const text = TEXT_KINDS.has(col.leaf.kind);
      const body = text ? withoutFootnoteMarks(ws) : ws;
      const reading = readValue(kind, body);
      // A figure after garbage in its own cell ("AGE. 75" for "495.75") is a fragment, not the amount.
      const figure = kind === 'number' || kind === 'money';
      if (reading && !(figure && body.slice(0, reading.from).some((w) => /[\p{L}\d]/u.test(w.text)))) {
        value = text ? String(reading.value).replace(FOOTNOTE_TAIL, '') : reading.value;
        used = body.slice(reading.from, reading.to);
      }
    }
    if (value === null || value === '' || !used.length) continue;
    cells.set(col.leaf.path, {
      path: col.leaf.path,
      value,
      page: page.page,
      words: used,
      labelWords: [],
      score: 0.9 * col.quality,
      relation: 'table',
    });
  }
  return cells;
}

/**
 * A row's words to columns a cell at a time: a run of words with no column gap (cut at a ruling line the
 * OCR read as "|") is one cell, placed by its overlap with the header cells, so a
 * description wider than its centred caption stays whole. Figures, and a run over the middle of two
 * header cells (two cells the OCR joined), are placed a word at a time.
 */
function placeRuns(
  columns: Column[],
  segs: Segment[],
  unit: number,
): { words: LayoutWord[]; column: Column | null }[] {
  const out: { words: LayoutWord[]; column: Column | null }[] = [];
  for (const seg of segs) {
    for (const run of cutAtRules(seg.words)) {
      if (run.every(isSpeck)) continue;
      const box = union(run.map((w) => w.bbox));
      const centres = columns.filter((c) => {
        const mid = (c.box.x0 + c.box.x1) / 2;
        return mid > box.x0 && mid < box.x1;
      });
      // Figures are a word a cell ("00 1": the cents of a charge, then the units).
      const words = run.some((w) => /\p{L}{2}/u.test(w.text));
      if (words && run.length > 1 && centres.length < 2)
        out.push({ words: run, column: columnOf(columns, box, unit) });
      else for (const w of run) out.push({ words: [w], column: columnOf(columns, w.bbox, unit) });
    }
  }
  return out;
}

function columnOf(columns: Column[], box: BoundingBox, unit: number): Column | null {
  let best: Column | null = null;
  let bestOverlap = 0;
  for (const c of columns) {
    const o = xOverlap(c.box, box);
    if (o > bestOverlap) {
      best = c;
      bestOverlap = o;
    }
  }
  if (best) return best;
  // Free text runs on right of its left-aligned header, up to the next column's header.
  const left = columns.filter((c) => c.box.x1 <= box.x0).pop();
  const right = columns.find((c) => c.box.x0 >= box.x1);
  if (left?.leaf && TEXT_KINDS.has(left.leaf.kind) && (!right || box.x1 < right.box.x0 - unit)) return left;
  // Nothing under a header: the nearest one, if the word sits in the gap beside it.
  let nearest: Column | null = null;
  let distance = Number.POSITIVE_INFINITY;
  for (const c of columns) {
    const d = Math.max(c.box.x0 - box.x1, box.x0 - c.box.x1);
    if (d < distance) {
      nearest = c;
      distance = d;
    }
  }
  return distance < unit * 5 ? nearest : null;
}

function splitDatePairs(
  columns: Column[],
  byColumn: Map<Column, LayoutWord[]>,
  cells: Map<string, Candidate>,
  page: number,
) {
  const dateCols = columns.filter((c) => c.leaf?.kind === 'date');
  if (dateCols.length !== 2) return;
  const [a, b] = dateCols as (Column & { leaf: LeafSpec })[];
  if (cells.has(a.leaf.path) && cells.has(b.leaf.path)) return;
  const ws = byColumn.get(a) ?? byColumn.get(b);
  if (!ws) return;
  const text = ws.map((w) => w.text).join(' ');
  const dates = findDates(text);
  if (dates.length !== 2) return;
  const mk = (leaf: LeafSpec, value: string): Candidate => ({
    path: leaf.path,
    value,
    page,
    words: ws,
    labelWords: [],
    score: 0.8,
    relation: 'table',
  });
  cells.set(a.leaf.path, mk(a.leaf, dates[0].value));
  cells.set(b.leaf.path, mk(b.leaf, dates[1].value));
}

/**
 * The names stacked above a caption's role label, up to the "vs." line, a heading or a gap; the caption's
 * bracket column (")") is not a name.
 */
function namesAbove(ctx: LayoutContext, page: LayoutPage, label: Segment): LayoutWord[][] {
  const out: LayoutWord[][] = [];
  let top = label.bbox.y0;
  const above = page.segments
    .filter((s) => s.bbox.y1 <= label.bbox.y0 + 2 && s.bbox.x0 < label.bbox.x1 && s.row !== page.headerRow)
    .filter((s) => !s.words.every(isSpeck) && s.bbox.x1 < page.width * 0.62)
    .sort((a, b) => b.bbox.y0 - a.bbox.y0);
  for (const s of above) {
    if (top - s.bbox.y1 > page.unit * 3) break;
    const text = s.text.trim();
    if (/^(?:vs?\.?|versus|and)$/i.test(text) || ctx.labelSegments.has(s) || /[:]$/.test(text)) break;
    if (/\b(?:court|county|district|state of)\b/i.test(text) && text === text.toUpperCase()) break;
    if (/^(?:plaintiffs?|defendants?|petitioners?|respondents?)[,.]?$/i.test(text)) break;
    out.unshift(s.words);
    top = s.bbox.y0;
    if (out.length >= 6) break;
  }
  return out;
}

/**
 * An array of objects printed as a list, not a table: one item a line under its label ("Current
 * medications:" then "Furosemide 40 mg — Take 1 tablet by mouth every morning"), or items parted by
 * semicolons after the label or in the sentence that names them ("current medications are A 10 mg, take
 * …; B 5 mg, …."). Each item's words are split into the item's fields by their kinds.
 */
export function readItemList(ctx: LayoutContext, table: TableSpec): TableRow[] {
  if (table.columns.length < 2) return [];
  for (const hit of ctx.hits(`items:${table.path}`, table.phrases).slice(0, 10)) {
    const seg = hit.seg.seg;
    const page = ctx.page(seg.page);
    const last = hit.seg.wordOf[hit.to - 1];
    const cue = seg.words[last].text.endsWith(':')
      ? last
      : seg.words.findIndex(
          (w, i) => i > last && i <= last + 2 && /^(?:are|include[sd]?|is|:)$|:$/i.test(w.text),
        );
    if (cue < 0) continue;
    const colon = seg.words[cue].text.endsWith(':');
    const after = seg.words.slice(cue + 1);
    let items: LayoutWord[][];
    if (after.length || !colon) {
      // Items on the label's line, or in its sentence: to the sentence's end, parted at semicolons.
      const words = [...after, ...sentenceGoesOn(page, seg)];
      const end = words.findIndex((w) => /\p{L}{2}\.$/u.test(w.text) || /\d\.$/.test(w.text));
      items = partAt(end < 0 ? words : words.slice(0, end + 1), /;$/);
    } else items = linesUnder(ctx, page, seg);
    const rows = items.flatMap((ws) => {
      const cells = itemCells(table, page.page, ws, hit.quality * 0.7);
      return cells.size >= 2 ? [{ cells, text: ws.map((w) => w.text).join(' ') }] : [];
    });
    if (rows.length) return rows;
  }
  return [];
}

/**
 * Items printed as a block of labelled lines whose labels name an option of the item's enum field
 * ("Obligor (Noncustodial Parent): MARIA X. ZIELINSKI DOB 10/28/1969", "Child: …"): each line an item,
 * its label the option (none when the label names no option), its value split into the other fields.
 * A block needs two lines, one of them labelled with an option.
 */
export function readLabelledItems(ctx: LayoutContext, table: TableSpec): TableRow[] {
  const role = table.columns.find((l) => l.kind === 'enum' && l.options);
  if (!role?.options) return [];
  const rest: TableSpec = { ...table, columns: table.columns.filter((l) => l !== role) };
  const rows: TableRow[] = [];
  for (const page of ctx.pages) {
    let block: { label: Segment; option: string | null; words: LayoutWord[] }[] = [];
    const flush = () => {
      if (block.length >= 2 && block.some((l) => l.option))
        for (const line of block) {
          const cells = itemCells(rest, page.page, line.words, 0.6);
          if (!cells.size || (!line.option && cells.size < 2)) continue;
          if (line.option)
            cells.set(role.path, {
              path: role.path,
              value: line.option,
              page: page.page,
              words: line.label.words,
              labelWords: [],
              score: 0.6,
              relation: 'list',
            });
          rows.push({ cells, text: `${line.label.text} ${line.words.map((w) => w.text).join(' ')}` });
        }
      block = [];
    };
    for (const [r, ids] of page.rows.entries()) {
      const segs = ids.map((id) => page.segments[id]);
      const label = segs[0];
      const value = segs.slice(1).flatMap((x) => x.words);
      if (!label || !/:$/.test(label.text.trim()) || !value.length || label.words.length > 5) {
        flush();
        continue;
      }
      const previous = block[block.length - 1]?.label;
      if (
        previous &&
        (previous.row !== r - 1 || Math.abs(previous.bbox.x0 - label.bbox.x0) > page.unit * 1.5)
      )
        flush();
      const name = label.text
        .replace(/\([^)]*\)/g, ' ')
        .replace(/:\s*$/, '')
        .trim()
        .toLowerCase();
      const option =
        role.options.find((o) => o.toLowerCase() === name || `${o.toLowerCase()}s` === name) ?? null;
      block.push({ label, option, words: value });
    }
    flush();
  }
  return rows.length >= 2 ? rows : [];
}

/** The lines a paragraph runs on to under a segment: left-aligned with it and close below. */
function sentenceGoesOn(page: LayoutPage, seg: Segment): LayoutWord[] {
  const out: LayoutWord[] = [];
  let lastY = seg.bbox.y1;
  for (const s of page.segments) {
    if (s.bbox.y0 <= seg.bbox.y0 + 2 || Math.abs(s.bbox.x0 - seg.bbox.x0) > page.unit * 2) continue;
    if (s.bbox.y0 - lastY > page.unit * 1.2) break;
    out.push(...s.words);
    lastY = s.bbox.y1;
    if (out.length > 80) break;
  }
  return out;
}

/** One item a line under a label, until a gap, another label or a line that ends in a colon. */
function linesUnder(ctx: LayoutContext, page: LayoutPage, label: Segment): LayoutWord[][] {
  const out: LayoutWord[][] = [];
  let lastY = label.bbox.y1;
  for (const s of page.segments) {
    if (s.bbox.y0 < label.bbox.y1 - 2 || s.row === label.row) continue;
    if (s.bbox.x0 < label.bbox.x0 - page.unit * 2 || s.bbox.x0 > label.bbox.x0 + page.unit * 6) continue;
    if (s.bbox.y0 - lastY > page.unit * 2.2) break;
    if (ctx.labelSegments.has(s) || /:$/.test(s.text.trim()) || /^\p{L}+:/u.test(s.words[0].text)) break;
    out.push(BULLET.test(s.words[0].text) ? s.words.slice(1) : s.words);
    lastY = s.bbox.y1;
    if (out.length > 30) break;
  }
  return out.filter((ws) => ws.length);
}

function partAt(words: LayoutWord[], end: RegExp): LayoutWord[][] {
  const parts: LayoutWord[][] = [[]];
  for (const w of words) {
    parts[parts.length - 1].push(w);
    if (end.test(w.text)) parts.push([]);
  }
  return parts.filter((p) => p.length);
}

/** A strength or amount with its unit: "40 mg", "90 mcg/act", "100 units/mL", "0.5%". */
const MEASURE = /^\d+(?:[.,]\d+)?(?:\/\d+)?(?:\s?(?:[a-zµ]{1,6}(?:\/[a-z]{1,5})?|%))$/i;
const MEASURE_UNIT = /^(?:[a-zµ]{1,6}(?:\/[a-z]{1,5})?|%)[,;]?$/i;
/** A column named for a strength or dose, or whose description's example is a measure ("e.g. 20 mg"). */
const isMeasureColumn = (leaf: LeafSpec) =>
  TEXT_KINDS.has(leaf.kind) &&
  (/\b(?:dose|dosage|strength)\b/i.test(splitFieldName(leaf.name).join(' ')) ||
    /e\.g\.?,?\s*\d+(?:\.\d+)?\s?(?:[a-zµ]{1,6}(?:\/[a-z]{1,5})?|%)(?![\w/])/i.test(
      leaf.field.description ?? '',
    ));

/**
 * An item's words into its fields: typed fields (dates, numbers, phones) where their values print, a
 * measure to its column, and the text around them, parted at dashes and at the measure, to the text
 * fields in schema order. Text left over with no field to take it makes the item unread.
 */
function itemCells(
  table: TableSpec,
  page: number,
  words: LayoutWord[],
  score: number,
): Map<string, Candidate> {
  const cells = new Map<string, Candidate>();
  const used = new Set<LayoutWord>();
  const put = (leaf: LeafSpec, ws: LayoutWord[], value: string | number) => {
    for (const w of ws) used.add(w);
    cells.set(leaf.path, {
      path: leaf.path,
      value,
      page,
      words: ws,
      labelWords: [],
      score,
      relation: 'list',
    });
  };
  for (const leaf of table.columns) {
    if (TEXT_KINDS.has(leaf.kind) || leaf.kind === 'enum' || leaf.kind === 'boolean') continue;
    for (let i = 0; i < words.length; i++) {
      const r = readValue(leaf.kind, words.slice(i));
      const ws = r?.from === 0 ? words.slice(i, i + r.to) : [];
      if (!r || !ws.length || ws.some((w) => used.has(w))) continue;
      put(leaf, ws, r.value as string | number);
      // Its label printed before it inside the item ("DOB 10/28/1969") is no one's value.
      for (const n of [2, 1]) {
        const label = words.slice(Math.max(0, i - n), i);
        const toks = tokens(label.map((w) => w.text).join(' '));
        if (
          label.length === n &&
          leaf.phrases.some((p) => p.tokens.length === toks.length && matchRange(toks, 0, p.tokens))
        )
          for (const w of label) used.add(w);
      }
      break;
    }
  }
  const texts = table.columns.filter((l) => TEXT_KINDS.has(l.kind) && !isMeasureColumn(l));
  const measure = table.columns.find(isMeasureColumn);
  // Parts of the remaining words: cut at typed values, at a measure and at a spaced dash.
  const parts: LayoutWord[][] = [[]];
  const cut = () => {
    if (parts[parts.length - 1].length) parts.push([]);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (used.has(w) || /^[—–-]$/.test(w.text)) {
      cut();
      continue;
    }
    const two = words[i + 1] ? `${w.text} ${words[i + 1].text}` : '';
    const m = measure && !cells.has(measure.path) && /^\d/.test(w.text);
    if (m && MEASURE.test(w.text.replace(/[,;]$/, ''))) {
      cut();
      put(measure, [w], w.text.replace(/[,;]$/, ''));
      continue;
    }
    if (m && words[i + 1] && MEASURE_UNIT.test(words[i + 1].text) && MEASURE.test(two.replace(/[,;]$/, ''))) {
      cut();
      put(measure, [w, words[i + 1]], two.replace(/[,;]$/, ''));
      i++;
      continue;
    }
    parts[parts.length - 1].push(w);
  }
  const textParts = parts
    .map((p) =>
      trimValue(p.map((w) => w.text).join(' '))
        .replace(/^[,;:]\s*|[,;.]$/g, '')
        .trim(),
    )
    .map((text, k) => ({ text, words: parts[k] }))
    .filter((p) => /\p{L}{2}/u.test(p.text));
  if (textParts.length > texts.length) return new Map();
  for (const [k, p] of textParts.entries()) put(texts[k], p.words, p.text);
  return cells;
}

const BULLET = /^(?:[-•*▪◦]|\d{1,2}[.)])$/;
const NOTHING = /^(?:none\b|n\/?a\b|nil\b|nkda\b|no known\b|not applicable\b)/i;

/** A scalar array after its label: comma-separated on the label's line, else one item per line below. */
export function readList(ctx: LayoutContext, leaf: LeafSpec): Candidate[] | null {
  const typed = [
    'icd10',
    'code',
    'year',
    'date',
    'phone',
    'email',
    'number',
    'money',
    'npi',
    'identifier',
  ].includes(leaf.kind);
  if (leaf.options) return readTickedList(ctx, leaf);
  for (const hit of ctx.hits(leaf.path, leaf.phrases).slice(0, 10)) {
    const page = ctx.page(hit.seg.seg.page);
    const seg = hit.seg.seg;
    const after = seg.words.slice(hit.seg.wordOf[hit.to - 1] + 1);
    // "Allergies: aspirin.": one short item after a colon is the whole list.
    const colon = seg.words[hit.seg.wordOf[hit.to - 1]].text.endsWith(':');
    const region: LayoutWord[][] = [];
    const inline = after.map((w) => w.text).join(' ');
    // "Allergies: none", "NKDA", "no known drug allergies": the list is printed empty.
    if (!typed && NOTHING.test(inline)) return null;
    // A role printed under its names, as court captions do ("KEYSTONE AUTO SALES, CO., / Plaintiff,").
    if (!typed && !after.length && /[,.]$/.test(seg.text.trim()) && hit.from === 0) {
      const named = namesAbove(ctx, page, seg);
      if (named.length)
        return named.map((ws) =>
          item(leaf, page.page, ws, trimValue(ws.map((w) => w.text).join(' ')), hit.quality * 0.75),
        );
      continue;
    }
    if (after.length) region.push(after);
    // Lines under the label (and beside it), until a gap, a heading or another label.
    let lastY = seg.bbox.y1;
    for (const s of page.segments) {
      if (s.bbox.y0 < seg.bbox.y1 - 2 || s.row === seg.row) continue;
      if (s.bbox.x0 < seg.bbox.x0 - page.unit * 2 || s.bbox.x0 > seg.bbox.x1 + page.unit * 30) continue;
      if (s.bbox.y0 - lastY > page.unit * 2.2) break;
      if (ctx.labelSegments.has(s) && !typed) break;
      // Under a list already begun on the label's line, only bulleted lines go on with it; sentences never.
      const bulleted = BULLET.test(s.words[0].text);
      if (!typed && ((after.length && !bulleted) || (!bulleted && s.words.length > 14))) break;
      region.push(s.words);
      lastY = s.bbox.y1;
      if (region.length > 30) break;
    }
    const items: Candidate[] = [];
    for (const ws of region) {
      if (typed) {
        for (let i = 0; i < ws.length; i++) {
          const r = readValue(leaf.kind, ws.slice(i));
          if (r && r.from === 0) {
            items.push(item(leaf, page.page, ws.slice(i, i + r.to), r.value, hit.quality * 0.9));
            i += r.to - 1;
          }
        }
        continue;
      }
      // Text items: bullets or numbering mark one per line; commas split a single line.
      const text = ws.map((w) => w.text).join(' ');
      const bullet = BULLET.test(ws[0].text);
      const body = bullet ? ws.slice(1) : ws;
      if (!body.length) continue;
      if (region.length === 1 && /[,;]/.test(text)) {
        let current: LayoutWord[] = [];
        for (const w of body) {
          current.push(w);
          if (/[,;]$/.test(w.text)) {
            items.push(
              item(
                leaf,
                page.page,
                current,
                current
                  .map((x) => x.text)
                  .join(' ')
                  .replace(/[,;]$/, ''),
                hit.quality * 0.75,
              ),
            );
            current = [];
          }
        }
        if (current.length)
          items.push(
            item(
              leaf,
              page.page,
              current,
              current
                .map((x) => x.text)
                .join(' ')
                .replace(/[.]$/, ''),
              hit.quality * 0.75,
            ),
          );
      } else if (bullet || region.length > 1 || (colon && ws === after && ws.length <= 4)) {
        items.push(
          item(
            leaf,
            page.page,
            body,
            body
              .map((x) => x.text)
              .join(' ')
              .replace(/[.;]$/, ''),
            hit.quality * 0.7,
          ),
        );
      }
    }
    if (items.length) return items;
  }
  return introducedList(ctx, leaf);
}

/**
 * A bulleted or numbered list a letter introduces with a sentence naming the field and ending in a colon
 * ("please provide the following documents …:" for `documentsRequested`).
 */
function introducedList(ctx: LayoutContext, leaf: LeafSpec): Candidate[] | null {
  const nouns = splitFieldName(leaf.name).filter((w) => w.length >= 4);
  if (!nouns.length) return null;
  for (const page of ctx.pages) {
    const segs = page.segments;
    for (const [i, seg] of segs.entries()) {
      if (!/:$/.test(seg.text.trim())) continue;
      const sentence = tokens([segs[i - 1]?.text ?? '', seg.text].join(' '));
      if (
        !nouns.some((n) => sentence.some((t) => tokenMatches(t, n) || tokenMatches(t, n.replace(/s$/, ''))))
      )
        continue;
      const items: Candidate[] = [];
      let lastY = seg.bbox.y1;
      for (const s of segs.slice(i + 1)) {
        if (s.bbox.y0 - lastY > page.unit * 2.2 || !BULLET.test(s.words[0].text) || s.words.length < 2) break;
        const body = s.words.slice(1);
        const value = body
          .map((w) => w.text)
          .join(' ')
          .replace(/[.;]$/, '');
        items.push(item(leaf, page.page, body, value, 0.75));
        lastY = s.bbox.y1;
      }
      if (items.length >= 2) return items;
    }
  }
  return null;
}

function readTickedList(ctx: LayoutContext, leaf: LeafSpec): Candidate[] | null {
  const items: Candidate[] = [];
  const seen = new Set<string>();
  for (const page of ctx.pages) {
    for (const ids of page.rows) {
      const options = optionsInRow(
        ids.flatMap((id) => page.segments[id].words),
        page.unit,
      );
      for (const o of options) {
        if (!o.checked) continue;
        const v = matchOption(o.text, leaf.options!);
        if (!v || seen.has(v)) continue;
        seen.add(v);
        items.push(item(leaf, page.page, [o.mark, ...o.words], v, 0.8));
      }
    }
  }
  return items.length ? items : null;
}

function item(
  leaf: LeafSpec,
  page: number,
  words: LayoutWord[],
  value: string | number | boolean,
  score: number,
): Candidate {
  return { path: leaf.path, value, page, words, labelWords: [], score, relation: 'list' };
}
