// What a schema field is called on paper and what its value looks like: label phrases built from the
// field's name, its description and the public vocabulary of US forms (synonyms, abbreviations such as
// DOB, Pt, Mbr, Acct, NPI#), matched against OCR tokens with tolerance for fax noise.

import type { SchemaField } from './extraction-schema.ts';
import { fieldKind as baseKind, splitFieldName } from './field-labels.ts';

export type ValueKind =
  | 'date'
  | 'time'
  | 'phone'
  | 'npi'
  | 'email'
  | 'money'
  | 'number'
  | 'year'
  | 'boolean'
  | 'enum'
  | 'icd10'
  | 'code'
  | 'identifier'
  | 'zip'
  | 'state'
  | 'street'
  | 'address'
  | 'personName'
  | 'orgName'
  | 'text';

/** A label phrase as tokens, with how strongly it names the field (1 = its own name). */
export interface LabelPhrase {
  tokens: string[];
  weight: number;
}

/** Options an enum field lists in its description ("one of: urgent, standard"), as written there. */
export function enumOptions(field: SchemaField): string[] | null {
  const m = /one of:?\s*([^.;()]+)/i.exec(field.description ?? '');
  if (!m) return null;
  const options = m[1]
    .split(/,|\bor\b/)
    .map((o) => o.trim())
    .filter((o) => o && o.length <= 40);
  return options.length >= 2 ? options : null;
}

const US_STATES = new Set(
  (
    'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH ' +
    'OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU'
  ).split(' '),
);
export const isStateCode = (s: string) => US_STATES.has(s.toUpperCase());

const ORG_WORDS = new Set([
  'employer',
  'company',
  'carrier',
  'insurer',
  'payer',
  'vendor',
  'firm',
  'agency',
  'practice',
  'facility',
  'hospital',
  'school',
  'lender',
  'bank',
  'court',
  'organization',
  'office',
  'clinic',
  'plan',
  'holder',
]);

/** The kind of value a field holds, from its type, name and description. */
export function valueKind(name: string, field: SchemaField): ValueKind {
  const words = splitFieldName(name);
  const last = words[words.length - 1] ?? '';
  const desc = (field.description ?? '').toLowerCase();
  if (field.type === 'boolean') return 'boolean';
  if (field.type === 'number') {
    if (/\byear\b/.test(last) || words.includes('year') || /tax years?/.test(desc)) return 'year';
    const base = baseKind(name, field);
    return base === 'money' || /dollars|\$/.test(desc) ? 'money' : 'number';
  }
  if (field.type !== 'string') return 'text';
  if (enumOptions(field)) return 'enum';
  if (/yyyy-mm-dd/.test(desc)) return 'date';
  if (/e\.164/.test(desc)) return 'phone';
  if (/\bhh:mm\b|\bh:mm\b/.test(desc) || last === 'time') return 'time';
  if (last === 'zip' || words.includes('zip') || last === 'postal') return 'zip';
  if (last === 'state' && !words.includes('statement')) return 'state';
  if (last === 'street' || /street address|street line/.test(desc)) return 'street';
  if (/\bicd-?10\b|diagnos[ie]s codes?/.test(desc) || (words.includes('diagnoses') && !desc)) return 'icd10';
  if (/\b(cpt|hcpcs|revenue code)\b/.test(desc) || ['hcpcs', 'cpt'].includes(last)) return 'code';
  if (last === 'ssn' || words.includes('ssn') || /last (four|4)/.test(desc)) return 'identifier';
  const base = baseKind(name, field);
  if (base === 'personName') return 'personName';
  if (base === 'text' || base === 'identifier') {
    if (last === 'name' && words.some((w) => ORG_WORDS.has(w))) return 'orgName';
    if (words.length === 1 && ORG_WORDS.has(last)) return 'orgName';
    if (last === 'name' && /company|agency|organi[sz]ation|facility|firm|practice|plan|payer/.test(desc))
      return 'orgName';
    if (last === 'name' && /\b(person|attorney|signer|contact|who)\b/.test(desc)) return 'personName';
  }
  if (base === 'icd10') return 'icd10';
  return base as ValueKind;
}

