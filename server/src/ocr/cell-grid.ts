// The cells of a page's ruled tables and boxed forms, found from its ruling lines: every closed
// area the rules fence in. OCR reads each cell on its own crop, so a cell's text never fuses with
// its neighbour's across the rule between them, and tables come out as rows of cells.

import { type Bitmap, getPixel } from '../documents/bitmap.ts';
import type { BoundingBox } from './ocr-result.ts';
import type { RulingLine } from './ruling-lines.ts';

export interface Cell {
  /** The area between the cell's rules (their pixels excluded), pixels of the page. */
  bbox: BoundingBox;
  /** The cell's label in `CellMap.labels`. */
  label: number;
}

/** The page's free space cut by its rules: which grid square belongs to which cell. */
export interface CellMap {
  cells: Cell[];
  /** Grid step, pixels: square (x, y) of the page is `labels[(y / step) * columns + x / step]`. */
  step: number;
  columns: number;
  /** A cell's label per grid square; -1 for rules and for space that is no cell. */
  labels: Int32Array;
}

export interface CellTable {
  bbox: BoundingBox;
  /** Rows top to bottom, each row's cells left to right (indices into the cells given). */
  rows: number[][];
}

/** Limits on what counts as a cell, in inches unless said otherwise. */
const CELL = {
  /** Smallest cell: narrower or shorter areas are the gap between double rules. */
  minWidth: 0.15,
  minHeight: 0.12,
  /**
   * Share of its bounding box a cell's area fills: an L-shaped area is a layout, not a cell. Loose
   * enough for a wide cell on a page skewed by a degree (a parallelogram in its box).
   */
  minFill: 0.6,
  /** Share of the page's area above which the area is the page around the form, not a cell. */
  maxPageShare: 0.3,
  /**
   * A rule at least this share of the page's length is a scanner streak or the page's edge, not a
   * box edge: fax streaks run the whole length of the scan, and forms keep a margin.
   */
  streakShare: 0.9,
  /**
   * Share of a rule's length along which ink touches it on one side, above which it is the tops or
   * feet of a line of bold letters (runs of pixels as long as a rule), not a rule.
   */
  maxTouching: 0.25,
};

/** Grid step of the free-space map, pixels: fine enough for a cell's margin, coarse enough to be quick. */
const STEP = 2;

/**
 * The closed areas the ruling lines fence in on `page`. `cleaned` is the page with its rule pixels
 * cleared (`findRulingLines`), so a rule left skewed stays a thin stepped line; `rules` are the
 * rules found, of which the streaks and the letter edges are left out. Free space is mapped on a
 * coarse grid with the rules drawn in (thickened a grid square, which closes corners that nearly
 * meet); each connected area that does not reach the page's edge and is close to a rectangle is a
 * cell.
 */
export function findCells(page: Bitmap, cleaned: Bitmap, rules: readonly RulingLine[], dpi: number): CellMap {
  const { width, height } = page;
  const gw = Math.ceil(width / STEP);
  const gh = Math.ceil(height / STEP);
  const ink = new Uint8Array(gw * gh);
  for (const { bbox: b } of boxRules(rules, width, height).filter((r) => !letterEdge(page, r))) {
    for (let y = b.y0; y < b.y1; y++) {
      for (let x = b.x0; x < b.x1; x++) {
        if (getPixel(page, x, y) && !getPixel(cleaned, x, y))
          ink[((y / STEP) | 0) * gw + ((x / STEP) | 0)] = 1;
      }
    }
  }
  // Thickened by one square: a rule's break of a pixel or two, or a corner just short, still closes.
  const blocked = new Uint8Array(gw * gh);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      if (!ink[y * gw + x]) continue;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [nx, ny] = [x + dx, y + dy];
          if (nx >= 0 && ny >= 0 && nx < gw && ny < gh) blocked[ny * gw + nx] = 1;
        }
      }
    }
  }

  const labels = new Int32Array(gw * gh).fill(-1);
  const visited = new Uint8Array(gw * gh);
  const cells: Cell[] = [];
  const stack: number[] = [];
  const area: number[] = [];
  const minW = (CELL.minWidth * dpi) / STEP;
  const minH = (CELL.minHeight * dpi) / STEP;
  for (let start = 0; start < gw * gh; start++) {
    if (blocked[start] || visited[start]) continue;
    // Flood one free area (4-connected), keeping its squares and extent.
    let [x0, y0, x1, y1, edge] = [gw, gh, -1, -1, false];
    area.length = 0;
    visited[start] = 1;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % gw;
      const y = (i - x) / gw;
      area.push(i);
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      if (x === 0 || y === 0 || x === gw - 1 || y === gh - 1) edge = true;
      const next = [
        x > 0 ? i - 1 : -1,
        x < gw - 1 ? i + 1 : -1,
        y > 0 ? i - gw : -1,
        y < gh - 1 ? i + gw : -1,
      ];
      for (const n of next) {
        if (n >= 0 && !blocked[n] && !visited[n]) {
          visited[n] = 1;
          stack.push(n);
        }
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (edge || w < minW || h < minH) continue;
    if (area.length / (w * h) < CELL.minFill || w * h > CELL.maxPageShare * gw * gh) continue;
    const label = cells.length;
    for (const i of area) labels[i] = label;
    cells.push({
      label,
      bbox: {
        x0: x0 * STEP,
        y0: y0 * STEP,
        x1: Math.min(width, (x1 + 1) * STEP),
        y1: Math.min(height, (y1 + 1) * STEP),
      },
    });
  }
  return { cells, step: STEP, columns: gw, labels };
}

