// Error analysis for `npm run bench:extract -- --explain`: every scored field of a layout extraction
// put in one bucket (right; value not in the page text; label not found; label found but no value or
// the wrong one; value misread; dropped by grounding or the confidence cut; a table or list missed; a
// value where the truth is null), then counted per family for OCR and exact text.

import type { SchemaField } from '../../scripts/fixtures/blind-corpus/family.ts';
import { type FieldResult, findableIn, valuesEqual } from '../../scripts/fixtures/blind-corpus/score.ts';
import type { ExtractionSchema } from '../src/extraction/extraction-schema.ts';
import type { LayoutTrace } from '../src/extraction/layout-provider.ts';
import type { Candidate } from '../src/extraction/layout-reader.ts';

export const BUCKETS = [
  ['right', 'right'],
  ['absent', 'value not in the page text'],
  ['no-label', 'label not found'],
  ['no-value', 'label found, no value read'],
  ['taken', "value's words taken by another field"],
  ['outscored', 'right value read, a wrong one scored higher'],
  ['misread', 'value in the words read, wrongly parsed or cut'],
  ['wrong-words', 'label found, the wrong words associated'],
  ['cut-right', 'right value dropped by the confidence cut'],
  ['ground-right', 'right value dropped by grounding'],
  ['cut-wrong', 'wrong value dropped by the confidence cut'],
  ['no-table', 'table or list not found'],
  ['row-missed', 'table row or list item missed'],
  ['cell-wrong', 'table cell or list item wrong'],
  ['false-pos', 'value where the truth is null'],
] as const;
export type Bucket = (typeof BUCKETS)[number][0];

export interface ExplainedField {
  path: string;
  bucket: Bucket;
  truth: unknown;
  predicted: unknown;
}

/** The schema field a scorer path names (`lines[0].amount`, `codes[]`, `patient.name`). */
function fieldAt(schema: ExtractionSchema, path: string): SchemaField | null {
  let fields: Record<string, SchemaField> | undefined = schema as Record<string, SchemaField>;
  let field: SchemaField | null = null;
  for (const part of path.replace(/\[[^\]]*\]/g, '').split('.')) {
    field = fields?.[part] ?? null;
    if (!field) return null;
    while (field.type === 'array') field = field.items ?? { type: 'string' };
    fields = field.properties;
  }
  return field;
}

export function explainFields(
  schema: ExtractionSchema,
  fields: readonly FieldResult[],
  text: string,
  trace: LayoutTrace,
  chosen: ReadonlyMap<string, Candidate>,
): ExplainedField[] {
  return fields.map((f) => ({
    path: f.path,
    bucket: bucketOf(schema, f, text, trace, chosen),
    truth: f.truth,
    predicted: f.predicted,
  }));
}

function bucketOf(
  schema: ExtractionSchema,
  f: FieldResult,
  text: string,
  trace: LayoutTrace,
  chosen: ReadonlyMap<string, Candidate>,
): Bucket {
  if (f.outcome === 'tp') return 'right';
  if (f.outcome === 'fp') return 'false-pos';
  const truth = f.truth as string | number | boolean;
  if (!findableIn(truth, text)) return 'absent';
  const field = fieldAt(schema, f.path) ?? { type: 'string' };
  const array = /\[/.exec(f.path);
  if (array) {
    const root = f.path.slice(0, array.index);
    const read = trace.tables.get(root)?.rows ?? trace.lists.get(root)?.items ?? 0;
    if (read === 0) return 'no-table';
    return f.outcome === 'wrong' ? 'cell-wrong' : 'row-missed';
  }
  const seen = trace.fields.get(f.path);
  if (!seen || (seen.hits === 0 && !seen.candidates.length)) return 'no-label';
  if (!seen.candidates.length) return 'no-value';
  const isRight = (c: Candidate) => valuesEqual(field, truth, c.value);
  const pick = chosen.get(f.path);
  const dropped = trace.dropped.get(f.path);
  if (pick && dropped && f.outcome === 'fn') {
    if (isRight(pick)) return dropped === 'confidence' ? 'cut-right' : 'ground-right';
    return 'cut-wrong';
  }
  if (!pick) return seen.candidates.some(isRight) ? 'taken' : 'wrong-words';
  if (seen.candidates.some(isRight)) return 'outscored';
  const around = (c: Candidate) => [...c.labelWords, ...c.words].map((w) => w.text).join(' ');
  if (seen.candidates.some((c) => findableIn(truth, around(c)))) return 'misread';
  return 'wrong-words';
}

/** Counts per group and bucket, printed as one table per text source. */
export function printExplanation(
  rows: readonly { group: string; source: string; fields: readonly ExplainedField[] }[],
): Record<string, Record<string, Record<Bucket, number>>> {
  const out: Record<string, Record<string, Record<Bucket, number>>> = {};
  for (const source of [...new Set(rows.map((r) => r.source))]) {
    const groups = new Map<string, Record<Bucket, number>>();
    const add = (group: string, b: Bucket) => {
      const counts =
        groups.get(group) ?? (Object.fromEntries(BUCKETS.map(([k]) => [k, 0])) as Record<Bucket, number>);
      counts[b]++;
      groups.set(group, counts);
    };
    for (const r of rows.filter((x) => x.source === source))
      for (const f of r.fields) {
        add(r.group, f.bucket);
        add('ALL', f.bucket);
      }
    console.log(`\nerror analysis, ${source} text (fields per bucket)`);
    for (const [key, what] of BUCKETS) console.log(`  ${key.padEnd(12)} ${what}`);
    const w = BUCKETS.map(([k]) => Math.max(5, k.length));
    console.log(`${'family'.padEnd(31)} ${BUCKETS.map(([k], i) => k.padStart(w[i])).join(' ')}`);
    const sorted = [...groups].sort(([a], [b]) => (a === 'ALL' ? 1 : b === 'ALL' ? -1 : a.localeCompare(b)));
    for (const [group, counts] of sorted)
      console.log(
        `${group.padEnd(31)} ${BUCKETS.map(([k], i) => String(counts[k]).padStart(w[i])).join(' ')}`,
      );
    out[source] = Object.fromEntries(sorted);
  }
  return out;
}
