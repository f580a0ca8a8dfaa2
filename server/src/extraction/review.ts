// Which field paths of an extraction a person should check (`needsReview` in fax.extracted): values
// whose calibrated confidence is below the partner's review threshold, and every empty field when the
// fax could not be read or its time budget ran out before every page was.

import type { ExtractionResult } from './extraction-provider.ts';
import { type ExtractionSchema, itemsOf, type SchemaField } from './extraction-schema.ts';

/** A partner that never set `reviewThreshold` gets this (API.md, Webhooks). */
export const DEFAULT_REVIEW_THRESHOLD = 0.8;

export function needsReviewPaths(
  schema: ExtractionSchema,
  result: Pick<ExtractionResult, 'data' | 'evidence'>,
  options: { threshold?: number; incomplete?: boolean; unreadable?: boolean } = {},
): string[] {
  const threshold = options.threshold ?? DEFAULT_REVIEW_THRESHOLD;
  const flagged = Object.entries(result.evidence)
    .filter(([, ev]) => ev.confidence < threshold)
    .map(([path]) => path);
  const nothing = Object.keys(result.evidence).length === 0;
  if (options.incomplete || options.unreadable || nothing)
    flagged.push(...emptyPaths(schema, result.data, ''));
  return [...new Set(flagged)];
}

// Null scalars and null arrays, by path (an empty array field is one path, not one per item).
function emptyPaths(fields: ExtractionSchema, data: unknown, prefix: string): string[] {
  const out: string[] = [];
  const values = (data ?? {}) as Record<string, unknown>;
  for (const [name, field] of Object.entries(fields) as [string, SchemaField][]) {
    const path = prefix ? `${prefix}.${name}` : name;
    const v = values[name];
    if (field.type === 'object') out.push(...emptyPaths(field.properties ?? {}, v, path));
    else if (v === null || v === undefined) out.push(path);
    else if (field.type === 'array' && itemsOf(field).type === 'object' && Array.isArray(v)) continue;
  }
  return out;
}
