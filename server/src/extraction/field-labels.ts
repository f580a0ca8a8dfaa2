// What a schema field looks like on paper: the label variants a form may print for it ("DOB", "Date of
// Birth", "Birth date") and the kind of value it holds (date, phone, NPI, money…), from its name and description.

import type { SchemaField } from './extraction-schema.ts';

export type FieldKind =
  | 'date'
  | 'phone'
  | 'npi'
  | 'email'
  | 'money'
  | 'number'
  | 'boolean'
  | 'icd10'
  | 'identifier'
  | 'address'
  | 'personName'
  | 'text';

/** `patientDOB` / `date_of_birth` → `['patient', 'dob']` / `['date', 'of', 'birth']`. */
export function splitFieldName(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean);
}

// Whole-phrase synonyms: the ways forms in US healthcare, legal, property and finance print a field.
const PHRASES: string[][] = [
  ['dob', 'date of birth', 'birth date', 'birthdate', 'd o b', 'born'],
  ['patient name', 'patient', 'pt name', 'name of patient', 'patient full name'],
  ['member id', 'member number', 'member no', 'member #', 'subscriber id', 'insured id'],
  ['policy number', 'policy no', 'policy #', 'policy id', 'policy'],
  ['group number', 'group no', 'group #', 'group'],
  ['claim number', 'claim id', 'claim no', 'claim #', 'claim'],
  ['npi', 'npi number', 'npi no', 'npi #', 'national provider identifier'],
  ['case number', 'case no', 'case #', 'docket number', 'docket no', 'index no', 'civil action no'],
  ['invoice number', 'invoice no', 'invoice #', 'inv no', 'inv #', 'invoice'],
  ['invoice date', 'date of invoice', 'inv date', 'invoice dated'],
  ['total', 'total amount', 'total due', 'amount due', 'balance due', 'invoice total', 'grand total'],
  ['diagnosis', 'dx', 'primary diagnosis', 'diagnosis description'],
  ['diagnosis code', 'icd 10', 'icd 10 code', 'dx code', 'icd code', 'diagnosis codes', 'icd 10 codes'],
  ['phone', 'phone number', 'phone no', 'phone #', 'tel', 'telephone', 'ph'],
  ['fax', 'fax number', 'fax no', 'fax #', 'facsimile'],
  ['address', 'addr', 'street address', 'mailing address'],
  ['employer', 'employer name', 'company', 'company name'],
  ['monthly rent', 'rent', 'rent amount', 'monthly rent amount'],
  ['annual income', 'annual salary', 'yearly income', 'gross annual income', 'annual gross income'],
  ['monthly income', 'gross monthly income', 'monthly gross income', 'monthly salary'],
  ['hire date', 'start date', 'date of hire', 'employment start date', 'employed since'],
  ['admission date', 'date of admission', 'admit date', 'admitted'],
  ['discharge date', 'date of discharge', 'discharged'],
  ['date of service', 'dos', 'service date'],
  ['collection date', 'date collected', 'collected', 'specimen collected', 'collection dt'],
  ['ordering physician', 'ordering provider', 'ordered by', 'ordering doctor'],
  ['referring provider', 'referring physician', 'referred by', 'referring doctor'],
  ['urgent', 'urgent request', 'expedited', 'expedited review'],
  ['filing date', 'date filed', 'filed'],
  ['hearing date', 'date of hearing', 'hearing'],
  ['due date', 'payment due', 'date due', 'due'],
  ['move in date', 'desired move in date', 'move in', 'requested move in'],
  ['graduation date', 'date of graduation', 'graduated', 'degree date'],
  ['student id', 'student number', 'student no', 'student #', 'id number'],
  ['procedure code', 'cpt code', 'cpt', 'cpt hcpcs', 'procedure'],
  ['amount billed', 'billed amount', 'total charges', 'charges', 'amount claimed', 'claim amount'],
  ['date of loss', 'loss date', 'date of incident', 'incident date'],
  [
    'authorization number',
    'auth number',
    'auth no',
    'auth #',
    'authorization #',
    'reference number',
    'ref #',
  ],
  ['work order number', 'work order no', 'work order #', 'wo #', 'work order'],
  ['not to exceed', 'nte', 'not to exceed amount', 'approved amount', 'authorized amount'],
  ['unit', 'unit number', 'unit no', 'unit #', 'apt', 'apartment'],
];

// Single-word alternatives used to multiply a field's own words into more label variants.
const WORDS: string[][] = [
  ['number', 'no', '#', 'num', 'nbr'],
  ['id', '#', 'number', 'no'],
  ['amount', 'amt'],
  ['quantity', 'qty'],
  ['description', 'desc'],
  ['phone', 'tel', 'telephone'],
  ['address', 'addr'],
  ['physician', 'provider', 'doctor'],
  ['patient', 'pt'],
  ['insurance', 'insurer', 'payer', 'carrier'],
  ['organization', 'org'],
];

