// Label matrices: objects of one shape side by side (year to date / prior year; patient / insured) printed
// as a grid, column headings across naming the objects and row labels down naming their fields (or the
// other way round). A field's value is at the intersection of its row and its column, never the next column's.

import type { LeafSpec, SchemaPlan, ScopeSpec } from './layout-fields.ts';
import type { Candidate, LabelHit, LayoutContext } from './layout-reader.ts';
import { readValue } from './layout-values.ts';
import { centreY, type LayoutWord, type Segment } from './page-layout.ts';

interface Axis {
  key: string;
  phrases: ScopeSpec['phrases'];
}

/** Two or more sibling objects sharing two or more field names: the shape a matrix prints. */
interface MatrixSpec {
  objects: ScopeSpec[];
  fields: string[];
  leaf: (object: number, field: number) => LeafSpec;
}

export function matrixSpecs(plan: SchemaPlan): MatrixSpec[] {
  const byParent = new Map<string, ScopeSpec[]>();
  for (const s of plan.sections) {
    if (plan.tables.some((t) => t.path === s.path || s.path.startsWith(`${t.path}[]`))) continue;
    const parent = s.path.includes('.') ? s.path.slice(0, s.path.lastIndexOf('.')) : '';
    byParent.set(parent, [...(byParent.get(parent) ?? []), s]);
  }
  const leafAt = new Map(plan.leaves.map((l) => [l.path, l]));
  const out: MatrixSpec[] = [];
  for (const siblings of byParent.values()) {
    if (siblings.length < 2) continue;
    const namesOf = (s: ScopeSpec) =>
      plan.leaves.filter((l) => l.path === `${s.path}.${l.name}`).map((l) => l.name);
    const shared = namesOf(siblings[0]).filter((n) => siblings.every((s) => namesOf(s).includes(n)));
    if (shared.length < 2) continue;
    out.push({
      objects: siblings,
      fields: shared,
      leaf: (o, f) => leafAt.get(`${siblings[o].path}.${shared[f]}`)!,
    });
  }
  return out;
}

/** Candidates read at the intersections of every matrix the pages print for the plan's sibling objects. */
export function readMatrices(ctx: LayoutContext, plan: SchemaPlan): Candidate[] {
  const out: Candidate[] = [];
  for (const spec of matrixSpecs(plan)) {
    const objects: Axis[] = spec.objects.map((o) => ({ key: `matrix:${o.path}`, phrases: o.phrases }));
    const fields: Axis[] = spec.fields.map((_, f) => {
      const leaf = spec.leaf(0, f);
      return { key: leaf.path, phrases: leaf.phrases };
    });
    // Objects across and fields down, or fields across and objects down.
    out.push(...readGrid(ctx, objects, fields, (a, d) => spec.leaf(a, d)));
    out.push(...readGrid(ctx, fields, objects, (a, d) => spec.leaf(d, a)));
  }
  return out;
}

interface Placed {
  hit: LabelHit;
  index: number;
}

