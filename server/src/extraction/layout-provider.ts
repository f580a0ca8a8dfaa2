// The default extractor: schema-guided reading of the page geometry (layout-reader.ts for labelled
// values and tick boxes, layout-tables.ts for tables and lists, letter-conventions.ts for letters), every
// value grounded in the OCR text, each field's confidence calibrated, and a per-fax time budget after
// which what was found so far is returned.

import type { OcrPage } from '../ocr/ocr-result.ts';
import { calibratedConfidence } from './confidence.ts';
import { readDescribedFields } from './described-fields.ts';
import type { ExtractionProvider, ExtractionRequest, ExtractionResult } from './extraction-provider.ts';
import type { ExtractionSchema } from './extraction-schema.ts';
import { groundExtraction, type ValueHint } from './grounding.ts';
import { readMatrices } from './label-matrix.ts';
import { planSchema } from './layout-fields.ts';
import { LayoutPool } from './layout-pool.ts';
import { type Candidate, LayoutContext } from './layout-reader.ts';
import { readItemList, readLabelledItems, readList, readTable, type TableRow } from './layout-tables.ts';
import { readLetterFields, readProseFields } from './letter-conventions.ts';
import { OcrDocument } from './ocr-document.ts';
import { layoutDocument } from './page-layout.ts';
import { readRepeatedSections } from './repeated-sections.ts';
import { needsReviewPaths } from './review.ts';

/** The per-fax time budget when none is configured (FAXSEAL_EXTRACTION_BUDGET_MS). */
export const DEFAULT_BUDGET_MS = 4000;

export function createLayoutProvider(options: { budgetMs?: number } = {}): ExtractionProvider {
  const pool = new LayoutPool();
  return {
    name: 'layout',
    async extract(request: ExtractionRequest): Promise<ExtractionResult> {
      request.signal?.throwIfAborted();
      const { data, evidence, needsReview } = await pool.read(request.schema, request.pages, {
        budgetMs: request.budgetMs ?? options.budgetMs ?? DEFAULT_BUDGET_MS,
        reviewThreshold: request.reviewThreshold,
        signal: request.signal,
      });
      return { data, evidence, needsReview, provider: 'layout' };
    },
    close: () => pool.close(),
  };
}

export interface LayoutExtraction extends Pick<ExtractionResult, 'data' | 'evidence' | 'needsReview'> {
  /** The time budget ran out: later pages or fields were not read. */
  incomplete: boolean;
  /** The raw reading per field path, for the hybrid's comparison with a model. */
  candidates: Map<string, Candidate>;
  /** Raw score per grounded field path, before calibration (the calibration script fits on these). */
  rawScores: Map<string, number>;
}

/**
 * What the reader saw for each field, for the bench's error analysis (`bench:extract -- --explain`):
 * label hits and candidates per scalar path, header and row counts per table, and the values that
 * grounding or the confidence cut removed.
 */
export interface LayoutTrace {
  fields: Map<string, { hits: number; candidates: Candidate[] }>;
  tables: Map<string, { rows: number }>;
  lists: Map<string, { items: number }>;
  /** Scalar paths whose chosen value did not survive, and why. */
  dropped: Map<string, 'grounding' | 'confidence'>;
}

export function emptyTrace(): LayoutTrace {
  return { fields: new Map(), tables: new Map(), lists: new Map(), dropped: new Map() };
}

