// Typed values as they are written on faxes (dates, US phone numbers, NPIs, money, checkboxes): finding
// them in text and turning them into canonical JSON values (ISO 8601, E.164, numbers, booleans).
// Numeric dates and box-printed dates are ours; prose dates come from chrono-node and phone numbers
// from libphonenumber-js, which know far more of the ways people write them than a regex here would.

import * as chrono from 'chrono-node';
import { findPhoneNumbersInText } from 'libphonenumber-js';

// The letters fax OCR reads for digits. O/o/l/I/|/S/s are swapped anywhere in a numeric token; B, Z and g
// also look like letters inside real words, so they count only between two digits ("1B5" → "185").
const ANYWHERE: Record<string, string> = { O: '0', o: '0', l: '1', I: '1', '|': '1', S: '5', s: '5' };
const BETWEEN: Record<string, string> = { B: '8', Z: '2', g: '9' };

/**
 * Undoes OCR letter-for-digit swaps inside tokens that are otherwise numeric ("O3/l4/1985" → "03/14/1985",
 * "$1,2B4.00" → "$1,284.00"), one character for one so offsets stay valid. A token holding any other letter
 * ("1st", "CLM328"), no real digit, or more letters than digits is left alone: digits are never invented.
 * An S or s leading an amount with cents is the dollar sign ("S25.00" → "$25.00").
 */
export function repairDigits(text: string): string {
  return text.replace(/[0-9OolI|SsBZg$,./()-]{2,}/g, (run, at: number, all: string) => {
    // The run must be the whole token: a letter glued to either side makes it a word.
    if (/[A-Za-z]/.test(all[at - 1] ?? '') || /[A-Za-z]/.test(all[at + run.length] ?? '')) return run;
    const digits = (run.match(/\d/g) ?? []).length;
    const letters = (run.match(/[OolI|SsBZg]/g) ?? []).length;
    if (digits === 0 || letters > digits) return run;
    const dollar = /^[Ss](?=[\dOolI|]{1,3}(?:,[\dOolI|]{3})*\.[\dOolI|]{2}[.,;)]?$)/.test(run);
    const chars = [...run];
    return chars
      .map((c, i) => {
        if (i === 0 && dollar) return '$';
        if (ANYWHERE[c]) return ANYWHERE[c];
        const between = BETWEEN[c];
        return between && /\d/.test(chars[i - 1] ?? '') && /\d/.test(chars[i + 1] ?? '') ? between : c;
      })
      .join('');
  });
}

export interface TextMatch<T> {
  /** Offsets into the searched text. */
  start: number;
  end: number;
  text: string;
  value: T;
}

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const MONTH_NAME =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';

// Alternatives tried in order; each names its groups so one parser serves them all.
const DATE_PATTERNS: RegExp[] = [
  /(?<![\dA-Za-z])(?<y>(?:19|20)\d\d)-(?<m>[01]?\d)-(?<d>[0-3]?\d)(?![\d])/g,
  /(?<![\dA-Za-z/.-])(?<a>[0-3]?\d)\s?(?<sep>[/.-])\s?(?<b>[0-3]?\d)\s?\k<sep>\s?(?<y>(?:19|20)?\d\d)(?![\d/])/g,
  // A separator the fax broke into another one ("03/14-1985", "03.14/1985"): only with a four-digit year.
  /(?<![\dA-Za-z/.-])(?<a>[0-3]?\d)\s?[/.-]\s?(?<b>[0-3]?\d)\s?[/.-]\s?(?<y>(?:19|20)\d\d)(?![\d/])/g,
  new RegExp(
    `(?<![A-Za-z])(?<mn>${MONTH_NAME})\\.?\\s+(?<d>[0-3]?\\d)(?:st|nd|rd|th)?,?\\s+(?<y>(?:19|20)\\d\\d)(?!\\d)`,
    'gi',
  ),
  new RegExp(
    `(?<![\\dA-Za-z])(?<d>[0-3]?\\d)(?:st|nd|rd|th)?[\\s-]+(?<mn>${MONTH_NAME})\\.?,?[\\s-]+(?<y>(?:19|20)?\\d\\d)(?!\\d)`,
    'gi',
  ),
];

// Dates typed into a form's boxes: "09 27 2011", "01 | 22 | 1978" (month, day, four-digit year).
const BOX_DATE =
  /(?<![\dA-Za-z])(?<a>[01]\d)\s{1,3}\|?\s?(?<b>[0-3]\d)\s{1,3}\|?\s?(?<y>(?:19|20)\d\d)(?![\d])/g;

