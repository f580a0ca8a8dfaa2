// Raw layout scores mapped to calibrated confidence: the share of dev-set fields at that score that were
// right. The table is fitted by `npm run calibrate:extract` (server/bench/calibrate-extract.ts) with
// isotonic regression on the blind corpus's development set only, and committed here as code.

// [raw score upper bound, calibrated confidence], ascending. Regenerate; do not edit by hand.
export const CALIBRATION: readonly (readonly [number, number])[] = [
  [0.249, 0.076],
  [0.284, 0.147],
  [0.311, 0.19],
  [0.393, 0.23],
  [0.397, 0.269],
  [0.419, 0.405],
  [0.491, 0.458],
  [0.506, 0.529],
  [0.665, 0.592],
  [0.684, 0.629],
  [0.793, 0.701],
  [0.799, 0.758],
  [0.812, 0.831],
  [0.828, 0.863],
  [0.936, 0.884],
  [1, 1],
];

/** The calibrated confidence of a raw score (0–1): the precision of the table step it falls in. */
export function calibratedConfidence(
  raw: number,
  table: readonly (readonly [number, number])[] = CALIBRATION,
): number {
  const x = Math.max(0, Math.min(1, raw));
  if (!table.length) return round(x);
  for (const [bound, value] of table) if (x <= bound) return value;
  return table[table.length - 1][1];
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