/** Synchronous core, shared by the hybrid provider and the benches. */
export function extractWithLayout(
  schema: ExtractionSchema,
  pages: OcrPage[],
  options: {
    budgetMs?: number;
    reviewThreshold?: number;
    /** The raw-score → confidence map (tests and the calibration script pass their own). */
    calibration?: readonly (readonly [number, number])[];
    trace?: LayoutTrace;
  } = {},
): LayoutExtraction {
  const deadline = performance.now() + (options.budgetMs ?? DEFAULT_BUDGET_MS);
  const doc = new OcrDocument(pages);
  const plan = planSchema(schema);
  // Pages are laid out in order until the budget is half spent; reading the fields takes the rest.
  const layouts = [];
  let incomplete = false;
  for (const page of layoutDocument(doc)) {
    layouts.push(page);
    if (performance.now() > deadline - (options.budgetMs ?? DEFAULT_BUDGET_MS) / 2) {
      incomplete = layouts.length < doc.pages.length;
      break;
    }
  }
  const ctx = new LayoutContext(layouts, plan);
  const chosen = new Map<string, Candidate>();
  const used = new Set<string>();
  const wordKey = (c: Candidate) => c.words.map((w) => `${c.page}:${w.index}`);

  // Scalars: every candidate of every field, best first; a field takes the best whose words are free.
  const all: Candidate[] = [];
  // Bounded by the pages laid out: the budget stops layout of further pages, not the fields of these.
  for (const leaf of plan.leaves) {
    const found = [...ctx.candidates(leaf), ...ctx.unlabelledChoices(leaf)];
    options.trace?.fields.set(leaf.path, {
      hits: ctx.hits(leaf.path, leaf.phrases).length,
      candidates: found,
    });
    all.push(...found);
  }
  for (const c of [
    ...readMatrices(ctx, plan),
    ...readLetterFields(ctx, plan),
    ...readProseFields(ctx, plan),
    ...readDescribedFields(ctx, plan),
  ]) {
    options.trace?.fields.get(c.path)?.candidates.push(c);
    all.push(c);
  }
  all.sort((a, b) => b.score - a.score);
  for (const c of all) {
    if (chosen.has(c.path)) continue;
    const keys = wordKey(c);
    if (c.relation !== 'tick' && keys.some((k) => used.has(k))) continue;
    chosen.set(c.path, c);
    if (c.relation !== 'tick') for (const k of keys) used.add(k);
  }

  const data: Record<string, unknown> = {};
  const hints = new Map<string, ValueHint>();
  const scores = new Map<string, number>();
  const hintFor = (c: Candidate): ValueHint | null => {
    const words = c.relation === 'tick' ? [...c.labelWords, ...c.words] : c.words;
    const offsets = words.filter((w) => w.start !== null && w.end !== null);
    if (!offsets.length) return null;
    return {
      page: c.page,
      start: Math.min(...offsets.map((w) => w.start!)),
      end: Math.max(...offsets.map((w) => w.end!)),
    };
  };
  const record = (path: string, c: Candidate) => {
    setPath(data, path, c.value);
    const hint = hintFor(c);
    if (hint) hints.set(path, hint);
    scores.set(path, c.score);
  };
  for (const [path, c] of chosen) record(path, c);

  if (performance.now() < deadline) {
    for (const table of plan.tables) {
      // A table's rows, or its items printed as repeated blocks: whichever reads more of the item.
      const tableRows = readTable(ctx, table);
      const blockRows = readRepeatedSections(ctx, table);
      const cellsOf = (rows: TableRow[]) => rows.reduce((n, r) => n + r.cells.size, 0);
      let rows = cellsOf(blockRows) > cellsOf(tableRows) ? blockRows : tableRows;
      if (!rows.length) rows = readItemList(ctx, table);
      if (!rows.length) rows = readLabelledItems(ctx, table);
      options.trace?.tables.set(table.path, { rows: rows.length });
      for (const [i, row] of rows.entries())
        for (const [colPath, c] of row.cells)
          record(`${table.path}[${i}]${colPath.slice(table.path.length + 2)}`, c);
    }
    for (const list of plan.lists) {
      const items = readList(ctx, list);
      options.trace?.lists.set(list.path, { items: items?.length ?? 0 });
      for (const [i, c] of (items ?? []).entries()) record(`${list.path}[${i}]`, c);
    }
  } else incomplete = true;

  const grounded = groundExtraction(schema, data, doc, hints);
  for (const path of chosen.keys())
    if (!grounded.evidence[path]) options.trace?.dropped.set(path, 'grounding');
  const rawScores = new Map<string, number>();
  for (const [path, ev] of Object.entries(grounded.evidence)) {
    // The reading's score, lowered where the OCR was unsure of the words or only matched them folded.
    const raw = (scores.get(path) ?? 0.5) * (0.5 + ev.confidence / 2);
    rawScores.set(path, raw);
    ev.confidence = calibratedConfidence(raw, options.calibration);
  }
  // Readings the calibration says are more often wrong than right are left out: null beats a wrong value.
  for (const [path, ev] of Object.entries(grounded.evidence)) {
    if (ev.confidence >= MIN_CONFIDENCE || options.calibration || path.includes('[')) continue;
    clearPath(grounded.data, path);
    delete grounded.evidence[path];
    options.trace?.dropped.set(path, 'confidence');
  }
  const needsReview = needsReviewPaths(schema, grounded, {
    threshold: options.reviewThreshold,
    incomplete,
    unreadable: pages.every((p) => p.words.length === 0),
  });
  return { ...grounded, needsReview, incomplete, candidates: chosen, rawScores };
}

/** Below this calibrated confidence a reading is dropped (its field stays null). */
export const MIN_CONFIDENCE = 0.5;

/** Nulls one leaf (an array item that loses its last value is removed by the next conform). */
function clearPath(root: Record<string, unknown>, path: string): void {
  const parts = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let node: unknown = root;
  for (const part of parts.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<string, unknown>)[part.startsWith('[') ? Number(part.slice(1, -1)) : part];
  }
  const last = parts[parts.length - 1];
  if (node && typeof node === 'object')
    (node as Record<string, unknown>)[last.startsWith('[') ? Number(last.slice(1, -1)) : last] = null;
}

/** Sets `a.b[2].c` in a plain object tree, creating objects and arrays on the way. */
function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let node: Record<string, unknown> | unknown[] = root;
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const key: string | number = part.startsWith('[') ? Number(part.slice(1, -1)) : part;
    const nextIsIndex = parts[i + 1]?.startsWith('[');
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    container[key] ??= nextIsIndex ? [] : {};
    node = container[key] as Record<string, unknown>;
  });
}
