// Arrays read off the page: tables for arrays of objects (a header row naming two or more of the item's
// fields, its columns followed down until a total line, a heading or a gap; again after each page break
// where the header repeats), and lists for arrays of scalars (after their label, on its line or below).

import type { BoundingBox } from '../ocr/ocr-result.ts';
import { matchOption, optionsInRow } from './choice-marks.ts';
import type { LeafSpec, TableSpec } from './layout-fields.ts';
import type { Candidate, LayoutContext } from './layout-reader.ts';
import { readValue } from './layout-values.ts';
import { type LayoutPage, type LayoutWord, type Segment, xOverlap } from './page-layout.ts';
import { findDates } from './value-patterns.ts';

export interface TableRow {
  cells: Map<string, Candidate>;
}

interface Column {
  leaf: LeafSpec;
  box: BoundingBox;
  quality: number;
}

const TOTAL_LINE =
  /^(?:sub\s*-?total|total|balance|amount due|tax|sales tax|payments?|credits?|grand total|invoice total|previous balance)\b/i;

/** Every row of every occurrence of the table's header, in page order. */
export function readTable(ctx: LayoutContext, table: TableSpec): TableRow[] {
  const rows: TableRow[] = [];
  const seen = new Set<string>();
  for (const page of ctx.pages) {
    const headerRows = findHeaders(ctx, page, table);
    for (const header of headerRows) {
      for (const row of readRows(page, header)) {
        const key = [...row.cells.entries()].map(([k, c]) => `${k}=${c.value}`).join('|');
        if (seen.has(`${page.page}:${key}`)) continue;
        seen.add(`${page.page}:${key}`);
        rows.push(row);
      }
    }
  }
  return rows;
}

function findHeaders(
  ctx: LayoutContext,
  page: LayoutPage,
  table: TableSpec,
): { columns: Column[]; bottom: number; row: number }[] {
  const found: { columns: Column[]; bottom: number; row: number }[] = [];
  const pageIndex = ctx.pages.indexOf(page);
  const segTokens = ctx.segTokens[pageIndex];
  for (let r = 0; r < page.rows.length; r++) {
    if (r === page.headerRow) continue;
    // A header may wrap over two or three stacked lines ("CPT / HCPCS", "Units / Visits").
    const band = page.rows[r].map((id) => page.segments[id]);
    const top = band[0]?.bbox.y0 ?? 0;
    for (let k = r + 1; k < page.rows.length && k <= r + 2; k++) {
      const next = page.rows[k].map((id) => page.segments[id]);
      if (next[0] && next[0].bbox.y0 - top < page.unit * 2.2) band.push(...next);
    }
    if (!page.rows[r].length) continue;
    const columns: Column[] = [];
    for (const leaf of table.columns) {
      let best: { seg: Segment; quality: number } | null = null;
      for (const seg of band) {
        const st = segTokens[seg.id];
        for (const phrase of leaf.phrases) {
          if (phrase.tokens.length > st.toks.length) continue;
          for (let from = 0; from + phrase.tokens.length <= st.toks.length; from++) {
            // A header cell is (nearly) all label.
            const m = matchRange(st.toks, from, phrase.tokens);
            if (!m) continue;
            const coverage = phrase.tokens.length / st.toks.filter((t) => t !== '#').length;
            const q = m * phrase.weight * (coverage >= 0.99 ? 1 : coverage >= 0.5 ? 0.85 : 0);
            if (q > (best?.quality ?? 0.6)) best = { seg, quality: q };
          }
        }
      }
      if (best && !columns.some((c) => c.box === best!.seg.bbox))
        columns.push({ leaf, box: best.seg.bbox, quality: best.quality });
    }
    if (columns.length < Math.min(2, table.columns.length)) continue;
    // The header must be the first line of its band, not a later line already used.
    if (found.some((f) => f.row >= r - 2 && f.row <= r)) continue;
    const bottom = Math.max(...columns.map((c) => c.box.y1));
    found.push({ columns: columns.sort((a, b) => a.box.x0 - b.box.x0), bottom, row: r });
  }
  return found;
}

function matchRange(toks: string[], from: number, want: string[]): number {
  let q = 1;
  for (let i = 0; i < want.length; i++) {
    const t = toks[from + i];
    if (t !== want[i]) {
      if (!t || t.length < 4 || want[i].length < 4 || t.slice(0, 4) !== want[i].slice(0, 4)) return 0;
      q *= 0.9;
    }
  }
  return q;
}

