// Checks every extracted scalar against the OCR text it must come from and nulls what the text does not
// support, whichever provider produced it; what survives gets evidence (page, span, word boxes, confidence).

import type { ExtractionResult, FieldEvidence } from './extraction-provider.ts';
import {
  conformToSchema,
  type ExtractionSchema,
  isEmptyValue,
  itemsOf,
  type SchemaField,
} from './extraction-schema.ts';
import { fieldKind, fieldLabels } from './field-labels.ts';
import { findLabel } from './form-layout.ts';
import { foldForMatch, type OcrDocument } from './ocr-document.ts';
import {
  findDates,
  findNpis,
  findNumbers,
  findPhones,
  isValidNpi,
  parseDate,
  parseNumber,
  parsePhone,
  readBoolean,
  repairDigits,
  type TextMatch,
} from './value-patterns.ts';

/** Where a provider says it read a value (rules know; language models do not). */
export interface ValueHint {
  page: number;
  start: number;
  end: number;
}

export type GroundedExtraction = Pick<ExtractionResult, 'data' | 'evidence'>;

interface Located {
  page: number;
  start: number;
  end: number;
  /** 1 for an exact reading, lower when only OCR-confusion folding made it match. */
  quality: number;
}

export function groundExtraction(
  schema: ExtractionSchema,
  candidate: unknown,
  doc: OcrDocument,
  hints: ReadonlyMap<string, ValueHint> = new Map(),
): GroundedExtraction {
  const grounder = new Grounder(doc, hints);
  const data = grounder.fields(schema, conformToSchema(schema, candidate), '');
  return { data, evidence: grounder.evidence };
}

class Grounder {
  evidence: Record<string, FieldEvidence> = {};
  private readonly folded = new Map<number, { folded: string; map: number[] }>();

  constructor(
    private readonly doc: OcrDocument,
    private readonly hints: ReadonlyMap<string, ValueHint>,
  ) {}