// Phrases a form prints for a concept: each group's members name the same thing. Lower case tokens.
const SYNONYMS: string[][] = [
  // Period columns of earnings and tax grids.
  ['ytd', 'year to date', 'ytd earnings', 'ytd total'],
  ['prior year', 'past year', 'previous year', 'last year', 'prior yr', 'py'],
  ['current year', 'this year', 'current yr', 'cy'],
  ['date of birth', 'dob', 'birth date', 'birthdate', 'd o b', 'born', 'date of birth mm dd yyyy'],
  ['name', 'full name', 'name printed', 'print name', 'printed name'],
  ['first name', 'first', 'given name'],
  ['last name', 'last', 'surname', 'family name'],
  ['middle name', 'middle', 'middle initial', 'mi'],
  [
    'member id',
    'member number',
    'member no',
    'mbr id',
    'member #',
    'id number',
    'id #',
    'id',
    'subscriber id',
  ],
  ['policy number', 'policy no', 'policy #', 'pol no', 'policy'],
  ['group number', 'group no', 'group #', 'grp', 'group'],
  ['claim number', 'claim no', 'claim #', 'claim', 'our claim', 'claim id'],
  ['npi', 'npi number', 'npi #', 'npi no', 'national provider identifier'],
  ['tax id', 'tin', 'ein', 'federal tax id', 'tax id number', 'federal id', 'fein', 'tax id ein'],
  [
    'case number',
    'case no',
    'case #',
    'docket number',
    'docket no',
    'civil action no',
    'index no',
    'file no',
  ],
  ['invoice number', 'invoice no', 'invoice #', 'inv no', 'inv #', 'invoice'],
  ['invoice date', 'date of invoice', 'inv date', 'date issued', 'issue date', 'date'],
  ['due date', 'payment due', 'date due', 'due', 'pay by'],
  ['phone', 'phone number', 'telephone', 'tel', 'ph', 'phone no', 'phone #', 'telephone number'],
  ['cell phone', 'cell', 'mobile', 'mobile phone', 'cell #'],
  ['home phone', 'home', 'home #'],
  ['work phone', 'work', 'work #', 'business phone'],
  ['fax', 'fax number', 'fax no', 'fax #', 'facsimile', 'fax back'],
  ['email', 'e mail', 'email address', 'e mail address'],
  ['street', 'address', 'street address', 'addr', 'mailing address', 'address line'],
  ['city', 'town', 'city town'],
  ['state', 'st'],
  ['zip', 'zip code', 'postal code', 'zipcode'],
  ['employer', 'employer name', 'company', 'company name', 'employed by', 'name of employer'],
  ['position', 'job title', 'title', 'occupation', 'position title', 'employed as', 'job'],
  ['hire date', 'date of hire', 'start date', 'date hired', 'employed since', 'hired'],
  ['monthly rent', 'rent', 'rent amount', 'current rent'],
  ['admission date', 'date of admission', 'admit date', 'admitted'],
  ['discharge date', 'date of discharge', 'discharged'],
  ['date of service', 'dos', 'service date', 'dates of service'],
  ['date of loss', 'loss date', 'date of accident', 'date of incident', 'incident date', 'accident date'],
  ['time of loss', 'time', 'time of accident', 'time of incident'],
  ['collected', 'collection date', 'date collected', 'collected date', 'specimen collected', 'coll date'],
  ['reported', 'report date', 'date reported', 'reported date', 'final report'],
  ['license number', 'license no', 'license #', 'lic #', 'lic no', 'drivers license', 'dl #', 'license'],
  ['relationship', 'relation', 'relationship to patient', 'relationship to student', 'relation to insured'],
  ['sex', 'gender'],
  ['signature date', 'date signed', 'signed', 'date', 'signed date', 'signed on'],
  ['quantity', 'qty', 'qty ordered', 'units', 'qty shipped'],
  ['description', 'desc', 'item', 'item description', 'service', 'description of service', 'product'],
  ['amount', 'amt', 'line total', 'total', 'ext', 'extended', 'ext amount', 'ext price'],
  ['unit price', 'rate', 'price', 'unit cost', 'price each', 'each'],
  ['subtotal', 'sub total'],
  ['tax', 'sales tax', 'tax amount'],
  ['total', 'total due', 'grand total', 'invoice total', 'total amount'],
  ['amount due', 'balance due', 'total due', 'please pay', 'amount due now', 'balance'],
  ['purchase order', 'po', 'po number', 'p o', 'p o #', 'po #', 'customer po'],
  ['terms', 'payment terms'],
  ['bill to', 'billed to', 'sold to', 'customer'],
  ['account number', 'account no', 'acct', 'acct #', 'acct no', 'account #', 'account'],
  [
    'mrn',
    'medical record number',
    'med rec #',
    'medical record no',
    'record number',
    'chart number',
    'mrn #',
  ],
  ['ssn', 'social security number', 'social security', 'ss #', 'soc sec no'],
  ['diagnosis', 'dx', 'diagnoses', 'diagnosis codes', 'icd 10', 'icd 10 codes', 'dx codes', 'diagnosis code'],
  ['procedure code', 'cpt', 'hcpcs', 'cpt code', 'cpt hcpcs', 'code', 'hcpcs code', 'procedure'],
  ['units', 'unit', 'qty', 'days or units', 'visits', 'units visits'],
  ['start date', 'from', 'begin date', 'from date', 'start'],
  ['end date', 'to', 'through', 'thru', 'to date', 'end'],
  ['plaintiff', 'plaintiffs', 'petitioner', 'petitioners'],
  ['defendant', 'defendants', 'respondent', 'respondents'],
  ['judge', 'hon', 'honorable', 'judicial officer', 'assigned judge'],
  ['courtroom', 'dept', 'department', 'room', 'courtroom dept'],
  ['patient', 'pt', 'patient name', 'name of patient', 'patient s name'],
  ['member', 'mbr', 'enrollee', 'subscriber', 'insured'],
  ['insured', 'policyholder', 'named insured', 'subscriber', 'policy holder'],
  ['provider', 'physician', 'doctor', 'prescriber', 'practitioner'],
  ['referring', 'referred by', 'referring provider', 'referring physician'],
  ['co applicant', 'co applicant information', 'coapplicant', 'joint applicant', 'second applicant'],
  ['applicant', 'primary applicant', 'applicant information'],
  ['guardian', 'parent guardian', 'parent', 'parent or guardian'],
  ['emergency contact', 'emergency contacts', 'emergency'],
  ['reference', 'references', 'personal references'],
  ['vehicle', 'vehicles', 'auto'],
  ['pet', 'pets', 'animals'],
  ['carrier', 'insurance company', 'insurer', 'company'],
  ['vin', 'vehicle identification number', 'v i n'],
  ['plate', 'plate number', 'license plate', 'tag', 'plate #'],
  ['make', 'vehicle make'],
  ['model', 'vehicle model'],
  ['year', 'yr', 'vehicle year'],
  ['accession number', 'accession', 'accession #', 'specimen id', 'specimen number', 'acc #', 'lab no'],
  ['employee', 'employee name', 'applicant', 'borrower'],
  ['letter date', 'date'],
  ['ordering provider', 'ordering physician', 'ordered by', 'ordering'],
  ['memo', 'notes', 'comments'],
  // Result tables (lab reports, measurements): what was measured, its value, unit, flag and range.
  ['test', 'test name', 'tests', 'analyte', 'component', 'test description', 'procedure name'],
  ['value', 'result', 'results', 'result value', 'current result', 'observed value', 'reading'],
  ['flag', 'flags', 'abnormal flag', 'abn', 'abnormal', 'h l'],
  [
    'reference range',
    'reference interval',
    'ref range',
    'ref interval',
    'normal range',
    'reference',
    'range',
    'normal values',
  ],
];

