// Label–value pairs written inside prose rather than on a form: "Re: Jane Smith, DOB 07/22/1958, MRN 448201",
// "the billing provider NPI is 1234567893", "(DOB 07/22/1958)". Such labels carry no colon, so they count
// only at a pair boundary (line or cell start, comma, semicolon, parenthesis) or after a function word —
// never as the tail of a longer phrase ("move-in date", "requested start date") — and only a typed value
// (date, phone, NPI, money, code, identifier) may follow them; the caller checks the type.

import type { FieldKind } from './field-labels.ts';
import { type LabelHit, labelRegex, splitCells } from './form-layout.ts';
import type { TextLine } from './ocr-document.ts';

/** Kinds whose values prove themselves by their shape, so a colon-less label may introduce them. */
export const INLINE_KINDS: ReadonlySet<FieldKind> = new Set([
  'date',
  'phone',
  'npi',
  'money',
  'number',
  'email',
  'icd10',
  'identifier',
]);

// Words that may precede a label without making it part of a longer noun phrase.
const FUNCTION_WORDS = new Set(
  (
    'a an the his her its their your our my this that and or with ' +
    'is are was were been be has have had for to at on in of by from under per'
  ).split(' '),
);

// What may sit between a label and its value in a sentence: "NPI is …", "rent of …", "admitted on …",
// "due by …", "phone at …".
const CONNECTOR = /^\s*(?:[:#]\s*)?(?:(?:is|was|are|were|of|on|by|at|dated)(?=\s|$)\s*)?/i;

/** Colon-less occurrences of `label` at a cell start or a pair boundary inside a cell, past connectors. */
export function findInlineLabels(line: TextLine, label: string): LabelHit[] {
  const hits: LabelHit[] = [];
  let cells: ReturnType<typeof splitCells> | undefined;
  for (const m of line.text.matchAll(labelRegex(label))) {
    cells ??= splitCells(line.text);
    const start = m.index ?? 0;
    const end = start + m[0].length;
    const cellIndex = cells.findIndex((c) => start >= c.start && start < c.end);
    if (cellIndex < 0) continue;
    const cell = cells[cellIndex];
    const before = line.text.slice(cell.start, start);
    if (before.trim() && !atPairBoundary(before)) continue;
    const connector = CONNECTOR.exec(line.text.slice(end, cell.end))?.[0] ?? '';
    hits.push({
      line,
      start,
      end,
      cell,
      cellIndex,
      cells,
      keyed: false,
      valueStart: end + connector.length,
    });
  }
  return hits;
}

function atPairBoundary(before: string): boolean {
  if (/[,;:(]\s*$/.test(before)) return true;
  const word = /(?:^|\s)([A-Za-z]+)\s+$/.exec(before)?.[1];
  return word !== undefined && FUNCTION_WORDS.has(word.toLowerCase());
}

/**
 * Where a value written inline ends: before ", <next label>" / "; <next label>" (comma-separated pairs),
 * or before a sentence-ending period. `isLabel` says whether a phrase (1–4 words) is a known label.
 */
export function inlineValueEnd(text: string, isLabel: (phrase: string) => boolean): number {
  for (const sep of text.matchAll(/[,;]\s+/g)) {
    const after = text.slice((sep.index ?? 0) + sep[0].length);
    const words = after.split(/\s+/, 4);
    for (let k = words.length; k >= 1; k--) {
      if (isLabel(words.slice(0, k).join(' '))) return sep.index ?? 0;
    }
  }
  return text.length;
}

// Abbreviations whose period belongs to the value ("Acme Inc.", "Main St.").
const ABBREVIATIONS = new Set(
  'inc ltd co corp llc jr sr esq st ave blvd rd ln dr mr mrs ms no apt ste md do phd rn'.split(' '),
);

/** `text` without a sentence's final period or trailing comma/semicolon ("pneumonia." → "pneumonia"). */
export function trimSentenceEnd(text: string): string {
  const t = text.trimEnd().replace(/[,;]$/, '');
  const last = /([A-Za-z]+)\.$/.exec(t)?.[1];
  return last && last.length >= 2 && !ABBREVIATIONS.has(last.toLowerCase()) ? t.slice(0, -1) : t;
}

const NAME_WORD = String.raw`(?:[A-Z][a-z'’-]+|[A-Z]\.)`;
const NAME_BEFORE_PAIR = new RegExp(String.raw`(${NAME_WORD}(?:\s+${NAME_WORD}){1,3})\s*[,(]\s*$`);

/**
 * The person named just before a pair that identifies them: "Re: Jane Smith, DOB …", "for Jane Smith
 * (MRN …)". Leading words that are labels themselves ("Patient Jane Smith") are dropped; null unless
 * two to four capitalised words remain.
 */
export function nameBeforePair(
  before: string,
  isLabel: (phrase: string) => boolean,
): { start: number; value: string } | null {
  const m = NAME_BEFORE_PAIR.exec(before);
  if (!m) return null;
  let words = [...m[1].matchAll(/\S+/g)];
  while (words.length && isLabel(words[0][0])) words = words.slice(1);
  if (words.length < 2 || !/^[A-Z][a-z]/.test(words[0][0])) return null;
  const start = (m.index ?? 0) + (words[0].index ?? 0);
  const lastWord = words[words.length - 1];
  const end = (m.index ?? 0) + (lastWord.index ?? 0) + lastWord[0].length;
  return { start, value: before.slice(start, end) };
}
