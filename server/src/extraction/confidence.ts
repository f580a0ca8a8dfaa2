// Raw layout scores mapped to calibrated confidence: the share of dev-set fields at that score that were
// right. The table is fitted by `npm run calibrate:extract` (server/bench/calibrate-extract.ts) with
// isotonic regression on the blind corpus's development set only, and committed here as code.

// [raw score upper bound, calibrated confidence], ascending. Regenerate; do not edit by hand.
export const CALIBRATION: readonly (readonly [number, number])[] = [
  [0.193, 0.077],
  [0.229, 0.087],
  [0.251, 0.091],
  [0.263, 0.125],
  [0.283, 0.133],
  [0.392, 0.398],
  [0.422, 0.533],
  [0.491, 0.547],
  [0.684, 0.591],
  [0.687, 0.686],
  [0.768, 0.712],
  [0.782, 0.73],
  [0.8, 0.783],
  [0.812, 0.855],
  [0.93, 0.883],
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
