// The default extractor: deterministic, schema-guided reading of forms (labels and their variants, key:
// value lines, label-above-value, column grids, tables, typed patterns) and of letters (pairs written
// inline in prose, see inline-pairs.ts). Abstains rather than guesses.

import type { OcrPage } from '../ocr/ocr-result.ts';
import type { ExtractionProvider, ExtractionRequest, ExtractionResult } from './extraction-provider.ts';
import { type ExtractionSchema, itemsOf, type SchemaField } from './extraction-schema.ts';
import { type FieldKind, fieldKind, fieldLabels, splitFieldName, splitLabel } from './field-labels.ts';
import {
  type Cell,
  findLabel,
  findSections,
  isHeaderLike,
  type LabelHit,
  splitCells,
} from './form-layout.ts';
import { groundExtraction, type ValueHint } from './grounding.ts';
import {
  findInlineLabels,
  INLINE_KINDS,
  inlineValueEnd,
  nameBeforePair,
  trimSentenceEnd,
} from './inline-pairs.ts';
import { OcrDocument, type TextLine } from './ocr-document.ts';
import {
  EMAIL,
  findDates,
  findNumbers,
  findPhones,
  ICD10,
  IDENTIFIER,
  isValidNpi,
  readBoolean,
  repairDigits,
} from './value-patterns.ts';

export function createRulesProvider(): ExtractionProvider {
  return {
    name: 'rules',
    async extract(request: ExtractionRequest): Promise<ExtractionResult> {
      request.signal?.throwIfAborted();
      return { ...extractWithRules(request.schema, request.pages), provider: 'rules' };
    },
    async close() {},
  };
}

/** Synchronous core, also used by benches and the llama provider's fallback. */
export function extractWithRules(
  schema: ExtractionSchema,
  pages: OcrPage[],
): Pick<ExtractionResult, 'data' | 'evidence'> {
  const doc = new OcrDocument(pages);
  const reader = new FormReader(doc, schema);
  const candidate = reader.object(schema, [], '');
  return groundExtraction(schema, candidate, doc, reader.hints);
}

interface Found {
  value: unknown;
  page: number;
  start: number;
  end: number;
}

interface Scope {
  lines: readonly TextLine[];
  labels: string[];
}

class FormReader {
  readonly hints = new Map<string, ValueHint>();
  /** Every label phrase of every field in the schema: a cell that is one of them is a key, not a value. */
  private readonly knownLabels: Set<string>;

  constructor(
    private readonly doc: OcrDocument,
    schema: ExtractionSchema,
  ) {
    this.knownLabels = new Set();
    const collect = (fields: ExtractionSchema) => {
      for (const [name, field] of Object.entries(fields)) {
        for (const l of fieldLabels(name, field)) this.knownLabels.add(l.replace(/\s+/g, ''));
        if (field.properties) collect(field.properties);
        if (field.items?.properties) collect(field.items.properties);
      }
    };
    collect(schema);
  }