/** Every date written in `text`, as ISO `YYYY-MM-DD`; US order (month first) unless the first part is > 12. */
export function findDates(text: string): TextMatch<string>[] {
  const found: TextMatch<string>[] = [];
  for (const m of text.matchAll(BOX_DATE)) {
    const iso = isoDate(Number(m.groups?.y), Number(m.groups?.a), Number(m.groups?.b));
    const start = m.index ?? 0;
    if (iso) found.push({ start, end: start + m[0].length, text: m[0], value: iso });
  }
  // Prose ("the 5th day of March, 2024", "Sept. 5th 2024"): only dates whose year is written.
  if (/[A-Za-z]{3}/.test(text)) {
    for (const r of chrono.en.strict.parse(text)) {
      if (!r.start.isCertain('year') || !r.start.isCertain('day') || !/[A-Za-z]/.test(r.text)) continue;
      const iso = isoDate(r.start.get('year') ?? 0, r.start.get('month') ?? 0, r.start.get('day') ?? 0);
      const start = r.index;
      const end = start + r.text.length;
      if (iso && !found.some((f) => start < f.end && end > f.start))
        found.push({ start, end, text: r.text, value: iso });
    }
  }
  for (const pattern of DATE_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const g = m.groups ?? {};
      let month: number;
      let day: number;
      if (g.mn) {
        month = MONTHS[g.mn.toLowerCase().slice(0, g.mn.toLowerCase().startsWith('sept') ? 4 : 3)] ?? 0;
        day = Number(g.d);
      } else if (g.a) {
        const a = Number(g.a);
        const b = Number(g.b);
        [month, day] = a > 12 && b <= 12 ? [b, a] : [a, b];
      } else {
        month = Number(g.m);
        day = Number(g.d);
      }
      const iso = isoDate(expandYear(g.y), month, day);
      if (!iso) continue;
      const start = m.index ?? 0;
      const end = start + m[0].length;
      if (found.some((f) => start < f.end && end > f.start)) continue;
      found.push({ start, end, text: m[0], value: iso });
    }
  }
  return found.sort((x, y) => x.start - y.start);
}

function expandYear(y: string): number {
  const n = Number(y);
  if (y.length === 4) return n;
  // Two-digit years: up to next year's two digits means this century (forms rarely look further ahead).
  const pivot = (new Date().getUTCFullYear() + 1) % 100;
  return n <= pivot ? 2000 + n : 1900 + n;
}

function isoDate(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCMonth() !== month - 1) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A date value in any written format → ISO, or null. */
export function parseDate(text: string): string | null {
  return findDates(text)[0]?.value ?? null;
}

const PHONE =
  /(?<![\d])(?:\+?1[\s.-]?)?(?:\((?<a1>[2-9]\d\d)\)|(?<a2>[2-9]\d\d))(?:\s?[.-]?\s?)(?<x>[2-9]\d\d)(?:\s?[.-]?\s?)(?<n>\d{4})(?![\d])/g;

/** US phone and fax numbers in `text`, as E.164 (`+15555550123`). */
export function findPhones(text: string): TextMatch<string>[] {
  const out: TextMatch<string>[] = [];
  for (const m of findPhoneNumbersInText(text, { defaultCountry: 'US', extended: false } as never)) {
    const { startsAt, endsAt, number } = m as {
      startsAt: number;
      endsAt: number;
      number: { number: string };
    };
    // A bare ten-digit run is more often an NPI, an account or a claim number than a phone.
    const written = text.slice(startsAt, endsAt);
    if (/^\d{10,11}$/.test(written) && !/^1?[2-9]\d{2}[2-9]\d{6}$/.test(written)) continue;
    out.push({ start: startsAt, end: endsAt, text: written, value: number.number });
  }
  // libphonenumber leaves out fictional 555 exchanges in some ranges; the plain pattern keeps them.
  for (const m of text.matchAll(PHONE)) {
    const g = m.groups ?? {};
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (out.some((o) => start < o.end && end > o.start)) continue;
    out.push({ start, end, text: m[0], value: `+1${g.a1 ?? g.a2}${g.x}${g.n}` });
  }
  return out.sort((a, b) => a.start - b.start);
}

export function parsePhone(text: string): string | null {
  const direct = findPhones(text)[0]?.value;
  if (direct) return direct;
  const digits = text.replace(/\D/g, '');
  if (/^1?[2-9]\d\d[2-9]\d{6}$/.test(digits)) return `+1${digits.slice(-10)}`;
  return null;
}

