// How forms lay text out, read from OCR lines: cells separated by wide gaps, printed labels and where
// they sit, section headers ("PATIENT INFORMATION") and the lines each section spans.

import { labelPattern, splitLabel } from './field-labels.ts';
import type { OcrDocument, TextLine } from './ocr-document.ts';

export interface Cell {
  /** Offsets within the line's text. */
  start: number;
  end: number;
  text: string;
}

/** Cells of a line: runs of text separated by 2+ spaces, tabs or a spaced pipe. */
export function splitCells(line: string): Cell[] {
  const cells: Cell[] = [];
  const re = /\S(?:.*?\S)??(?=\s{2,}|\t|\s\|\s|\s*$)/g;
  for (const m of line.matchAll(re)) {
    const text = m[0].replace(/^\|\s*/, '');
    if (!text || text === '|') continue;
    const start = (m.index ?? 0) + (m[0].length - text.length);
    cells.push({ start, end: start + text.length, text });
  }
  return cells;
}

export interface LabelHit {
  line: TextLine;
  /** Offsets within the line. */
  start: number;
  end: number;
  cell: Cell;
  cellIndex: number;
  cells: Cell[];
  /** A ':' / '#' / '-' follows the label, or the label fills its cell: it is printed as a key. */
  keyed: boolean;
  /** Line offset where the value may start (after separators). */
  valueStart: number;
}

const compiled = new Map<string, RegExp>();

/** The compiled (global, case-insensitive) regex of a label phrase; reset `lastIndex` or use matchAll. */
export function labelRegex(label: string): RegExp {
  let re = compiled.get(label);
  if (!re) {
    re = new RegExp(labelPattern(label), 'gi');
    compiled.set(label, re);
  }
  return re;
}

// Bullets, numbering and tick boxes may precede a label in its cell.
const LEAD = /^(?:[-•*]\s+|\d{1,2}[.)]\s+|[[(]\s*[xX✓✔]?\s*[\])]\s*|[☒☑☐□■]\s*)*/;

/**
 * Where `label` is printed as a key in `line`: at the start of a cell, or mid-line when followed by
 * a colon (single-spaced forms: "Patient: Jane Smith DOB: 03/14/1985").
 */
export function findLabel(line: TextLine, label: string): LabelHit[] {
  const hits: LabelHit[] = [];
  const cells = splitCells(line.text);
  const re = labelRegex(label);
  re.lastIndex = 0;
  for (const m of line.text.matchAll(re)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    const cellIndex = cells.findIndex((c) => start >= c.start && start < c.end);
    if (cellIndex < 0) continue;
    const cell = cells[cellIndex];
    const lead = LEAD.exec(cell.text)?.[0].length ?? 0;
    const atCellStart = start === cell.start + lead;
    const sep = /^\s*[:#=–-]+\s*/.exec(line.text.slice(end, cell.end));
    const fillsCell = end === cell.end || /^\s*[:#]?\s*$/.test(line.text.slice(end, cell.end));
    const precededByKeyBoundary = /(^|[\s,;|])$/.test(line.text.slice(0, start));
    if (!atCellStart && !(sep?.[0].includes(':') && precededByKeyBoundary)) continue;
    hits.push({
      line,
      start,
      end,
      cell,
      cellIndex,
      cells,
      keyed: Boolean(sep) || fillsCell,
      valueStart: end + (sep?.[0].length ?? /^\s*/.exec(line.text.slice(end))![0].length),
    });
  }
  return hits;
}

const HEADER_SUFFIX = /\b(information|info|details|data|section|demographics)\b/g;

/** A line that names a section rather than carrying a value: short, no digits, caps or a trailing colon. */
export function isHeaderLike(text: string): boolean {
  const t = text.trim();
  if (!t || /\d/.test(t) || t.split(/\s+/).length > 6) return false;
  const core = t.replace(/[:\-=_*]+$/, '').trim();
  if (!core || core.includes(':')) return false;
  return /:\s*$/.test(t) || (core === core.toUpperCase() && /[A-Z]{3}/.test(core));
}

/** Lines of the section whose header names one of `labels` (e.g. "REFERRING PROVIDER:"), per occurrence. */
export function findSections(doc: OcrDocument, labels: string[]): TextLine[][] {
  const wanted = new Set(labels.map((l) => l.replace(/\s+/g, '')));
  const sections: TextLine[][] = [];
  doc.lines.forEach((line, i) => {
    if (!isHeaderLike(line.text) && splitCells(line.text).length !== 1) return;
    const core = splitLabel(line.text).replace(HEADER_SUFFIX, '').replace(/\s+/g, '');
    // "ATTORNEY FOR PLAINTIFF" opens the attorney section too.
    if (
      !core ||
      ![...wanted].some((w) => core === w || (core.startsWith(w) && /^(for|of)/.test(core.slice(w.length))))
    )
      return;
    if (!isHeaderLike(line.text) && !/:\s*$/.test(line.text)) return;
    const body: TextLine[] = [];
    for (let j = i + 1; j < doc.lines.length && doc.lines[j].page === line.page; j++) {
      const next = doc.lines[j];
      if (isHeaderLike(next.text) && splitCells(next.text).length === 1) break;
      // A blank line followed by a blank line (or page end) closes a section on loosely formatted faxes.
      if (!next.text.trim() && !doc.lines[j + 1]?.text.trim()) break;
      body.push(next);
    }
    sections.push(body);
  });
  return sections;
}