  object(fields: ExtractionSchema, parents: string[], prefix: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(fields)) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (field.type === 'object') {
        out[name] = this.object(field.properties ?? {}, [...parents, name], path);
      } else if (field.type === 'array') {
        out[name] = this.array(name, field, parents, path);
      } else {
        const found =
          this.scalar(name, field, parents) ??
          (parents.length ? null : this.subjectName(name, field, fields));
        out[name] = this.record(path, found);
      }
    }
    return out;
  }

  private record(path: string, found: Found | null): unknown {
    if (!found) return null;
    this.hints.set(path, { page: found.page, start: found.start, end: found.end });
    return found.value;
  }

  /** Where to look for a field, most specific first: its own labels everywhere, then inside sections. */
  private scopes(name: string, field: SchemaField, parents: string[]): Scope[] {
    const own = fieldLabels(name, field);
    const scopes: Scope[] = [];
    if (parents.length) {
      const parentName = parents[parents.length - 1];
      const parentLabels = fieldLabels(parentName, { type: 'object' });
      for (const section of findSections(this.doc, parentLabels))
        scopes.push({ lines: section, labels: own });
      // "Requesting provider: Dr. Reyes, NPI 1234567893, phone …": the rest of the line is the object's.
      for (const rest of this.linesAfterLabels(parentLabels)) scopes.push({ lines: [rest], labels: own });
      // Without a section header only labels that name the parent too are safe ("Patient Name").
      const prefixes = [...parentLabels.slice(0, 4), ...splitFieldName(parentName)];
      const combined = prefixes.flatMap((p) => own.slice(0, 8).map((l) => `${p} ${l}`));
      // "Referring Provider: Dr. Reyes" names the object's person directly.
      if (fieldKind(name, field) === 'personName') combined.push(...parentLabels);
      scopes.push({
        lines: this.doc.lines,
        labels: [...new Set(combined)].sort((a, b) => b.length - a.length),
      });
      return scopes;
    }
    scopes.push({ lines: this.doc.lines, labels: own });
    // "patientName" inside a "PATIENT" section printed as plain "Name".
    const words = splitFieldName(name);
    for (let k = words.length - 1; k >= 1; k--) {
      const sectionLabels = fieldLabels(words.slice(0, k).join('_'), { type: 'object' });
      const leaf = fieldLabels(words.slice(k).join('_'), field);
      for (const section of findSections(this.doc, sectionLabels))
        scopes.push({ lines: section, labels: leaf });
    }
    return scopes;
  }

  private scalar(name: string, field: SchemaField, parents: string[]): Found | null {
    const kind = fieldKind(name, field);
    const scopes = this.scopes(name, field, parents);
    for (const scope of scopes) {
      for (const label of scope.labels) {
        for (const line of scope.lines) {
          for (const hit of findLabel(line, label)) {
            const found = kind === 'boolean' ? this.booleanAt(hit) : this.valueAt(hit, kind, scope.lines);
            if (found) return found;
          }
        }
      }
    }
    // Forms first; then labels written inline in prose, for values whose shape proves them.
    if (!INLINE_KINDS.has(kind)) return null;
    for (const scope of scopes) {
      for (const label of scope.labels) {
        for (const line of scope.lines) {
          for (const hit of findInlineLabels(line, label)) {
            const found = this.inlineValueAt(hit, kind, scope.lines);
            if (found) return found;
          }
        }
      }
    }
    return null;
  }

  /** A typed value right after an inline label, or at the start of the next line when prose wraps. */
  private inlineValueAt(hit: LabelHit, kind: FieldKind, lines: readonly TextLine[]): Found | null {
    const rest = hit.line.text.slice(hit.valueStart, hit.cell.end);
    let found: Found | null = null;
    if (rest.trim()) found = this.read(kind, hit.line, hit.valueStart, rest, lines);
    else {
      const next = lines[lines.indexOf(hit.line) + 1];
      if (next && next.page === hit.line.page && next.text.trim())
        found = this.read(kind, next, 0, splitCells(next.text)[0]?.text ?? '', lines);
    }
    // "procedure on 03/05/2025" is a date, not a procedure code.
    if (found && kind === 'identifier' && /^[\d/.-]+$/.test(String(found.value))) {
      const v = String(found.value);
      if (findDates(v).length || findPhones(v).length) return null;
    }
    return found;
  }

  /** The rest of each line where one of `labels` is printed as a key (a nested object written on one line). */
  private linesAfterLabels(labels: string[]): TextLine[] {
    const out: TextLine[] = [];
    for (const line of this.doc.lines) {
      for (const label of labels) {
        const hit = findLabel(line, label).find((h) => h.keyed && h.valueStart < line.text.length);
        if (!hit) continue;
        out.push({
          ...line,
          start: line.start + hit.valueStart,
          text: line.text.slice(hit.valueStart),
        });
        break;
      }
    }
    return out;
  }

  /**
   * A top-level person name written just before the pair that identifies its person ("Re: Jane Smith, DOB
   * 07/22/1958", "for Jane Smith (MRN 448201)"), when the schema has one such name and the identifying
   * field (date of birth, record, member or student number) beside it.
   */
  private subjectName(name: string, field: SchemaField, siblings: ExtractionSchema): Found | null {
    if (fieldKind(name, field) !== 'personName') return null;
    const names = Object.entries(siblings).filter(([n, f]) => fieldKind(n, f) === 'personName');
    if (names.length !== 1) return null;
    const keys = Object.entries(siblings).filter(([n, f]) => {
      const kind = fieldKind(n, f);
      const words = splitFieldName(n);
      return (
        (kind === 'date' && words.some((w) => ['dob', 'birth', 'birthdate'].includes(w))) ||
        (kind === 'identifier' && words.some((w) => ['mrn', 'member', 'student', 'medical'].includes(w)))
      );
    });
    const isLabel = (p: string) => this.isKnownLabel(p);
    for (const [keyName, keyField] of keys) {
      const kind = fieldKind(keyName, keyField);
      for (const label of fieldLabels(keyName, keyField)) {
        for (const line of this.doc.lines) {
          for (const hit of [...findLabel(line, label), ...findInlineLabels(line, label)]) {
            if (!this.inlineValueAt(hit, kind, this.doc.lines)) continue;
            const person = nameBeforePair(line.text.slice(hit.cell.start, hit.start), isLabel);
            if (!person) continue;
            const start = line.start + hit.cell.start + person.start;
            return { value: person.value, page: line.page, start, end: start + person.value.length };
          }
        }
      }
    }
    return null;
  }

  private booleanAt(hit: LabelHit): Found | null {
    const text = hit.line.text;
    const reading = readBoolean(
      text.slice(hit.valueStart, hit.cells[hit.cellIndex + 2]?.start),
      text.slice(0, hit.start),
    );
    if (!reading) return null;
    const start = hit.line.start + Math.min(hit.start, hit.valueStart + reading.start);
    const end = hit.line.start + Math.max(hit.end, hit.valueStart + reading.end);
    return { value: reading.value, page: hit.line.page, start, end };
  }

  /** A cell that prints a key: one of the schema's labels, or a short digit-free phrase ending in one. */
  private isKnownLabel(text: string, loose = false): boolean {
    const words = splitLabel(text).split(' ');
    if (this.knownLabels.has(words.join(''))) return true;
    if (!loose || words.length > 4 || /\d/.test(text)) return false;
    for (let k = 1; k < words.length; k++) if (this.knownLabels.has(words.slice(k).join(''))) return true;
    return false;
  }

  /** Where a second key starts inside a single-spaced value ("Jane Smith DOB: 03/14/1985" → before "DOB"). */
  private nextKeyAt(text: string): number {
    for (const colon of text.matchAll(/:(?=\s|$)/g)) {
      const before = text.slice(0, colon.index);
      const words = [...before.matchAll(/\S+/g)];
      for (let k = Math.min(4, words.length - 1); k >= 1; k--) {
        const key = words.slice(words.length - k);
        if (this.knownLabels.has(splitLabel(key.map((w) => w[0]).join(' ')).replace(/\s+/g, '')))
          return key[0].index ?? 0;
      }
      const last = words[words.length - 1];
      if (words.length > 1 && last && /^[A-Z][A-Za-z.#]*$/.test(last[0])) return last.index ?? 0;
    }
    return -1;
  }

  /** The candidate value texts for a label, in order: same cell, next cell, grid cell below, next line. */
  private valueAt(hit: LabelHit, kind: FieldKind, lines: readonly TextLine[]): Found | null {
    const { line, cells, cellIndex } = hit;
    const cellRest = line.text.slice(hit.valueStart, hit.cell.end);
    if (cellRest.trim()) {
      // A second key on a single-spaced line ends this value: "Patient: Jane Smith DOB: 03/14/1985".
      const cut = this.nextKeyAt(cellRest);
      let text = cut > 0 ? cellRest.slice(0, cut) : cellRest;
      // Comma-separated pairs: "Employer: Meridian Foods; monthly income …" ends before the next label.
      text = text.slice(
        0,
        inlineValueEnd(text, (p) => this.isKnownLabel(p)),
      );
      if (kind === 'personName' || kind === 'text' || kind === 'address') {
        if (!hit.keyed) return null;
      }
      return this.read(kind, line, hit.valueStart, text, lines);
    }
    const next = cells[cellIndex + 1];
    if (next && !this.isKnownLabel(next.text, true) && !/:\s*$/.test(next.text)) {
      return this.read(kind, line, next.start, next.text, lines);
    }
    // Label row above a value row: take the cell below that overlaps the label's column.
    const below = this.nextNonEmpty(line, lines);
    if (!below || isHeaderLike(below.text)) return null;
    const belowCells = splitCells(below.text);
    const labelRow = cells.every((c) => this.isKnownLabel(c.text, true) || /:\s*$/.test(c.text));
    if (cells.length > 1 && labelRow) {
      const colEnd = cells[cellIndex + 1]?.start ?? Number.POSITIVE_INFINITY;
      const under = belowCells.find(
        (c) => overlap(c, hit.cell.start, colEnd) > 0 && !this.isKnownLabel(c.text),
      );
      return under ? this.read(kind, below, under.start, under.text, lines) : null;
    }
    if (cells.length === 1 && belowCells.length >= 1 && !this.isKnownLabel(belowCells[0].text)) {
      if (/:/.test(belowCells[0].text) && kind !== 'date' && kind !== 'phone') return null;
      return this.read(kind, below, belowCells[0].start, belowCells[0].text, lines);
    }
    return null;
  }

  private nextNonEmpty(line: TextLine, lines: readonly TextLine[]): TextLine | null {
    const i = lines.indexOf(line);
    for (let j = i + 1; j < lines.length && j <= i + 2; j++) {
      if (lines[j].page !== line.page) return null;
      if (lines[j].text.trim()) return lines[j];
    }
    return null;
  }

  /** Reads a value of `kind` from `text` found at `offset` in `line`; null when it does not fit. */
  private read(
    kind: FieldKind,
    line: TextLine,
    offset: number,
    text: string,
    lines: readonly TextLine[],
  ): Found | null {
    const at = (start: number, end: number, value: unknown): Found => ({
      value,
      page: line.page,
      start: line.start + offset + start,
      end: line.start + offset + end,
    });
    if (kind === 'date' || kind === 'phone' || kind === 'npi' || kind === 'money' || kind === 'number') {
      text = repairDigits(text);
    }
    const lead = /^\s*/.exec(text)![0].length;
    const first = <T>(matches: { start: number; end: number; value: T }[], maxLead: number) => {
      const m = matches[0];
      return m && m.start - lead <= maxLead ? at(m.start, m.end, m.value) : null;
    };
    switch (kind) {
      case 'date':
        return first(findDates(text), 2);
      case 'phone':
        return first(findPhones(text), 2);
      case 'npi': {
        const m = /^\s*(\d{10})(?!\d)/.exec(text);
        return m && isValidNpi(m[1]) ? at(m.index + m[0].length - 10, m.index + m[0].length, m[1]) : null;
      }
      case 'money':
      case 'number':
        return first(findNumbers(text), 2);
      case 'email':
        return first(matchAll(text, EMAIL), 0);
      case 'icd10':
        return first(matchAll(text, ICD10), 0);
      case 'identifier': {
        const m = matchAll(text, IDENTIFIER)[0];
        return m && m.start === lead && /\d/.test(m.value) ? at(m.start, m.end, m.value) : null;
      }
      case 'address':
        return this.address(line, offset, text, lines);
      case 'personName': {
        const value = trimSentenceEnd(text.trim());
        if (!/^[A-Za-z][A-Za-z.,'\- ]{1,60}$/.test(value) || value.split(/\s+/).length > 6) return null;
        if (this.isKnownLabel(value)) return null;
        return at(lead, lead + value.length, value);
      }
      case 'text': {
        const value = trimSentenceEnd(text.trim());
        if (!value || value.length > 200 || this.isKnownLabel(value) || /^[\W_]+$/.test(value)) return null;
        return at(lead, lead + value.length, value);
      }
      case 'boolean':
        return null;
    }
  }

  /** Street line, joined with a following "City, ST 12345" line when the address wraps. */
  private address(line: TextLine, offset: number, text: string, lines: readonly TextLine[]): Found | null {
    const street = text.trim();
    const lead = text.length - text.trimStart().length;
    const cityLine = /^[A-Za-z .'-]+,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?$/;
    if (!/\d/.test(street) && !cityLine.test(street)) return null;
    const start = line.start + offset + lead;
    if (!cityLine.test(street) && !/\d{5}(?:-\d{4})?$/.test(street)) {
      const next = this.nextNonEmpty(line, lines);
      const nextCells = next ? splitCells(next.text) : [];
      const cont = nextCells.find((c) => Math.abs(c.start - offset - lead) <= 2);
      if (next && cont && cityLine.test(cont.text)) {
        return {
          value: `${street}, ${cont.text}`,
          page: line.page,
          start,
          end: next.start + cont.end,
        };
      }
    }
    return { value: street, page: line.page, start, end: start + street.length };
  }

  private array(name: string, field: SchemaField, parents: string[], path: string): unknown[] | null {
    const items = itemsOf(field);
    if (items.type === 'object') return this.table(name, items.properties ?? {}, path);
    if (items.type === 'array') return null;
    return this.list(name, field, items, parents, path);
  }

  /** A label followed by a comma/semicolon list on its line, or by bullet / numbered lines below. */
  private list(
    name: string,
    field: SchemaField,
    items: SchemaField,
    parents: string[],
    path: string,
  ): unknown[] | null {
    const kind = fieldKind(name, { ...items, description: field.description });
    const itemKind: FieldKind =
      kind === 'icd10' ? 'icd10' : items.type === 'string' ? 'text' : fieldKind(name, items);
    for (const scope of this.scopes(name, { ...field, type: 'string' }, parents)) {
      for (const label of scope.labels) {
        for (const line of scope.lines) {
          // "Diagnosis codes E11.9, I10." in prose: a colon-less label, when every item proves its type.
          const inline = INLINE_KINDS.has(itemKind) ? findInlineLabels(line, label) : [];
          for (const hit of [...findLabel(line, label).filter((h) => h.keyed), ...inline]) {
            const parts: { line: TextLine; offset: number; text: string }[] = [];
            let rest = line.text.slice(hit.valueStart, hit.cell.end);
            if (!hit.keyed) rest = rest.slice(0, /\.(?=\s|$)/.exec(rest)?.index ?? rest.length);
            if (rest.trim()) {
              for (const m of rest.matchAll(/[^,;]+/g))
                parts.push({ line, offset: hit.valueStart + (m.index ?? 0), text: m[0] });
            } else {
              let i = scope.lines.indexOf(line) + 1;
              for (; i < scope.lines.length && parts.length < 20; i++) {
                const l = scope.lines[i];
                const bullet = /^(\s*(?:[-•*]|\d{1,2}[.)])\s+)(.+)$/.exec(l.text);
                if (!bullet) break;
                parts.push({ line: l, offset: bullet[1].length, text: bullet[2] });
              }
            }
            const values = parts
              .map((p, i) => {
                const found = this.read(itemKind, p.line, p.offset, p.text, scope.lines);
                if (found) this.hints.set(`${path}[${i}]`, found);
                return found;
              })
              .filter((f): f is Found => f !== null);
            if (values.length && values.length === parts.length) return values.map((v) => v.value);
            for (let i = 0; i < parts.length; i++) this.hints.delete(`${path}[${i}]`);
          }
        }
      }
    }
    return null;
  }

  /** A header row naming two or more item members, and the rows under it until a blank or total line. */
  private table(arrayName: string, props: ExtractionSchema, path: string): Record<string, unknown>[] | null {
    // "medications: [{name, dose}]" prints its name column as "Medication" or "Medication Name".
    const singular = splitFieldName(arrayName)
      .join(' ')
      .replace(/(ies)$/, 'y')
      .replace(/s$/, '');
    const members = Object.entries(props).map(([name, field]) => {
      const own = fieldLabels(name, field);
      const labels = [...own, ...own.map((l) => `${singular} ${l}`)];
      if (['name', 'description', 'item'].includes(name)) labels.push(singular);
      return {
        name,
        field,
        kind: fieldKind(name, field),
        labels: new Set(labels.map((l) => l.replace(/\s+/g, ''))),
      };
    });
    const lines = this.doc.lines;
    for (let h = 0; h < lines.length; h++) {
      const header = splitCells(lines[h].text);
      const columns = header.map((c) =>
        members.find((m) => m.labels.has(splitLabel(c.text).replace(/\s+/g, ''))),
      );
      const matched = columns.filter(Boolean).length;
      if (matched < Math.min(2, members.length) || matched < header.length / 2) continue;
      const rows: Record<string, unknown>[] = [];
      for (let r = h + 1; r < lines.length && lines[r].page === lines[h].page; r++) {
        const row = lines[r];
        if (!row.text.trim() || /^[\s\-=_]+$/.test(row.text)) {
          if (rows.length) break;
          continue;
        }
        if (/^\s*(sub\s*total|total|balance|tax|amount due|grand total)\b/i.test(row.text)) break;
        const cells = splitCells(row.text);
        const item: Record<string, unknown> = {};
        for (const m of members) item[m.name] = null;
        for (const cell of cells) {
          const col = columnOf(header, cell);
          const member = col >= 0 ? columns[col] : undefined;
          if (!member) continue;
          const found = this.read(
            member.kind === 'personName' ? 'text' : member.kind,
            row,
            cell.start,
            cell.text,
            lines,
          );
          if (!found || item[member.name] !== null) continue;
          item[member.name] = found.value;
          this.hints.set(`${path}[${rows.length}].${member.name}`, found);
        }
        if (Object.values(item).every((v) => v === null)) break;
        rows.push(item);
      }
      if (rows.length) return rows;
    }
    return null;
  }
}

/** Column whose header span (extended to the next header) contains the cell's midpoint. */
function columnOf(header: Cell[], cell: Cell): number {
  const mid = (cell.start + cell.end) / 2;
  let best = -1;
  let bestOverlap = 0;
  header.forEach((h, i) => {
    const from = i === 0 ? Number.NEGATIVE_INFINITY : h.start - 3;
    const to = i + 1 < header.length ? header[i + 1].start - 3 : Number.POSITIVE_INFINITY;
    if (mid >= from && mid < to) {
      const o = overlap(cell, from, to);
      if (o > bestOverlap) {
        best = i;
        bestOverlap = o;
      }
    }
  });
  return best;
}

function overlap(cell: Cell, from: number, to: number): number {
  return Math.max(0, Math.min(cell.end, to) - Math.max(cell.start, from));
}

function matchAll(text: string, re: RegExp): { start: number; end: number; value: string }[] {
  return [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`))].map(
    (m) => ({
      start: m.index ?? 0,
      end: (m.index ?? 0) + m[0].length,
      value: m[0],
    }),
  );
}
