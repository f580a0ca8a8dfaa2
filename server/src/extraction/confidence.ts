// Raw layout scores mapped to calibrated confidence: the share of dev-set fields at that score that were
// right. The table is fitted by `npm run calibrate:extract` (server/bench/calibrate-extract.ts) with
// isotonic regression on the blind corpus's development set only, and committed here as code.

// [raw score upper bound, calibrated confidence], ascending. Regenerate; do not edit by hand.
export const CALIBRATION: readonly (readonly [number, number])[] = [];

/** The calibrated confidence of a raw score (0–1), interpolated between the table's steps. */
export function calibratedConfidence(raw: number, table: readonly (readonly [number, number])[] = CALIBRATION): number {
  const x = Math.max(0, Math.min(1, raw));
  if (!table.length) return round(x);
  let prevX = 0;
  let prevY = Math.min(table[0][1], x);
  for (const [bound, value] of table) {
    if (x <= bound) {
      const t = bound === prevX ? 1 : (x - prevX) / (bound - prevX);
      return round(prevY + (value - prevY) * t);
    }
    prevX = bound;
    prevY = value;
  }
  return round(prevY);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
