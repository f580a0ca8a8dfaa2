// Filling the DID pool: the operator's CSV import (US numbers in any common format, a header row
// allowed) and the fictional demo numbers a fresh appliance starts with.

import type { DidRepository } from './did-repository.ts';
import type { DidImportResult } from './did-schema.ts';
import { parseUsNumber } from './e164.ts';

/** Fictional numbers (NANP reserves 555-0100…0199) so provisioning works before a trunk exists. */
export const DEMO_AREA_CODES = ['212', '312', '415', '617', '737'];

/** Seeds an empty pool with 100 demo numbers per demo area code; returns how many were added. */
export function seedDemoDids(dids: DidRepository): number {
  if (dids.count() > 0) return 0;
  const numbers = DEMO_AREA_CODES.flatMap((area) =>
    Array.from({ length: 100 }, (_, i) => `+1${area}55501${String(i).padStart(2, '0')}`),
  );
  return dids.addAvailable(numbers, 'demo').size;
}

/**
 * Imports a CSV whose first column is a US number. Every line not imported is reported with its
 * number: not a US number, a repeat of an earlier line, or already in the pool.
 */
export function importDidCsv(dids: DidRepository, csv: string, source = 'import'): DidImportResult {
  const skipped: DidImportResult['skipped'] = [];
  const firstLine = new Map<string, number>();
  const rows: { line: number; value: string; e164: string }[] = [];
  csv.split(/\r?\n/).forEach((text, index) => {
    const value = text.split(',')[0]?.trim().replace(/^"|"$/g, '') ?? '';
    if (value === '' || (index === 0 && /[a-z]/i.test(value))) return;
    const line = index + 1;
    const e164 = parseUsNumber(value);
    const earlier = e164 ? firstLine.get(e164) : undefined;
    if (!e164) skipped.push({ line, value, reason: 'not a valid US number' });
    else if (earlier) skipped.push({ line, value, reason: `repeats line ${earlier}` });
    else {
      firstLine.set(e164, line);
      rows.push({ line, value, e164 });
    }
  });
  const added = dids.addAvailable(
    rows.map((r) => r.e164),
    source,
  );
  for (const r of rows)
    if (!added.has(r.e164)) skipped.push({ line: r.line, value: r.value, reason: 'already in the pool' });
  skipped.sort((a, b) => a.line - b.line);
  return { imported: added.size, skipped };
}
