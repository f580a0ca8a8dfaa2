// What language-model providers send and how they split long faxes: one instruction prompt per chunk of
// OCR text, and a merge of the per-chunk answers before grounding checks them against the whole fax.

import {
  conformToSchema,
  type ExtractionSchema,
  isEmptyValue,
  itemsOf,
  type SchemaField,
} from './extraction-schema.ts';
import { fieldKind } from './field-labels.ts';
import type { OcrDocument } from './ocr-document.ts';

export interface ModelPrompt {
  system: string;
  user: string;
}

const SYSTEM = [
  'You extract data from faxed documents into JSON that matches the given schema exactly.',
  'Use only values printed in the document and copy them as written. Never guess or infer.',
  'When a value is not in the document, use null. Dates as YYYY-MM-DD. Numbers without currency signs.',
].join(' ');

export function buildPrompt(schema: ExtractionSchema, text: string): ModelPrompt {
  const fields = describeFields(schema, '');
  return {
    system: SYSTEM,
    user: `Fields to extract:\n${fields.join('\n')}\n\nDocument (OCR text):\n<<<\n${text}\n>>>\n\nReturn the JSON object.`,
  };
}

function describeFields(fields: ExtractionSchema, prefix: string): string[] {
  const lines: string[] = [];
  for (const [name, field] of Object.entries(fields)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const kind = field.type === 'string' ? fieldKind(name, field) : field.type;
    const hint =
      kind === 'date' ? ' (date, YYYY-MM-DD)' : kind === 'phone' ? ' (phone number)' : ` (${field.type})`;
    lines.push(`- ${path}${hint}${field.description ? `: ${field.description}` : ''}`);
    if (field.type === 'object') lines.push(...describeFields(field.properties ?? {}, path));
    if (field.type === 'array' && itemsOf(field).type === 'object') {
      lines.push(...describeFields(itemsOf(field).properties ?? {}, `${path}[]`));
    }
  }
  return lines;
}

/** Output budget: enough tokens for every leaf (arrays assumed to hold a handful of items). */
export function estimateOutputTokens(schema: ExtractionSchema): number {
  const leaves = (fields: ExtractionSchema, weight: number): number =>
    Object.values(fields).reduce((sum, f: SchemaField) => {
      if (f.type === 'object') return sum + leaves(f.properties ?? {}, weight);
      if (f.type === 'array') {
        const items = itemsOf(f);
        return sum + (items.type === 'object' ? leaves(items.properties ?? {}, weight * 6) : weight * 6);
      }
      return sum + weight;
    }, 0);
  return Math.min(4096, Math.max(128, 48 + Math.ceil(leaves(schema, 1) * 32)));
}

/** The fax text in pieces of at most `maxChars`, cut at page and then line boundaries. */
export function chunkDocument(doc: OcrDocument, maxChars: number): string[] {
  const chunks: string[] = [];
  let current = '';
  const push = (piece: string) => {
    if (current && current.length + piece.length + 1 > maxChars) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current}\n${piece}` : piece;
  };
  for (const page of doc.pages) {
    for (const line of page.text.split('\n')) {
      // A single over-long line is cut hard: rare (tables OCR'd as one line) and better than dropping it.
      for (let i = 0; i < Math.max(1, line.length); i += maxChars) push(line.slice(i, i + maxChars));
    }
  }
  if (current.trim()) chunks.push(current);
  return chunks.length ? chunks : [''];
}

/** Per-chunk answers merged: the first non-null scalar wins, arrays are concatenated without duplicates. */
export function mergeCandidates(schema: ExtractionSchema, candidates: unknown[]): Record<string, unknown> {
  const conformed = candidates.map((c) => conformToSchema(schema, c));
  const merge = (fields: ExtractionSchema, values: Record<string, unknown>[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(fields)) {
      const column = values.map((v) => v[name]);
      if (field.type === 'object') {
        out[name] = merge(field.properties ?? {}, column as Record<string, unknown>[]);
      } else if (field.type === 'array') {
        const seen = new Set<string>();
        const items = column
          .flatMap((v) => (Array.isArray(v) ? v : []))
          .filter((item) => {
            const key = JSON.stringify(item);
            if (isEmptyValue(item) || seen.has(key)) return false;
            seen.add(key);
            return true;
          });
        out[name] = items.length ? items : null;
      } else {
        out[name] = column.find((v) => v !== null && v !== undefined) ?? null;
      }
    }
    return out;
  };
  return merge(schema, conformed);
}