/** National Provider Identifier check: Luhn over "80840" + the 10 digits (CMS NPI standard). */
export function isValidNpi(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  return luhnValid(`80840${npi}`);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function findNpis(text: string): TextMatch<string>[] {
  const out: TextMatch<string>[] = [];
  for (const m of text.matchAll(/(?<![\d])\d{10}(?![\d])/g)) {
    if (!isValidNpi(m[0])) continue;
    const start = m.index ?? 0;
    out.push({ start, end: start + 10, text: m[0], value: m[0] });
  }
  return out;
}

// Thousands groups as faxes print them: "1,234", with a stray space inside a group ("1,2 34"); after a currency sign also space-separated ("$1 234.56"), which unsigned would be two numbers.
const GROUPS = String.raw`\d{1,3}(?:,\d\s?\d\s?\d(?!\d))+`;
const SPACED_GROUPS = String.raw`\d{1,3}(?:\s\d{3})+(?=\.\d\d(?!\d))`;
const NUMBER = new RegExp(
  String.raw`(?<![\w.])\(?-?(?:(?:USD\s?|\$\s?)(?:${SPACED_GROUPS}|${GROUPS}|\d+)|${GROUPS}|\d+)(?:\.\d+)?\)?(?![\w]|\.\d)`,
  'gi',
);

/** Numbers (with thousands separators, currency signs, accounting parentheses) in `text`. */
export function findNumbers(text: string): TextMatch<number>[] {
  const out: TextMatch<number>[] = [];
  for (const m of text.matchAll(NUMBER)) {
    const value = parseNumber(m[0]);
    if (value === null) continue;
    const start = m.index ?? 0;
    out.push({ start, end: start + m[0].length, text: m[0], value });
  }
  return out;
}

export function parseNumber(text: string): number | null {
  const trimmed = text.trim();
  const negative = /^\(.*\)$/.test(trimmed) || /^-/.test(trimmed);
  const cleaned = trimmed.replace(/^\(|\)$/g, '').replace(/USD|\$|,|\s|^-/gi, '');
  if (!/^\d+(?:\.\d+)?$/.test(cleaned)) return null;
  const n = Number(cleaned);
  return Number.isFinite(n) ? (negative ? -n : n) : null;
}

// Ticked boxes as OCR reads them: [X], [x], [✓], (X), ☒, ☑, ■.
const CHECKED = String.raw`(?:[\[(]\s*[xX✓✔■*]\s*[\])]|[☒☑■])`;
const UNCHECKED = String.raw`(?:[\[(]\s?[\])]|[☐□])`;

export interface BooleanReading {
  value: boolean;
  start: number;
  end: number;
}

/**
 * Reads a yes/no answer from the text that follows (or surrounds) a label: a ticked Yes/No pair, a
 * lone box before or after the label, or a plain Yes/No/Y/N/True/False word.
 */
export function readBoolean(after: string, before = ''): BooleanReading | null {
  // "[X] Yes [ ] No" puts boxes before words, "Yes [X] No [ ]" after: which one decides what a box belongs to.
  const boxesFirst = new RegExp(
    String.raw`^\s*[:\-]?\s*(?:${CHECKED}|${UNCHECKED})\s*(?:yes|no)\b`,
    'i',
  ).test(after);
  const pair = boxesFirst
    ? new RegExp(String.raw`(?:${CHECKED})\s*(yes|no)\b`, 'i')
    : new RegExp(String.raw`\b(yes|no)\s*(?:${CHECKED})`, 'i');
  const p = pair.exec(after);
  if (p) return { value: p[1].toLowerCase() === 'yes', start: p.index, end: p.index + p[0].length };
  const word = /^\s*[:\-–]?\s*(yes|no|y|n|true|false)\b/i.exec(after);
  if (word) {
    const w = word[1].toLowerCase();
    const start = word.index + word[0].length - word[1].length;
    return { value: w === 'yes' || w === 'y' || w === 'true', start, end: start + word[1].length };
  }
  const boxAfter = new RegExp(String.raw`^\s*[:\-]?\s*(?:(${CHECKED})|(${UNCHECKED}))`).exec(after);
  if (boxAfter) return { value: Boolean(boxAfter[1]), start: 0, end: boxAfter[0].length };
  const boxBefore = new RegExp(String.raw`(?:(${CHECKED})|(${UNCHECKED}))\s*$`).exec(before);
  if (boxBefore) return { value: Boolean(boxBefore[1]), start: -(before.length - boxBefore.index), end: 0 };
  return null;
}

/** Policy, claim, member, case and invoice identifiers: one token of letters/digits/dashes with a digit. */
export const IDENTIFIER = /(?<![A-Za-z0-9-])[A-Za-z0-9][A-Za-z0-9\-/.]{2,30}[A-Za-z0-9](?![A-Za-z0-9-])/g;

export function findIdentifiers(text: string): TextMatch<string>[] {
  const out: TextMatch<string>[] = [];
  for (const m of text.matchAll(IDENTIFIER)) {
    if (!/\d/.test(m[0])) continue;
    const start = m.index ?? 0;
    out.push({ start, end: start + m[0].length, text: m[0], value: m[0] });
  }
  return out;
}

export const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

export function findEmails(text: string): TextMatch<string>[] {
  return [...text.matchAll(EMAIL)].map((m) => ({
    start: m.index ?? 0,
    end: (m.index ?? 0) + m[0].length,
    text: m[0],
    value: m[0].toLowerCase(),
  }));
}

/** US ICD-10-CM codes (A00–Z99 with optional decimals), as diagnosis fields carry them. */
export const ICD10 = /(?<![A-Za-z0-9])[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?(?![A-Za-z0-9])/g;
