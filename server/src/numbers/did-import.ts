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
  return dids.addAvailable(numbers, 'demo');
}

/** Imports a CSV whose first column is a US number; bad rows and numbers already pooled are reported. */
export function importDidCsv(dids: DidRepository, csv: string, source = 'import'): DidImportResult {
  const skipped: DidImportResult['skipped'] = [];
  const numbers: string[] = [];
  csv.split(/\r?\n/).forEach((line, index) => {
    const value = line.split(',')[0]?.trim().replace(/^"|"$/g, '') ?? '';
    if (value === '' || (index === 0 && /[a-z]/i.test(value))) return;
    const e164 = parseUsNumber(value);
    if (!e164) skipped.push({ line: index + 1, value, reason: 'not a valid US number' });
    else numbers.push(e164);
  });
  const imported = dids.addAvailable(numbers, source);
  const duplicates = numbers.length - imported;
  if (duplicates > 0)
    skipped.push({ line: 0, value: `${duplicates} numbers`, reason: 'already in the pool' });
  return { imported, skipped };
}