function readGrid(
  ctx: LayoutContext,
  across: Axis[],
  down: Axis[],
  leafOf: (a: number, d: number) => LeafSpec,
): Candidate[] {
  const out: Candidate[] = [];
  const wholeHits = (axis: Axis) =>
    ctx.hits(axis.key, axis.phrases).filter((h) => covers(h) && h.quality >= 0.7);
  const acrossHits = across.map(wholeHits);
  for (const first of acrossHits.flat()) {
    const page = ctx.page(first.seg.seg.page);
    const unit = page.unit;
    const y = first.seg.seg.bbox.y0;
    // One heading per object on the same line, left to right, each a different one.
    const heads: Placed[] = [];
    for (const [index, hits] of acrossHits.entries()) {
      // Of two headings for one object ("Past Year 2024", "Past Year 2023") the first is the nearer one.
      const h = hits
        .filter((x) => x.seg.seg.page === page.page && Math.abs(x.seg.seg.bbox.y0 - y) < unit * 0.8)
        .sort((a, b) => b.quality - a.quality || a.seg.seg.bbox.x0 - b.seg.seg.bbox.x0)[0];
      if (h && !heads.some((p) => p.hit.seg === h.seg)) heads.push({ hit: h, index });
    }
    if (heads.length < 2 || heads[0].hit !== first) continue;
    heads.sort((a, b) => a.hit.seg.seg.bbox.x0 - b.hit.seg.seg.bbox.x0);
    const headBottom = Math.max(...heads.map((h) => h.hit.seg.seg.bbox.y1));
    // Every caption printed on the headings' line is a column, asked for or not.
    const band = page.segments
      .filter((s) => Math.abs(s.bbox.y0 - y) < unit * 0.8)
      .sort((a, b) => a.bbox.x0 - b.bbox.x0);
    const leftmost = heads[0].hit.seg.seg.bbox.x0;
    // Row labels: below the headings, left of the first column, within a screenful of lines.
    const rows: Placed[] = [];
    for (const [index, axis] of down.entries()) {
      const h = wholeHits(axis)
        .filter(
          (x) =>
            x.seg.seg.page === page.page &&
            x.seg.seg.bbox.y0 > headBottom - unit * 0.3 &&
            x.seg.seg.bbox.y0 - headBottom < unit * 30 &&
            x.seg.seg.bbox.x1 <= leftmost + unit,
        )
        .sort((a, b) => a.seg.seg.bbox.y0 - b.seg.seg.bbox.y0)[0];
      if (h) rows.push({ hit: h, index });
    }
    if (rows.length < 2) continue;
    rows.sort((a, b) => a.hit.seg.seg.bbox.y0 - b.hit.seg.seg.bbox.y0);
    for (const [r, row] of rows.entries()) {
      const box = row.hit.seg.seg.bbox;
      const next = rows[r + 1]?.hit.seg.seg.bbox.y0 ?? Number.POSITIVE_INFINITY;
      const y0 = box.y0 - unit * 0.3;
      const y1 = Math.min(next - 1, box.y1 + unit * 2);
      const inRow = page.segments
        .filter(
          (s) =>
            s !== row.hit.seg.seg &&
            !ctx.labelSegments.has(s) &&
            centreY(s.bbox) >= y0 &&
            centreY(s.bbox) < y1,
        )
        .flatMap((s) => s.words)
        .filter((w) => w.bbox.x0 > box.x1 - 2);
      for (const head of heads) {
        const words = inRow.filter((w) => columnOf(w, band) === head.hit.seg.seg);
        if (!words.length) continue;
        const leaf = leafOf(head.index, row.index);
        const reading = readValue(leaf.kind, words);
        if (!reading) continue;
        out.push({
          path: leaf.path,
          value: reading.value,
          page: page.page,
          words: words.slice(reading.from, reading.to),
          labelWords: row.hit.seg.seg.words,
          score: Math.min(row.hit.quality, head.hit.quality) * reading.fit * 0.97,
          relation: 'table',
        });
      }
    }
  }
  return out;
}

/**
 * The caption a word sits under: the one its box overlaps when that is one, else the last caption that
 * starts left of the word's centre (a boxed form prints captions at the left of their boxes and figures
 * at the right).
 */
function columnOf(w: LayoutWord, band: Segment[]): Segment | null {
  const over = band.filter((s) => s.bbox.x0 < w.bbox.x1 && s.bbox.x1 > w.bbox.x0);
  if (over.length === 1) return over[0];
  if (over.length > 1) return null;
  const cx = (w.bbox.x0 + w.bbox.x1) / 2;
  return band.filter((s) => s.bbox.x0 <= cx).at(-1) ?? null;
}

/** A heading or row label printed on its own: the phrase covers most of its segment's words. */
function covers(h: LabelHit): boolean {
  const content = h.seg.toks.filter((t) => !/^\d+$/.test(t)).length;
  return h.to - h.from >= content * 0.5;
}