const PERSON_ROLES = new Set([
  'patient',
  'member',
  'subscriber',
  'insured',
  'physician',
  'provider',
  'doctor',
  'student',
  'tenant',
  'applicant',
  'employee',
  'plaintiff',
  'defendant',
  'petitioner',
  'respondent',
  'attorney',
  'judge',
  'contact',
  'requester',
  'requestor',
  'technician',
  'landlord',
  'guardian',
  'claimant',
  'policyholder',
  'person',
  'signer',
]);
const MONEY_WORDS = new Set([
  'amount',
  'amt',
  'total',
  'subtotal',
  'balance',
  'price',
  'cost',
  'rent',
  'income',
  'salary',
  'fee',
  'fees',
  'charge',
  'charges',
  'due',
  'paid',
  'deposit',
  'wage',
  'wages',
  'pay',
  'tax',
  'copay',
  'billed',
  'premium',
  'exceed',
  'nte',
  'estimate',
]);
const ID_WORDS = new Set([
  'id',
  'number',
  'no',
  'num',
  'nbr',
  'mrn',
  'account',
  'policy',
  'claim',
  'case',
  'docket',
  'reference',
  'ref',
  'authorization',
  'auth',
  'group',
  'code',
  'license',
  'order',
]);

/** The kind of value a field holds, from its type, name words and description. */
export function fieldKind(name: string, field: SchemaField): FieldKind {
  const words = splitFieldName(name);
  const has = (...w: string[]) => w.some((x) => words.includes(x));
  const desc = (field.description ?? '').toLowerCase();
  if (field.type === 'boolean') return 'boolean';
  if (field.type === 'number')
    return has(...MONEY_WORDS) || /\b(amount|dollars|usd|price|\$)/.test(desc) ? 'money' : 'number';
  if (field.type !== 'string') return 'text';
  if (has('date', 'dob', 'birthdate', 'dos') || (has('birth') && !has('place')) || /\bdate\b/.test(desc))
    return 'date';
  if (has('npi')) return 'npi';
  if (has('phone', 'fax', 'tel', 'telephone', 'mobile', 'cell')) return 'phone';
  if (has('email')) return 'email';
  if (has('icd', 'icd10') || (has('diagnosis', 'dx') && has('code', 'codes')) || /icd-?10/.test(desc))
    return 'icd10';
  if (has('address', 'addr')) return 'address';
  if (has(...ID_WORDS)) return 'identifier';
  if (has('name') && (words.length === 1 || has(...PERSON_ROLES))) return 'personName';
  if (words.length === 1 && PERSON_ROLES.has(words[0])) return 'personName';
  return 'text';
}

/**
 * Label phrases (lower case, words separated by spaces) a document may print for a field, most
 * specific first. `context` is the chain of parent field names (nested objects).
 */
export function fieldLabels(name: string, field: SchemaField): string[] {
  const words = splitFieldName(name);
  const phrase = words.join(' ');
  const labels: string[] = [];
  for (const quoted of (field.description ?? '').matchAll(/["“]([^"”]{1,40})["”]/g)) {
    labels.push(splitLabel(quoted[1]));
  }
  for (const group of PHRASES) if (group.includes(phrase)) labels.push(...group);
  labels.push(...expandWords(words));
  // "isUrgent", "hasPets": the verb is rarely printed.
  if (words.length > 1 && (words[0] === 'is' || words[0] === 'has'))
    labels.push(...expandWords(words.slice(1)));
  // "billingProviderNpi" is often printed "Billing NPI".
  if (words.length > 2) labels.push(...expandWords([words[0], words[words.length - 1]]));
  return unique(labels.filter(Boolean)).sort((a, b) => b.length - a.length);
}

/** `"Policy #"` → `policy #`: how label phrases are compared. */
export function splitLabel(label: string): string {
  return label
    .toLowerCase()
    .replace(/#/g, ' # ')
    .replace(/[^a-z0-9#]+/g, ' ')
    .trim();
}

function expandWords(words: string[]): string[] {
  let variants: string[][] = [[]];
  for (const w of words) {
    const alternatives = WORDS.find((g) => g[0] === w || (g.includes(w) && w !== '#')) ?? [w];
    const options = alternatives.includes(w) ? alternatives : [w, ...alternatives];
    variants = variants.flatMap((v) => options.map((o) => [...v, o])).slice(0, 32);
  }
  return variants.map((v) => v.join(' '));
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/**
 * A case-insensitive regex source for a label phrase: words separated by optional spaces, dots or
 * dashes (so "D.O.B.", "Pt. Name" and "Policy#" match), bounded so "dob" never matches inside "adobe".
 */
export function labelPattern(label: string): string {
  const parts = label.split(' ').map((w) => (w === '#' ? '#' : `${ocrTolerant(w)}\\.?`));
  return `(?<![A-Za-z0-9])${parts.join('[\\s.\\-/]*')}(?![A-Za-z0-9])`;
}

// Letters fax OCR swaps for digits: "Sa1ary", "P0licy" still read as the label.
const OCR_CLASSES: Record<string, string> = { o: '[o0]', l: '[l1I|]', i: '[i1l|]', s: '[s5]' };

function ocrTolerant(word: string): string {
  return [...word].map((c) => OCR_CLASSES[c] ?? c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('');
}