// Token-level abbreviations: each group's members stand for the same word.
const WORD_ALIASES: string[][] = [
  ['number', 'no', '#', 'num', 'nbr'],
  ['identifier', 'id'],
  ['amount', 'amt'],
  ['quantity', 'qty'],
  ['description', 'desc'],
  ['telephone', 'phone', 'tel', 'ph'],
  ['address', 'addr'],
  ['patient', 'pt', 'patients'],
  ['member', 'mbr'],
  ['account', 'acct'],
  ['department', 'dept'],
  ['date', 'dt'],
  ['insurance', 'ins'],
  ['information', 'info'],
  ['physician', 'phys', 'provider', 'doctor', 'dr'],
  ['organization', 'org'],
  ['previous', 'prior', 'prev', 'former'],
  ['current', 'present'],
  ['secondary', '2nd', 'other'],
  ['primary', '1st', 'main'],
  ['employee', 'emp'],
  ['company', 'co'],
  ['medical', 'med'],
  ['application', 'app'],
  ['reference', 'ref'],
  ['authorization', 'auth'],
  ['signature', 'sig'],
  ['license', 'lic'],
  ['months', 'mos', 'mo'],
  ['years', 'yrs', 'yr'],
];

const STOP = new Set(['of', 'the', 'a', 'an', 's', 'for', 'and', 'or', 'to', 'if', 'any', 'in', 'on', 'by']);
// Description words that say how to format, not what the field is.
const FORMAT_WORDS =
  /\b(yyyy-mm-dd|e\.164|dollars?|as printed|as written|as titled[^,;]*|name only|one of:.*|if any|e\.g\..*|without .*|in the caption|\(.*\))/gi;

