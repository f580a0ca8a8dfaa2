// The pool of DIDs (phone numbers bought from a carrier) that partner numbers are drawn from.
// Released DIDs rest in quarantine before reuse so the previous owner's callers fade out.

import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import { areaCodeOf, parseUsNumber } from './e164.ts';

export type DidStatus = 'available' | 'assigned' | 'quarantined' | 'disabled';

export interface Did {
  id: string;
  e164: string;
  areaCode: string;
  status: DidStatus;
  quarantinedUntil: string | null;
  trunkId: string | null;
  source: string;
  createdAt: string;
}

interface DidRow {
  id: string;
  e164: string;
  area_code: string;
  status: DidStatus;
  quarantined_until: string | null;
  trunk_id: string | null;
  source: string;
  created_at: string;
}

const toDid = (r: DidRow): Did => ({
  id: r.id,
  e164: r.e164,
  areaCode: r.area_code,
  status: r.status,
  quarantinedUntil: r.quarantined_until,
  trunkId: r.trunk_id,
  source: r.source,
  createdAt: r.created_at,
});

/** Fictional numbers (NANP reserves 555-0100…0199) so provisioning works before a trunk exists. */
export const DEMO_AREA_CODES = ['212', '312', '415', '617', '737'];

export interface DidImportResult {
  imported: number;
  skipped: { line: number; value: string; reason: string }[];
}

// A DID is free when it was never assigned or its quarantine has ended.
const FREE = `(status = 'available' OR (status = 'quarantined' AND quarantined_until <= @now))`;

export class DidPool {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  seedDemo(): number {
    const count = (this.db.prepare('SELECT COUNT(*) AS n FROM dids').get() as { n: number }).n;
    if (count > 0) return 0;
    const numbers = DEMO_AREA_CODES.flatMap((area) =>
      Array.from({ length: 100 }, (_, i) => `+1${area}55501${String(i).padStart(2, '0')}`),
    );
    return this.add(numbers, 'demo');
  }

  /** Imports a CSV whose first column is a US number in any common format; a header row is allowed. */
  importCsv(csv: string, source = 'import'): DidImportResult {
    const skipped: DidImportResult['skipped'] = [];
    const numbers: string[] = [];
    csv.split(/\r?\n/).forEach((line, index) => {
      const value = line.split(',')[0]?.trim().replace(/^"|"$/g, '') ?? '';
      if (value === '' || (index === 0 && /[a-z]/i.test(value))) return;
      const e164 = parseUsNumber(value);
      if (!e164) skipped.push({ line: index + 1, value, reason: 'not a valid US number' });
      else numbers.push(e164);
    });
    const before = (this.db.prepare('SELECT COUNT(*) AS n FROM dids').get() as { n: number }).n;
    this.add(numbers, source);
    const after = (this.db.prepare('SELECT COUNT(*) AS n FROM dids').get() as { n: number }).n;
    const imported = after - before;
    const duplicates = numbers.length - imported;
    if (duplicates > 0)
      skipped.push({ line: 0, value: `${duplicates} numbers`, reason: 'already in the pool' });
    return { imported, skipped };
  }

  private add(numbers: string[], source: string): number {
    const insert = this.db.prepare(
      `INSERT INTO dids (id, e164, area_code, status, source, created_at)
       VALUES (?, ?, ?, 'available', ?, ?) ON CONFLICT (e164) DO NOTHING`,
    );
    const now = this.clock.now().toISOString();
    return this.db.transaction(() =>
      numbers.reduce(
        (n, e164) => n + insert.run(newId('did'), e164, areaCodeOf(e164), source, now).changes,
        0,
      ),
    )();
  }

  /** Takes one free DID (in `areaCode` when given) and marks it assigned. Call inside a transaction. */
  claim(areaCode?: string): Did | null {
    const area = areaCode ? 'AND area_code = @areaCode' : '';
    // Never-used DIDs first; then those whose quarantine ended longest ago.
    const row = (this.db
      .prepare(`SELECT * FROM dids WHERE status = 'available' ${area} ORDER BY e164 LIMIT 1`)
      .get({ areaCode }) ??
      this.db
        .prepare(
          `SELECT * FROM dids WHERE status = 'quarantined' AND quarantined_until <= @now ${area}
           ORDER BY quarantined_until LIMIT 1`,
        )
        .get({ areaCode, now: this.clock.now().toISOString() })) as DidRow | undefined;
    if (!row) return null;
    this.db.prepare("UPDATE dids SET status = 'assigned', quarantined_until = NULL WHERE id = ?").run(row.id);
    return { ...toDid(row), status: 'assigned', quarantinedUntil: null };
  }

  quarantine(didId: string, until: Date): void {
    this.db
      .prepare("UPDATE dids SET status = 'quarantined', quarantined_until = ? WHERE id = ?")
      .run(until.toISOString(), didId);
  }

  /** Area codes that still have free DIDs, with how many. */
  stock(): { areaCode: string; available: number }[] {
    return this.db
      .prepare(
        `SELECT area_code AS areaCode, COUNT(*) AS available FROM dids WHERE ${FREE} GROUP BY area_code ORDER BY area_code`,
      )
      .all({ now: this.clock.now().toISOString() }) as { areaCode: string; available: number }[];
  }

  list(status?: DidStatus, limit = 200, after?: string): Did[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM dids WHERE (@status IS NULL OR status = @status) AND (@after IS NULL OR e164 > @after)
         ORDER BY e164 LIMIT @limit`,
      )
      .all({ status: status ?? null, after: after ?? null, limit }) as DidRow[];
    return rows.map(toDid);
  }

  byE164(e164: string): Did | null {
    const row = this.db.prepare('SELECT * FROM dids WHERE e164 = ?').get(e164) as DidRow | undefined;
    return row ? toDid(row) : null;
  }
}
