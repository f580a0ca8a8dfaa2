// Raw layout scores mapped to calibrated confidence: the share of dev-set fields at that score that were
// right. The table is fitted by `npm run calibrate:extract` (server/bench/calibrate-extract.ts) with
// isotonic regression on the blind corpus's development set only, and committed here as code.

// [raw score upper bound, calibrated confidence], ascending. Regenerate; do not edit by hand.
export const CALIBRATION: readonly (readonly [number, number])[] = [
  [0.248, 0.104],
  [0.282, 0.148],
  [0.385, 0.283],
  [0.402, 0.372],
  [0.421, 0.484],
  [0.44, 0.508],
  [0.507, 0.513],
  [0.7, 0.515],
  [0.765, 0.725],
  [0.9, 0.796],
  [0.93, 0.813],
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