/** `"Patient's D.O.B.:"` → `['patient', 'dob']`: lower case, possessives and dots folded. */
export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .replace(/\b([a-z])\.(?=[a-z]\.)/g, '$1')
    .replace(/\b([a-z])\.([a-z])\.?/g, '$1$2')
    .replace(/#/g, ' # ')
    .split(/[^a-z0-9#]+/)
    .filter(Boolean);
}

function aliasesOf(word: string): string[] {
  const group = WORD_ALIASES.find((g) => g.includes(word));
  return group ?? [word];
}

/** Every phrase a form may print for the field, heaviest first. */
export function labelPhrases(name: string, field: SchemaField): LabelPhrase[] {
  const words = splitFieldName(name).filter((w) => !(w === 'is' || w === 'has'));
  const out: LabelPhrase[] = [];
  const add = (t: string[], weight: number) => {
    const toks = t.filter(Boolean);
    if (toks.length) out.push({ tokens: toks, weight });
  };
  const phrase = words.join(' ');
  add(words, 1);
  for (const group of SYNONYMS) {
    if (group.includes(phrase)) for (const p of group) add(p.split(' '), p === phrase ? 1 : 0.92);
  }
  // Word-by-word aliases ("accountNumber" → "acct no").
  if (words.length <= 4) {
    let variants: string[][] = [[]];
    for (const w of words)
      variants = variants.flatMap((v) => aliasesOf(w).map((a) => [...v, a])).slice(0, 48);
    for (const v of variants) add(v, 0.95);
  }
  // "insuredName" is printed "Insured:", "employerName" "Employer:": the named thing stands for its name.
  if (words.length >= 2 && words[words.length - 1] === 'name') add(words.slice(0, -1), 0.9);
  // The last word alone (its synonyms too): "memberId" is often just "ID" inside a member section.
  if (words.length > 1) {
    const tail = words.slice(1).join(' ');
    add(words.slice(1), 0.7);
    for (const group of SYNONYMS) if (group.includes(tail)) for (const p of group) add(p.split(' '), 0.66);
  }
  // The description: quoted phrases first, then its first clause ("policy group or FECA number").
  const desc = field.description ?? '';
  for (const q of desc.matchAll(/["“']([^"”']{2,40})["”']/g)) add(tokens(q[1]), 0.95);
  const clause = desc.replace(FORMAT_WORDS, ' ').split(/[;,(]/)[0];
  const clauseTokens = tokens(clause).filter((t) => !STOP.has(t));
  if (clauseTokens.length && clauseTokens.length <= 6) add(clauseTokens, 0.8);
  return dedupe(out).sort((a, b) => b.weight - a.weight || b.tokens.length - a.tokens.length);
}

/** Phrases a section heading may print for an object (or array) field. */
export function sectionPhrases(name: string, field: SchemaField): LabelPhrase[] {
  const phrases = labelPhrases(name, { type: 'string', description: field.description });
  const words = splitFieldName(name);
  // "requestingProvider" heads a "REQUESTING (ORDERING) PROVIDER" section; "guardians" a "Guardian 1".
  const singular = words.map((w) => w.replace(/ies$/, 'y').replace(/(?<!s)s$/, ''));
  phrases.push({ tokens: singular, weight: 0.95 });
  return dedupe(phrases);
}

function dedupe(list: LabelPhrase[]): LabelPhrase[] {
  const seen = new Map<string, LabelPhrase>();
  for (const p of list) {
    const key = p.tokens.join(' ');
    const prev = seen.get(key);
    if (!prev || prev.weight < p.weight) seen.set(key, p);
  }
  return [...seen.values()];
}

// Letters fax OCR confuses, folded to one representative before comparing.
const FOLD: Record<string, string> = { '0': 'o', '1': 'l', i: 'l', '5': 's', '8': 'b', rn: 'm' };

export function fold(t: string): string {
  return t.replace(/rn/g, 'm').replace(/[01i58]/g, (c) => FOLD[c] ?? c);
}

/**
 * Whether an OCR token reads as a label word: equal, OCR-confusable, or a few edits off, the edits
 * allowed growing with the word's length and the quality falling with each one.
 */
const matchMemo = new Map<string, number>();

export function tokenMatches(seen: string, want: string): number {
  if (seen === want) return 1;
  const key = `${seen}\u0000${want}`;
  let q = matchMemo.get(key);
  if (q === undefined) {
    q = fuzzyTokenMatch(seen, want);
    if (matchMemo.size > 200_000) matchMemo.clear();
    matchMemo.set(key, q);
  }
  return q;
}

function fuzzyTokenMatch(seen: string, want: string): number {
  if (want === '#' || seen === '#') return 0;
  // Figures are never a misread word ("10" is no "lo", "1500" no "isoo").
  if (/^\d+$/.test(seen) || /^\d+$/.test(want)) return 0;
  const a = fold(seen);
  const b = fold(want);
  if (a === b) return 0.95;
  // A word the vocabulary knows is read as itself: "insured" is never a noisy "insurer" (though
  // "year" may stand for "years").
  if (VOCABULARY.has(seen) && !a.startsWith(b) && !b.startsWith(a)) return 0;
  const allowed = editsAllowed(b.length);
  if (!allowed || Math.abs(a.length - b.length) > allowed) return 0;
  const d = editDistance(a, b);
  if (d > allowed) return 0;
  // Fax noise rarely spares the first letter of a short word and changes the rest: a four-letter
  // word one edit off must keep its first letter ("emal" is "email", "bate" is no "date").
  if (b.length <= 4 && a[0] !== b[0]) return 0;
  return 0.9 - 0.07 * d - (b.length <= 4 ? 0.08 : 0);
}

// Every word of the label vocabulary, spelled right: a token equal to one is that word, not a misread.
const VOCABULARY = new Set(
  [...SYNONYMS, ...WORD_ALIASES].flatMap((group) => group.flatMap((p) => p.split(' '))),
);

/**
 * Text that reads as a form's caption rather than a value: two or more words all from the label
 * vocabulary ("BIRTH DATE SEX"), or words led by a joining word ("OR PROGRAM NAME", "of referring
 * provider"), which no name or value starts with.
 */
export function isCaptionText(text: string): boolean {
  const toks = tokens(text).filter((t) => !/^\d+$/.test(t));
  if (!toks.length) return false;
  if (CAPTION_LEADS.has(toks[0]) && toks.length >= 2) return true;
  return toks.length >= 2 && toks.every((t) => VOCABULARY.has(t) || STOP.has(t));
}

const CAPTION_LEADS = new Set(['of', 'or', 'for', 'to', 'and', 'if']);

/** Edits an OCR reading of a word of `length` letters may carry and still be read as that word. */
function editsAllowed(length: number): number {
  if (length <= 3) return 0;
  if (length <= 7) return 1;
  if (length <= 11) return 2;
  return 3;
}

export function editDistance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

export interface PhraseMatch {
  /** Token range [from, to) of the matched label in the token list. */
  from: number;
  to: number;
  quality: number;
}

/**
 * Where `phrase` occurs in `toks`: its tokens in order, a stop word of the document allowed between
 * them ("date of the hearing"), a word OCR split in two ("Pat ient") or two it ran together
 * ("DATEOF BIRTH") matched at a lower quality; the best quality first.
 */
export function matchPhrase(toks: readonly string[], phrase: LabelPhrase): PhraseMatch[] {
  const want = phrase.tokens;
  const out: PhraseMatch[] = [];
  for (let i = 0; i < toks.length; i++) {
    const head = step(toks, i, want, 0);
    if (!head) continue;
    let q = head.quality;
    let j = i + head.seen;
    let k = head.wanted;
    while (k < want.length && j < toks.length) {
      let m = step(toks, j, want, k);
      if (!m && STOP.has(toks[j]) && j + 1 < toks.length) {
        const after = step(toks, j + 1, want, k);
        if (after) m = { ...after, quality: after.quality * 0.95, seen: after.seen + 1 };
      }
      if (!m) break;
      q *= m.quality;
      j += m.seen;
      k += m.wanted;
    }
    if (k === want.length) out.push({ from: i, to: j, quality: q * phrase.weight });
  }
  return out.sort((a, b) => b.quality - a.quality);
}

// A word split by OCR or two words run together: worth less than a clean read of each.
const JOIN_PENALTY = 0.9;

/** How `toks[j…]` reads `want[k…]`: one token for one word, two for one, or one for two. */
function step(
  toks: readonly string[],
  j: number,
  want: readonly string[],
  k: number,
): { quality: number; seen: number; wanted: number } | null {
  const one = tokenMatches(toks[j], want[k]);
  if (one) return { quality: one, seen: 1, wanted: 1 };
  const letters = (t: string | undefined) => t !== undefined && /^[a-z]+$/.test(t);
  if (want[k].length >= 4 && letters(toks[j]) && letters(toks[j + 1])) {
    const split = tokenMatches(toks[j] + toks[j + 1], want[k]);
    if (split) return { quality: split * JOIN_PENALTY, seen: 2, wanted: 1 };
  }
  if (letters(want[k + 1]) && letters(toks[j]) && toks[j].length >= 4) {
    const merged = tokenMatches(toks[j], want[k] + want[k + 1]);
    if (merged) return { quality: merged * JOIN_PENALTY, seen: 1, wanted: 2 };
  }
  return null;
}