  fields(fields: ExtractionSchema, value: Record<string, unknown>, prefix: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(fields)) {
      const path = prefix ? `${prefix}.${name}` : name;
      out[name] = this.field(name, field, value[name], path);
    }
    return out;
  }

  private field(name: string, field: SchemaField, value: unknown, path: string): unknown {
    if (field.type === 'object')
      return this.fields(field.properties ?? {}, (value ?? {}) as Record<string, unknown>, path);
    if (field.type === 'array') {
      if (!Array.isArray(value)) return null;
      const items = itemsOf(field);
      const kept: unknown[] = [];
      const outer = this.evidence;
      value.forEach((item, i) => {
        // Ground each item under its original index (hints use it), then renumber to the kept position.
        this.evidence = {};
        const itemPath = `${path}[${i}]`;
        const grounded = this.field(name, items, item, itemPath);
        if (!isEmptyValue(grounded)) {
          for (const [k, e] of Object.entries(this.evidence))
            outer[`${path}[${kept.length}]${k.slice(itemPath.length)}`] = e;
          kept.push(grounded);
        }
      });
      this.evidence = outer;
      return kept.length ? kept : null;
    }
    if (value === null || value === undefined) return null;
    const grounded = this.scalar(name, field, value, path);
    if (!grounded) return null;
    const span = this.doc.span(grounded.at.page, grounded.at.start, grounded.at.end);
    this.evidence[path] = {
      page: span.page,
      span: { start: span.start, end: span.end, text: span.text },
      bbox: span.bbox,
      confidence: round(span.ocrConfidence * grounded.at.quality),
    };
    return grounded.value;
  }

  private scalar(
    name: string,
    field: SchemaField,
    value: unknown,
    path: string,
  ): { value: unknown; at: Located } | null {
    const kind = fieldKind(name, field);
    const hint = this.hints.get(path);
    const pick = (
      canonical: unknown,
      find: (text: string) => TextMatch<unknown>[],
      equal: (v: unknown) => boolean,
    ) => {
      const at = this.locateTyped(find, equal, hint);
      return at ? { value: canonical, at } : null;
    };
    if (field.type === 'number') {
      const n = typeof value === 'number' ? value : parseNumber(String(value));
      if (n === null) return null;
      return pick(n, findNumbers, (v) => Math.abs((v as number) - n) < 0.005);
    }
    if (field.type === 'boolean') {
      if (typeof value !== 'boolean') return null;
      return this.locateBoolean(name, field, value, hint);
    }
    const text = String(value).trim();
    if (!text) return null;
    switch (kind) {
      case 'date': {
        const iso = parseDate(text);
        return iso ? pick(iso, findDates, (v) => v === iso) : null;
      }
      case 'phone': {
        const e164 = parsePhone(text);
        return e164 ? pick(e164, findPhones, (v) => v === e164) : null;
      }
      case 'npi': {
        const digits = text.replace(/\D/g, '');
        return isValidNpi(digits) ? pick(digits, findNpis, (v) => v === digits) : null;
      }
      default: {
        const at = this.locateText(text, hint);
        return at ? { value: text, at } : null;
      }
    }
  }

  private locateTyped(
    find: (text: string) => TextMatch<unknown>[],
    equal: (v: unknown) => boolean,
    hint: ValueHint | undefined,
  ): Located | null {
    let first: Located | null = null;
    for (const page of this.doc.pages) {
      for (const m of find(repairDigits(page.text))) {
        if (!equal(m.value)) continue;
        const at = { page: page.page, start: m.start, end: m.end, quality: 1 };
        if (!hint || overlaps(at, hint)) return at;
        first ??= at;
      }
    }
    return first;
  }

  private locateText(value: string, hint: ValueHint | undefined): Located | null {
    const target = foldForMatch(value).folded;
    // A single character matches almost anywhere: it counts only where a provider pinned it down.
    if (target.length < 2) {
      const page = hint && this.doc.page(hint.page);
      const exact =
        page && page.text.slice(hint.start, hint.end).trim().toLowerCase() === value.toLowerCase();
      return exact ? { ...hint, quality: 1 } : null;
    }
    let first: Located | null = null;
    for (const page of this.doc.pages) {
      const { folded, map } = this.fold(page.page, page.text);
      for (let i = folded.indexOf(target); i >= 0; i = folded.indexOf(target, i + 1)) {
        const start = map[i];
        const end = map[i + target.length - 1] + 1;
        if (/[A-Za-z0-9]/.test(page.text[start - 1] ?? '') || /[A-Za-z0-9]/.test(page.text[end] ?? ''))
          continue;
        const exact =
          normaliseSpaces(page.text.slice(start, end)).toLowerCase() === normaliseSpaces(value).toLowerCase();
        const at = { page: page.page, start, end, quality: exact ? 1 : 0.9 };
        if (!hint || overlaps(at, hint)) return at;
        first ??= at;
      }
    }
    return first;
  }

  private locateBoolean(
    name: string,
    field: SchemaField,
    value: boolean,
    hint: ValueHint | undefined,
  ): { value: boolean; at: Located } | null {
    if (hint) return { value, at: { ...hint, quality: 1 } };
    // A model's yes/no counts only where the field's label carries a readable answer in the text.
    for (const label of fieldLabels(name, field)) {
      for (const line of this.doc.lines) {
        for (const hit of findLabel(line, label)) {
          const reading = readBoolean(line.text.slice(hit.valueStart), line.text.slice(0, hit.start));
          if (!reading) continue;
          if (reading.value !== value) return null;
          const start = line.start + Math.min(hit.start, hit.valueStart + reading.start);
          const end = line.start + Math.max(hit.end, hit.valueStart + reading.end);
          return { value, at: { page: line.page, start, end, quality: 0.9 } };
        }
      }
    }
    return null;
  }

  private fold(page: number, text: string) {
    let f = this.folded.get(page);
    if (!f) {
      f = foldForMatch(text);
      this.folded.set(page, f);
    }
    return f;
  }
}

function overlaps(a: Located, b: ValueHint): boolean {
  return a.page === b.page && a.start < b.end && a.end > b.start;
}

function normaliseSpaces(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
