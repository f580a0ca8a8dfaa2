// Raw layout scores mapped to calibrated confidence: the share of dev-set fields at that score that were
// right. The table is fitted by `npm run calibrate:extract` (server/bench/calibrate-extract.ts) with
// isotonic regression on the blind corpus's development set only, and committed here as code.

// [raw score upper bound, calibrated confidence], ascending. Regenerate; do not edit by hand.
export const CALIBRATION: readonly (readonly [number, number])[] = [
  [0.248, 0.098],
  [0.282, 0.154],
  [0.385, 0.234],
  [0.402, 0.348],
  [0.418, 0.53],
  [0.44, 0.53],
  [0.534, 0.567],
  [0.679, 0.683],
  [0.765, 0.746],
  [0.767, 0.861],
  [0.9, 0.901],
  [0.93, 0.923],
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