function readRows(page: LayoutPage, header: { columns: Column[]; bottom: number; row: number }): TableRow[] {
  const out: TableRow[] = [];
  const unit = page.unit;
  let lastY = header.bottom;
  const textLeaf = header.columns.find((c) => ['text', 'orgName', 'personName'].includes(c.leaf.kind));
  for (let r = header.row; r < page.rows.length; r++) {
    const segs = page.rows[r].map((id) => page.segments[id]);
    if (!segs.length) continue;
    if (segs[0].bbox.y1 <= header.bottom + 2) {
      continue;
    }
    const y0 = Math.min(...segs.map((s) => s.bbox.y0));
    if (y0 - lastY > unit * (out.length ? 3.2 : 4.5)) break;
    const text = segs.map((s) => s.text).join(' ');
    if (
      TOTAL_LINE.test(text.trim()) ||
      segs.some((s) => TOTAL_LINE.test(s.text) && s.bbox.x0 > page.width * 0.4 && segs.length <= 3)
    )
      break;
    const words = segs.flatMap((s) => s.words);
    const byColumn = new Map<Column, LayoutWord[]>();
    let unplaced = 0;
    for (const w of words) {
      const col = columnOf(header.columns, w.bbox, unit);
      if (!col) {
        unplaced++;
        continue;
      }
      byColumn.set(col, [...(byColumn.get(col) ?? []), w]);
    }
    if (unplaced > words.length / 2) break;
    const cells = new Map<string, Candidate>();
    for (const [col, ws] of byColumn) {
      const kind = col.leaf.kind === 'personName' || col.leaf.kind === 'orgName' ? 'text' : col.leaf.kind;
      let value: string | number | boolean | null = null;
      let used: LayoutWord[] = ws;
      if (col.leaf.kind === 'enum' && col.leaf.options) {
        value = matchOption(ws.map((w) => w.text).join(' '), col.leaf.options);
      } else if (col.leaf.kind === 'boolean') {
        const o = optionsInRow(ws, unit)[0];
        value = o
          ? o.checked
          : /^(y|yes|x)$/i.test(ws[0].text)
            ? true
            : /^(n|no)$/i.test(ws[0].text)
              ? false
              : null;
      } else {
        const reading = readValue(kind, ws);
        if (reading) {
          value = reading.value;
          used = ws.slice(reading.from, reading.to);
        }
      }
      if (value === null || !used.length) continue;
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
    if (!cells.size) break;
    lastY = Math.max(...segs.map((s) => s.bbox.y1));
    // A wrapped description: only the text column has words, under the previous row.
    const prev = out[out.length - 1];
    if (
      prev &&
      textLeaf &&
      cells.size === 1 &&
      cells.has(textLeaf.leaf.path) &&
      prev.cells.has(textLeaf.leaf.path)
    ) {
      const p = prev.cells.get(textLeaf.leaf.path)!;
      p.value = `${p.value} ${cells.get(textLeaf.leaf.path)!.value}`;
      p.words = [...p.words, ...cells.get(textLeaf.leaf.path)!.words];
      continue;
    }
    // One typed date column holding two dates ("18-Jun-2025 25-Jul-2025") fills from/to pairs.
    splitDatePairs(header.columns, byColumn, cells, page.page);
    if (cells.size < Math.min(2, header.columns.length)) {
      if (out.length) break;
      continue;
    }
    out.push({ cells });
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
  const dateCols = columns.filter((c) => c.leaf.kind === 'date');
  if (dateCols.length !== 2) return;
  const [a, b] = dateCols;
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
    const region: LayoutWord[][] = [];
    if (after.length) region.push(after);
    // Lines under the label (and beside it), until a gap, a heading or another label.
    let lastY = seg.bbox.y1;
    for (const s of page.segments) {
      if (s.bbox.y0 < seg.bbox.y1 - 2 || s.row === seg.row) continue;
      if (s.bbox.x0 < seg.bbox.x0 - page.unit * 2 || s.bbox.x0 > seg.bbox.x1 + page.unit * 30) continue;
      if (s.bbox.y0 - lastY > page.unit * 2.2) break;
      if (ctx.labelSegments.has(s) && !typed) break;
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
      const bullet = /^(?:[-•*▪◦]|\d{1,2}[.)])$/.test(ws[0].text);
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
      } else if (bullet || region.length > 1) {
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
