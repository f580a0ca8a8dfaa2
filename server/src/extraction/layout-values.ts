// Reads a typed value out of the words a layout relation points at ("the words right of the label"):
// which words it spans and how well they fit the field's kind. A value that does not fit is no value.

import type { ValueKind } from './label-lexicon.ts';
import { isStateCode } from './label-lexicon.ts';
import type { LayoutWord } from './page-layout.ts';
import {
  EMAIL,
  findDates,
  findNpis,
  findNumbers,
  findPhones,
  ICD10,
  isValidNpi,
  repairDigits,
} from './value-patterns.ts';

export interface ValueReading {
  value: string | number | boolean;
  /** Words used, as a range into the candidate words. */
  from: number;
  to: number;
  /** 0–1: how surely the words are a value of this kind (typed patterns high, free text lower). */
  fit: number;
}

const TICKS = /^[☐☒☑□■✓✔]$/;

/** The candidate words as one string, and which word each character belongs to. */
function joined(words: readonly LayoutWord[]): { text: string; wordAt: number[] } {
  let text = '';
  const wordAt: number[] = [];
  words.forEach((w, i) => {
    if (i) {
      text += ' ';
      wordAt.push(i);
    }
    for (let k = 0; k < w.text.length; k++) wordAt.push(i);
    text += w.text;
  });
  return { text, wordAt };
}

function span(wordAt: number[], start: number, end: number) {
  return { from: wordAt[start] ?? 0, to: (wordAt[Math.max(start, end - 1)] ?? 0) + 1 };
}

/** A typed match must start at the candidate's beginning (a word or two of slack for "approx.", "$"). */
function leading<T>(
  matches: { start: number; end: number; value: T }[],
  wordAt: number[],
  maxLeadWords = 1,
): { value: T; from: number; to: number } | null {
  const m = matches[0];
  if (!m) return null;
  const s = span(wordAt, m.start, m.end);
  return s.from <= maxLeadWords ? { value: m.value, ...s } : null;
}