/** The rules that can be box edges: not the streaks and page edges that run the page's length. */
export function boxRules(rules: readonly RulingLine[], width: number, height: number): RulingLine[] {
  return rules.filter(({ orientation, bbox }) =>
    orientation === 'horizontal'
      ? bbox.x1 - bbox.x0 < CELL.streakShare * width
      : bbox.y1 - bbox.y0 < CELL.streakShare * height,
  );
}

/**
 * Whether a "rule" is the tops or feet of a line of letters: ink touches it just above or just
 * below along much of its length (stems), where a rule has white space on both sides.
 */
function letterEdge(page: Bitmap, { orientation, bbox: b }: RulingLine): boolean {
  const horizontal = orientation === 'horizontal';
  const [from, to] = horizontal ? [b.x0, b.x1] : [b.y0, b.y1];
  let before = 0;
  let after = 0;
  for (let p = from; p < to; p++) {
    if (horizontal ? getPixel(page, p, b.y0 - 1) : getPixel(page, b.x0 - 1, p)) before++;
    if (horizontal ? getPixel(page, p, b.y1) : getPixel(page, b.x1, p)) after++;
  }
  return Math.max(before, after) > CELL.maxTouching * (to - from);
}

/**
 * Cells that share rules grouped into tables: cells touch when only a rule lies between them.
 * A table is a group with at least two rows and two cells in one row; its rows are the cells whose
 * tops line up (within `slack` pixels), left to right.
 */
export function groupTables(cells: readonly Pick<Cell, 'bbox'>[], slack: number): CellTable[] {
  const parent = cells.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i];
    return i;
  };
  for (let i = 0; i < cells.length; i++) {
    for (let j = i + 1; j < cells.length; j++) {
      if (touching(cells[i].bbox, cells[j].bbox, slack)) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < cells.length; i++) {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), i]);
  }
  const tables: CellTable[] = [];
  for (const members of groups.values()) {
    const rows: number[][] = [];
    for (const i of [...members].sort((a, b) => cells[a].bbox.y0 - cells[b].bbox.y0)) {
      const row = rows.find((r) => Math.abs(cells[r[0]].bbox.y0 - cells[i].bbox.y0) <= slack);
      if (row) row.push(i);
      else rows.push([i]);
    }
    if (rows.length < 2 || rows.every((r) => r.length < 2)) continue;
    for (const row of rows) row.sort((a, b) => cells[a].bbox.x0 - cells[b].bbox.x0);
    const boxes = members.map((i) => cells[i].bbox);
    tables.push({
      bbox: {
        x0: Math.min(...boxes.map((b) => b.x0)),
        y0: Math.min(...boxes.map((b) => b.y0)),
        x1: Math.max(...boxes.map((b) => b.x1)),
        y1: Math.max(...boxes.map((b) => b.y1)),
      },
      rows,
    });
  }
  return tables.sort((a, b) => a.bbox.y0 - b.bbox.y0 || a.bbox.x0 - b.bbox.x0);
}

/** Whether two cells face each other across one rule: a gap no wider than `slack` and an overlap along it. */
function touching(a: BoundingBox, b: BoundingBox, slack: number): boolean {
  const overlapX = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const overlapY = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  const gapX = Math.max(a.x0, b.x0) - Math.min(a.x1, b.x1);
  const gapY = Math.max(a.y0, b.y0) - Math.min(a.y1, b.y1);
  return (overlapY > 0 && gapX >= 0 && gapX <= slack) || (overlapX > 0 && gapY >= 0 && gapY <= slack);
}
