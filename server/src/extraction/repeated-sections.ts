// Arrays of objects printed as repeated blocks rather than table rows ("PARENT / GUARDIAN 1 … 2",
// "Dependent #1 … #2", or the same "Name: … DOB: … Relationship:" labels again further down): each
// block is one item, read with the labelled-value reader inside the block's region, blocks in page order.

import type { LeafSpec, TableSpec } from './layout-fields.ts';
import { type Candidate, isAncestorPath, type LabelHit, type LayoutContext } from './layout-reader.ts';
import type { TableRow } from './layout-tables.ts';
import { centreY } from './page-layout.ts';

/** A block of the page that holds one item: from its heading or first label down to the next block. */
export interface ItemBlock {
  page: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** One item per repeated block of the array's labels, in page order; empty when the page has none. */
export function readRepeatedSections(ctx: LayoutContext, table: TableSpec): TableRow[] {
  const blocks = headedBlocks(ctx, table) ?? labelledBlocks(ctx, table);
  if (!blocks) return [];
  const perLeaf = new Map<LeafSpec, Candidate[]>();
  for (const leaf of table.columns)
    perLeaf.set(
      leaf,
      ctx.candidates(leaf).filter((c) => c.relation !== 'above'),
    );
  const used = new Set<string>();
  const items: TableRow[] = [];
  for (const block of blocks) {
    const inBlock: Candidate[] = [];
    for (const leaf of table.columns)
      for (const c of perLeaf.get(leaf) ?? []) if (within(c, block)) inBlock.push(c);
    inBlock.sort((a, b) => b.score - a.score);
    const cells = new Map<string, Candidate>();
    const taken = new Set<string>();
    for (const c of inBlock) {
      if (cells.has(c.path)) continue;
      const keys = c.words.map((w) => `${c.page}:${w.index}`);
      if (c.relation !== 'tick' && keys.some((k) => taken.has(k) || used.has(k))) continue;
      cells.set(c.path, c);
      if (c.relation !== 'tick') for (const k of keys) taken.add(k);
    }
    // One stray label is no item: a block must fill two of the item's fields (one of a one-field item).
    if (cells.size < Math.min(2, table.columns.length)) continue;
    for (const k of taken) used.add(k);
    items.push({ cells, text: '' });
  }
  return items.length ? items : [];
}

/** Whether a candidate's label and value both sit inside the block. */
function within(c: Candidate, block: ItemBlock): boolean {
  if (c.page !== block.page) return false;
  const inside = (b: { x0: number; y0: number; x1: number; y1: number }) => {
    const cy = centreY(b);
    return cy >= block.y0 && cy < block.y1 && b.x0 >= block.x0 - 2 && b.x0 < block.x1;
  };
  const label = c.labelWords[0]?.bbox;
  return (!label || inside(label)) && c.words.every((w) => inside(w.bbox));
}

/**
 * Blocks under the headings that name the array ("GUARDIAN 1", "Dependent 2"): two or more such headings.
 * A block runs from its heading to the next one; the last is as tall as the one before it (repeated
 * blocks repeat one layout), ended sooner by another object's heading or the page's foot.
 */
function headedBlocks(ctx: LayoutContext, table: TableSpec): ItemBlock[] | null {
  const heads = ctx.sections
    .filter((s) => s.scope.path === table.path)
    .sort((a, b) => a.page - b.page || a.region.y0 - b.region.y0 || a.region.x0 - b.region.x0);
  if (heads.length < 2) return null;
  return stackBlocks(
    ctx,
    table,
    heads.map((s) => ({ page: s.page, y: s.region.y0, x0: s.region.x0, x1: s.region.x1 })),
  );
}

/**
 * Blocks started by one of the item's labels printed again and again down the page ("Name:" once per
 * dependent): the label that repeats and prints first anchors each block.
 */
function labelledBlocks(ctx: LayoutContext, table: TableSpec): ItemBlock[] | null {
  let best: Anchor[] | null = null;
  for (const leaf of table.columns) {
    const anchors = ctx
      .hits(leaf.path, leaf.phrases)
      .filter((h) => h.quality >= 0.8 && isPrintedLabel(ctx, h) && ctx.scopeScore(leaf, h) >= 0.5)
      .map((h) => ({ page: h.seg.seg.page, y: h.seg.seg.bbox.y0 - 2, row: h.seg.seg.row }))
      .filter((a, i, all) => all.findIndex((b) => b.page === a.page && b.row === a.row) === i)
      .sort((a, b) => a.page - b.page || a.y - b.y)
      .map(({ page, y }) => ({ page, y, x0: 0, x1: ctx.page(page).width }));
    if (anchors.length < 2) continue;
    const [first] = anchors;
    if (!best || first.page < best[0].page || (first.page === best[0].page && first.y < best[0].y))
      best = anchors;
  }
  return best && stackBlocks(ctx, table, best);
}

/** A label that stands as one: its own segment (a caption) or a key ending in a colon ("Name: …"). */
function isPrintedLabel(ctx: LayoutContext, hit: LabelHit): boolean {
  if (ctx.labelSegments.has(hit.seg.seg)) return true;
  const last = hit.seg.seg.words[hit.seg.wordOf[hit.to - 1]];
  return hit.seg.wordOf[hit.from] <= 1 && /:/.test(last?.text ?? '');
}

interface Anchor {
  page: number;
  y: number;
  x0: number;
  x1: number;
}

/** Each anchor's block: down to the next anchor; the last one as tall as its predecessor. */
function stackBlocks(ctx: LayoutContext, table: TableSpec, anchors: Anchor[]): ItemBlock[] {
  return anchors.map((a, i) => {
    const page = ctx.page(a.page);
    // Another object's heading below ends the block ("EMERGENCY CONTACTS" after the last guardian).
    const foreign = ctx.sections
      .filter(
        (s) =>
          s.page === a.page &&
          s.scope.path !== table.path &&
          !isAncestorPath(s.scope.path, table.path) &&
          s.region.y0 > a.y + page.unit &&
          s.region.x0 < a.x1 &&
          s.region.x1 > a.x0,
      )
      .map((s) => s.region.y0 - 1);
    const next = anchors[i + 1];
    const prev = anchors[i - 1];
    let y1 = page.height;
    if (next && next.page === a.page) y1 = next.y - 1;
    else if (prev && prev.page === a.page) y1 = a.y + (a.y - prev.y);
    y1 = Math.min(y1, page.height, ...foreign);
    return { page: a.page, x0: a.x0, y0: a.y, x1: a.x1, y1 };
  });
}