export function readValue(kind: ValueKind, words: readonly LayoutWord[]): ValueReading | null {
  const usable = words.filter((w) => !TICKS.test(w.text));
  if (!usable.length) return null;
  const { text: raw, wordAt } = joined(usable);
  const repaired = repairDigits(raw);
  const mapBack = (r: { value: string | number | boolean; from: number; to: number } | null, fit: number) =>
    r
      ? { value: r.value, from: words.indexOf(usable[r.from]), to: words.indexOf(usable[r.to - 1]) + 1, fit }
      : null;
  switch (kind) {
    case 'date':
      return mapBack(leading(findDates(repaired), wordAt), 0.97);
    case 'phone':
      return mapBack(leading(findPhones(repaired), wordAt), 0.97);
    case 'npi':
      return mapBack(leading(findNpis(repaired), wordAt), 0.99);
    case 'money':
    case 'number': {
      // Not the day of a date ("10/09", "07.02.2025") nor the first bound of a range ("6-24").
      const nums = findNumbers(repaired).filter(
        (n) => !/^\(?\d{1,2}(?:[/-]\d|\.\d{1,2}\.\d)/.test(repaired.slice(n.start)),
      );
      return mapBack(leading(nums, wordAt, kind === 'money' ? 2 : 1), kind === 'money' ? 0.93 : 0.9);
    }
    case 'year': {
      const m = /(?<!\d)(19|20)\d\d(?!\d)/.exec(repaired);
      return m ? mapBack({ value: Number(m[0]), ...span(wordAt, m.index, m.index + 4) }, 0.9) : null;
    }
    case 'time': {
      const m = /(?<!\d)([01]?\d|2[0-3])[:.]([0-5]\d)(?!\d)/.exec(repaired);
      return m
        ? mapBack({ value: m[0].replace('.', ':'), ...span(wordAt, m.index, m.index + m[0].length) }, 0.9)
        : null;
    }
    case 'email': {
      const m = new RegExp(EMAIL.source).exec(raw);
      return m ? mapBack({ value: m[0], ...span(wordAt, m.index, m.index + m[0].length) }, 0.97) : null;
    }
    case 'icd10': {
      const m = new RegExp(ICD10.source).exec(raw.toUpperCase());
      return m ? mapBack({ value: m[0], ...span(wordAt, m.index, m.index + m[0].length) }, 0.95) : null;
    }
    case 'zip': {
      const m = /^(\d{5})(?:-\d{4})?\b/.exec(repaired);
      return m ? mapBack({ value: m[0], from: 0, to: 1 }, 0.9) : null;
    }
    case 'state': {
      const t = usable[0].text.replace(/[.,]/g, '');
      return isStateCode(t) && /^[A-Za-z]{2}$/.test(t)
        ? mapBack({ value: t.toUpperCase(), from: 0, to: 1 }, 0.9)
        : null;
    }
    case 'code': {
      const t = usable[0].text.replace(/[,;]$/, '');
      return /^[A-Z0-9]{4,7}$/i.test(t) && /\d{3}/.test(t)
        ? mapBack({ value: t, from: 0, to: 1 }, 0.9)
        : null;
    }
    case 'identifier': {
      const t = usable[0].text.replace(/[,;:]$/, '');
      if (!/\d/.test(t) || t.length < 2 || /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$/.test(t)) return null;
      // "ABC 123 456" printed with spaces stays together when every part carries a digit or is short caps.
      let to = 1;
      // A sentence's period or a list's comma after the last part ends the value, not the part.
      while (
        to < usable.length &&
        /^[A-Z0-9-]{1,6}[.,;]?$/.test(usable[to].text) &&
        /\d/.test(usable[to].text) &&
        !/[.,;:]$/.test(usable[to - 1].text)
      )
        to++;
      const value = usable
        .slice(0, to)
        .map((w) => w.text)
        .join(' ')
        .replace(/[,;:]$|(?<=\d)\.$/, '');
      return mapBack({ value, from: 0, to }, 0.85);
    }
    case 'boolean':
    case 'enum':
      return null; // read by choice-marks.ts
    default:
      return readText(kind, usable, words);
  }
}

// Words whose period belongs to them, not to a sentence: initials, company forms, street types, titles.
const ABBREVIATION =
  /^(?:[A-Z]\.|[A-Z]\.[A-Z]\.|Inc\.|Co\.|Corp\.|Ltd\.|Jr\.|Sr\.|St\.|Dr\.|Mr\.|Ms\.|Mrs\.|Ave\.|Blvd\.|No\.|Esq\.)$/i;

/** A value without leading separators and trailing punctuation (a final period stays after an abbreviation). */
export function trimValue(text: string): string {
  let v = text.replace(/^[:#\-–\s]+/, '').replace(/[\s,;:]+$/, '');
  const last = v.split(/\s+/).pop() ?? '';
  if (v.endsWith('.') && !ABBREVIATION.test(last)) v = v.slice(0, -1);
  return v.trim();
}

const CLOSERS = /^(?:and|or|since|at|with|who|which|effective|from|on|per|for|in|as|is|was)$/i;

function readText(kind: ValueKind, usable: LayoutWord[], words: readonly LayoutWord[]): ValueReading | null {
  let to = usable.length;
  // Free text ends at a sentence's end; names stop before a connective.
  for (let i = 0; i < usable.length; i++) {
    const t = usable[i].text;
    if (kind === 'personName' && i > 0 && (CLOSERS.test(t) || /^\(/.test(t))) {
      to = i;
      break;
    }
    if (/[.;]$/.test(t) && !ABBREVIATION.test(t)) {
      to = i + 1;
      break;
    }
  }
  const picked = usable.slice(0, to);
  const value = trimValue(picked.map((w) => w.text).join(' '));
  if (!value || !/[A-Za-z0-9%]/.test(value)) return null;
  if (/^_+$/.test(value)) return null;
  let fit = 0.7;
  if (kind === 'personName') {
    const ws = value.split(/\s+/);
    if (/\d/.test(value) || ws.length > 6) return null;
    if (!/^[A-Z]/.test(value)) return null;
    fit = ws.length >= 2 ? 0.8 : 0.55;
  } else if (kind === 'street') {
    fit = /^\d+\s+\S/.test(value) || /^p\.?\s*o\.?\s+box/i.test(value) ? 0.85 : 0.45;
  } else if (kind === 'orgName') {
    fit = /\d{3}/.test(value) ? 0.4 : 0.75;
  }
  if (value.length > 120) return null;
  return { value, from: words.indexOf(picked[0]), to: words.indexOf(picked[picked.length - 1]) + 1, fit };
}

/** Whether a value of this kind could be read from these words at all (a cheap test for "is a value"). */
export function looksLikeValue(words: readonly LayoutWord[]): boolean {
  const t = words.map((w) => w.text).join(' ');
  return /\d/.test(t) || /@/.test(t);
}

export { isValidNpi };
