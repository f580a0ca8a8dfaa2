// What business letters say by position rather than by label: the date line under the letterhead, and
// the signer's name and title under the complimentary close ("Sincerely,"); and what they say in prose:
// a field's value as the object of a phrase built from the field's name and description ("the date of
// hire is 02/24/2011", "the hearing is set for May 3, 2025"). Candidates scored below labelled readings.

import { matchOption } from './choice-marks.ts';
import { descriptionHead } from './described-fields.ts';
import { splitFieldName } from './field-labels.ts';
import { type LabelPhrase, tokens, type ValueKind } from './label-lexicon.ts';
import type { LeafSpec, SchemaPlan } from './layout-fields.ts';
import type { Candidate, LabelHit, LayoutContext } from './layout-reader.ts';
import { readValue } from './layout-values.ts';
import type { LayoutWord, Segment } from './page-layout.ts';

const CLOSE =
  /^(?:sincerely|respectfully(?: submitted)?|regards|best regards|kind regards|very truly yours|yours truly|cordially|thank you)[,.]?$/i;
// Objects that stand for the letter's writer: named so, or the party a letter's reader is told to contact
// or who refers (a referral letter is signed by the referrer). An object named in the signer's title line
// ("Claims Adjuster" for `adjuster`) is the writer too.
const SIGNER_SCOPES =
  /^(?:signer|signature|signedBy|sender|author|writer|from|contact|referring\w*|sending\w*)$/i;
// Whom a letter is about, as its "Re:" line names them: the person a record, claim or request concerns.
const SUBJECT_ROLES =
  /^(?:patient|employee|insured|claimant|member|student|applicant|subject|client|borrower|debtor|tenant|child|beneficiary|decedent|injured|worker|customer|account\w*)$/i;
// Head nouns of job titles and of organisations, to tell a signer's title line from their name or office.
const TITLE_NOUN =
  /\b(?:specialist|manager|director|officer|worker|coordinator|adjuster|assistant|supervisor|clerk|attorney|counsel|analyst|administrator|representative|caseworker|president|secretary|paralegal|agent|technician|examiner|investigator|custodian|consultant|associate|advisor|partner|owner|accountant|nurse|engineer|deputy|chief|head|lead|generalist)s?\b/i;
const ORG_NOUN =
  /\b(?:office|department|division|bureau|agency|company|inc|llc|llp|corp|corporation|group|associates|services|hospital|clinic|center|university|school|county|state)\b/i;
const NAME_WORD = String.raw`(?:[A-Z][A-Za-z'’-]+|[A-Z]\.)`;
const PERSON = new RegExp(String.raw`^${NAME_WORD}(?:\s+${NAME_WORD}){1,3}$`);
// What a subject line names besides a person ("Claim Review", "Records Request").
const DOCUMENT_NOUN =
  /\b(?:claim|review|request|verification|employment|records?|notice|referral|authorization|report|letter|application|appeal|hearing|case|matter|account|policy|inquiry|consultation|evaluation|status|update|response|reminder|invoice|payment)\b/i;
const HONORIFIC = /^(?:mr|mrs|ms|miss|dr|mx)\.?\s+/i;

export function readLetterFields(ctx: LayoutContext, plan: SchemaPlan): Candidate[] {
  const out: Candidate[] = [];
  const first = ctx.pages[0];
  if (!first) return out;
  for (const leaf of plan.leaves) {
    if (leaf.kind === 'date' && isLetterDate(leaf)) {
      // The first line of the page that is only a date, above the body.
      const line = first.segments.find(
        (s) => s.row !== first.headerRow && s.bbox.y0 < first.height * 0.45 && onlyDate(s),
      );
      if (line) {
        const r = readValue('date', line.words)!;
        out.push(candidate(leaf, first.page, line, r.value, 0.72));
      }
    }
  }
  out.push(...readSubjectLine(first, plan));
  const block = signatureBlock(ctx);
  const signerScope = (l: LeafSpec) =>
    l.scopes.some(
      (s) =>
        SIGNER_SCOPES.test(s.name) ||
        (block?.titleLine && splitFieldName(s.name).some((w) => tokens(block.titleLine!.text).includes(w))),
    );
  const signerLeaves = plan.leaves.filter(signerScope);
  // A letterhead names the sender only on a letter: one with a salutation or a complimentary close.
  const salutation = first.segments.some((s) => /^dear\b/i.test(s.text.trim()));
  out.push(...readLetterhead(first, plan, signerScope, Boolean(block) || salutation));
  if (!block) return out;
  const { page, nameLine, titleLine, lines } = block;
  for (const leaf of signerLeaves) {
    if (leaf.kind === 'personName' || leaf.name === 'name')
      out.push(candidate(leaf, page.page, nameLine, nameLine.text.trim().replace(/,$/, ''), 0.74));
    if (leaf.name === 'title' && titleLine && !/\d/.test(titleLine.text))
      out.push(candidate(leaf, page.page, titleLine, titleLine.text.trim(), 0.6));
    if (leaf.kind === 'email' || leaf.kind === 'phone') {
      // In the block under the name, or where the writer says how to reach them ("contact me at …").
      // "me at …", "me directly at …", "… or by e-mail at …": the value follows within a few words.
      const found = [
        ...lines.map((l) => ({ page: page.page, words: l.words, reach: 16 })),
        ...firstPersonContacts(ctx).map((l) => ({ ...l, reach: leaf.kind === 'phone' ? 5 : 12 })),
      ]
        .map((l) => ({ l, r: readAfter(leaf.kind, l.words, l.reach) }))
        .find((x) => x.r);
      if (found?.r) out.push(candidate(leaf, found.l.page, found.r, found.r.value, 0.68));
    }
  }
  return out;
}

interface SignatureBlock {
  page: LayoutContext['pages'][number];
  nameLine: Segment;
  titleLine: Segment | undefined;
  lines: Segment[];
}

/** The signer's name, title and the lines under a complimentary close ("Sincerely,"). */
function signatureBlock(ctx: LayoutContext): SignatureBlock | null {
  for (const page of ctx.pages) {
    const close = page.segments.find((s) => CLOSE.test(s.text.trim()));
    if (!close) continue;
    const after = page.segments
      .filter((s) => s.bbox.y0 > close.bbox.y1 && Math.abs(s.bbox.x0 - close.bbox.x0) < page.unit * 3)
      .sort((a, b) => a.bbox.y0 - b.bbox.y0)
      .slice(0, 6);
    // A handwritten or /s/ signature often repeats the typed name: the typed name is the last repeat.
    const lines = after.filter(
      (s, i) => !after.slice(i + 1).some((t) => t.text.replace(/\s+/g, '') === s.text.replace(/\s+/g, '')),
    );
    const isName = (s: Segment | undefined) =>
      Boolean(s && !TITLE_NOUN.test(s.text)) &&
      Boolean(
        s && /^(?:[A-Z][a-zA-Z'’.-]*\s){1,3}[A-Z][a-zA-Z'’.-]*,?(?:\s[A-Z][A-Za-z.]+)?$/.test(s.text.trim()),
      );
    let at = lines.findIndex(isName);
    if (at < 0) continue;
    // A signature above the typed name that spells it shorter ("Ann Diaz" over "Ann M. Diaz, DO").
    const lastName = (s: Segment) => s.text.replace(/,.*$/, '').trim().split(/\s+/).pop()?.toLowerCase();
    if (isName(lines[at + 1]) && lastName(lines[at + 1]) === lastName(lines[at])) at++;
    // The title line says what the signer is; an office or a company under it is their organisation.
    const title = lines[at + 1];
    const titleLine =
      title && (TITLE_NOUN.test(title.text) || !ORG_NOUN.test(title.text)) ? title : undefined;
    return { page, nameLine: lines[at], titleLine, lines: lines.slice(at + 1) };
  }
  return null;
}

/** Sentences where the writer gives their own phone or e-mail: "reach me at", "contact me directly at". */
function firstPersonContacts(ctx: LayoutContext): { page: number; words: LayoutWord[] }[] {
  const out: { page: number; words: LayoutWord[] }[] = [];
  for (const page of ctx.pages)
    for (const seg of page.segments) {
      // Lower case only: "ME" is Maine.
      const me = seg.words.findIndex((w) => w.text === 'me');
      if (me >= 0)
        out.push({ page: page.page, words: [...seg.words.slice(me + 1), ...continuation(page, seg)] });
    }
  return out;
}

/** The first value of `kind` among the first `reach` words, before the sentence ends. */
function readAfter(
  kind: ValueKind,
  words: LayoutWord[],
  reach = 16,
): { words: LayoutWord[]; value: string } | null {
  for (let i = 0; i < Math.min(words.length, reach); i++) {
    const r = readValue(kind, words.slice(i));
    // A phone is written with its separators; a bare ten-digit run is an NPI, a case or an account number.
    const written = words
      .slice(i, i + (r?.to ?? 0))
      .map((w) => w.text)
      .join(' ');
    if (r && r.from === 0 && (kind !== 'phone' || /\d[\s.)-]+\d/.test(written)))
      return { words: words.slice(i, i + r.to), value: String(r.value) };
    if (/[.;]$/.test(words[i].text) && !/@/.test(words[i].text)) break;
  }
  return null;
}

/**
 * The person a "Re:" line names ("RE: Jane Q. Doe  DOB: …", "Re: Verification of Employment – Jane Doe"),
 * for the one name field of the person the letter is about.
 */
function readSubjectLine(page: LayoutContext['pages'][number], plan: SchemaPlan): Candidate[] {
  const leaves = plan.leaves.filter(
    (l) =>
      (l.kind === 'personName' || /^(?:name|fullName)$/.test(l.name)) &&
      [...l.scopes.map((s) => s.name), ...splitFieldName(l.name)].some((n) => SUBJECT_ROLES.test(n)),
  );
  if (leaves.length !== 1) return [];
  const line = page.segments.find(
    (s) =>
      s.row !== page.headerRow &&
      s.bbox.y0 < page.height * 0.5 &&
      /^(?:re|regarding|subject)\s*:/i.test(s.text),
  );
  if (!line) return [];
  // The parts of the line: split at dashes, commas and the next "Key:".
  const text = line.text.replace(/^\S+\s*:?\s*/, '');
  for (const part of text.split(/\s[–—-]\s|,|\s(?=\S+:)|\s(?=(?:DOB|D\.O\.B\.|MRN|SSN)\b)/)) {
    const name = part.trim().replace(HONORIFIC, '');
    if (!PERSON.test(name) || DOCUMENT_NOUN.test(name)) continue;
    const first = name.split(/\s+/)[0];
    const from = line.words.findIndex((w) => w.text === first);
    const count = name.split(/\s+/).length;
    if (from < 0) continue;
    const words = line.words.slice(from, from + count);
    return [{ ...candidate(leaves[0], page.page, line, name, 0.7), words }];
  }
  return [];
}

/**
 * The letterhead: a letter's first line names the sending organisation. Read for the writer's
 * organisation field, or the only organisation field of the schema.
 */
function readLetterhead(
  page: LayoutContext['pages'][number],
  plan: SchemaPlan,
  signerScope: (l: LeafSpec) => boolean,
  isLetter: boolean,
): Candidate[] {
  const orgs = plan.leaves.filter((l) => l.kind === 'orgName');
  const sender = orgs.filter(
    (l) =>
      signerScope(l) ||
      /\b(?:from|sender|sending|letterhead)\b/i.test(
        `${splitFieldName(l.path.replace(/\./g, ' ')).join(' ')} ${l.field.description ?? ''}`,
      ),
  );
  const leaves = sender.length ? sender : orgs.length === 1 ? orgs : [];
  if (leaves.length !== 1 || !isLetter) return [];
  const line = page.segments.filter((s) => s.row !== page.headerRow).sort((a, b) => a.bbox.y0 - b.bbox.y0)[0];
  if (!line || line.bbox.y0 > page.height * 0.2) return [];
  const text = line.text.trim();
  // A sending machine's header the layout did not recognise ("FROM-ACME LEGAL").
  if (/^(?:from|to)\b/i.test(text)) return [];
  const ws = text.split(/\s+/);
  if (
    /\d/.test(text) ||
    ws.length < 2 ||
    ws.length > 8 ||
    !ws.every((w) => /^[A-Z&]|^(?:of|and|the|for)$/.test(w))
  )
    return [];
  return [candidate(leaves[0], page.page, line, text, 0.62)];
}

function isLetterDate(leaf: LeafSpec): boolean {
  const words = leaf.path.toLowerCase();
  const desc = (leaf.field.description ?? '').toLowerCase();
  return (
    /letter|notice|referral/.test(words) ||
    /date of the (?:cover )?letter|date of the notice|letter date|date on the/.test(desc)
  );
}

function onlyDate(s: Segment): boolean {
  const r = readValue('date', s.words);
  return Boolean(r && r.from === 0 && r.to === s.words.length);
}

function candidate(
  leaf: LeafSpec,
  page: number,
  seg: { words: LayoutWord[] },
  value: string | number | boolean,
  score: number,
): Candidate {
  return { path: leaf.path, value, page, words: seg.words, labelWords: [], score, relation: 'letter' };
}

// What a sentence puts between a field's phrase and its value: a verb ("is", "will be held", "was hired"),
// a participle of scheduling or record ("set", "scheduled", "dated", "effective"), a preposition, a key mark.
const CONNECTORS = new Set(
  (
    'is was are were be been being will shall has have had currently presently ' +
    'set scheduled held listed noted dated effective reported recorded assigned given shown ' +
    'for on as at of to by in from under per'
  ).split(' '),
);
// Words after which a free-text value's clause ends ("employed as a Line Cook and works …").
const CLAUSE_END = new Set(
  'and or but who which that since while with at for per on in from effective until because whose where when'.split(
    ' ',
  ),
);
const STOP = new Set(['of', 'the', 'a', 'an', 'and', 'or', 'to', 'any', 'this', 'letter', 'document']);
// Kinds whose value shows itself by its shape, so a phrase in running text may introduce it.
const TYPED = new Set([
  'date',
  'phone',
  'npi',
  'money',
  'number',
  'email',
  'identifier',
  'icd10',
  'time',
  'year',
]);
const FREE_TEXT = new Set(['text', 'personName', 'orgName']);

/**
 * The phrases a letter writes for a field in running text: the field's own label phrases (name,
 * synonyms, aliases), the name with its value-kind word dropped ("hearingDate" → "hearing", lower), the
 * verb forms of a date's event ("hireDate" → "hired on"), and the noun phrase that opens its description
 * (lower again: a description says what the field is, the page may say it otherwise).
 */
export function prosePhrases(leaf: LeafSpec): LabelPhrase[] {
  const out: LabelPhrase[] = leaf.phrases.filter((p) => p.weight >= 0.8);
  const add = (toks: string[], weight: number) => {
    const t = toks.filter((w) => !STOP.has(w));
    if (t.length && !out.some((p) => p.tokens.join(' ') === t.join(' '))) out.push({ tokens: t, weight });
  };
  const words = splitFieldName(leaf.name);
  const last = words[words.length - 1];
  if (words.length >= 2 && ['date', 'number', 'no', 'amount', 'phone', 'id'].includes(last)) {
    const event = words.slice(0, -1);
    if (leaf.kind === 'date' && event.length === 1) {
      const e = event[0];
      const past = e.endsWith('e') ? `${e}d` : e.endsWith('ed') ? e : `${e}ed`;
      add([past], 0.8); // "hired on", "filed on", "received"
      add(['date', e], 0.9);
    }
    if (TYPED.has(leaf.kind)) add(event, 0.72);
  }
  // A field inside an object is written with the object's name: "pay.rate" as "rate of pay", "pay rate".
  const scope = leaf.scopes[leaf.scopes.length - 1];
  if (scope && words.length <= 2) {
    const owner = splitFieldName(scope.name).map((w) => w.replace(/(?<!s)s$/, ''));
    // As strong as the name itself: the phrase names the field and its owner.
    add([...words, ...owner], 1);
    add([...owner, ...words], 1);
  }
  const headTokens = descriptionHead(leaf);
  if (headTokens.length >= 1 && headTokens.length <= 4 && (headTokens.length >= 2 || TYPED.has(leaf.kind)))
    add(headTokens, 0.75);
  return out;
}

/** Values introduced by a field's phrase inside a sentence, its object up to the clause end. */
export function readProseFields(ctx: LayoutContext, plan: SchemaPlan): Candidate[] {
  const out: Candidate[] = [...readCounts(ctx, plan)];
  for (const leaf of plan.leaves) {
    if (leaf.kind === 'boolean') continue;
    const typed = TYPED.has(leaf.kind);
    if (!typed && !FREE_TEXT.has(leaf.kind) && leaf.kind !== 'enum') continue;
    const phrases = prosePhrases(leaf);
    for (const hit of ctx.hits(`prose:${leaf.path}`, phrases).slice(0, 30)) {
      const seg = hit.seg.seg;
      const page = ctx.page(seg.page);
      // Prose only: a line of running text (a form's short caption is the layout reader's).
      if (seg.words.length < 6) continue;
      const scope = proseScope(ctx, leaf, hit);
      if (scope < 0.3) continue;
      const lastLabelWord = hit.seg.wordOf[hit.to - 1];
      // A label word ending the clause ("… the hearing." ) introduces nothing.
      if (/[.;]$/.test(seg.words[lastLabelWord].text)) continue;
      const after = [...seg.words.slice(lastLabelWord + 1), ...continuation(page, seg)];
      let start = 0;
      while (start < after.length && start < 4 && isConnector(after[start].text)) start++;
      const connected = start > 0 || /[:#]$/.test(seg.words[lastLabelWord].text);
      const rest = after.slice(start, start + 14);
      if (!rest.length) continue;
      const labelWords = seg.words.slice(hit.seg.wordOf[hit.from], lastLabelWord + 1);
      let reading: { value: string | number | boolean; words: LayoutWord[]; fit: number } | null = null;
      if (typed) {
        const r = readValue(leaf.kind, rest);
        if (r && r.from === 0) reading = { value: r.value, words: rest.slice(r.from, r.to), fit: r.fit };
        // An identifier has no shape of its own: in prose it needs a keyed phrase ("claim number", "file
        // no.", "ID") or a verb, and a year or a bare small number is none ("this policy 2022").
        if (leaf.kind === 'identifier' && reading) {
          const id = String(reading.value);
          const keyedPhrase = /^(?:number|no|#|id|identifier)$/.test(hit.seg.toks[hit.to - 1] ?? '');
          if ((!connected && !keyedPhrase) || /^(?:19|20)\d\d$|^\d{1,4}$/.test(id)) reading = null;
        }
      } else if (leaf.kind === 'enum') {
        const words = clause(rest, 3);
        const option = words.length
          ? matchOption(words.map((w) => w.text).join(' '), leaf.options ?? [])
          : null;
        if (option && connected) reading = { value: option, words, fit: 0.8 };
      } else if (hit.quality >= 0.85 && introducesText(seg.words[lastLabelWord], after.slice(0, start))) {
        const words = clause(
          rest.filter((w, i) => i > 0 || !/^(?:a|an|the)$/i.test(w.text)),
          8,
        );
        const value = words
          .map((w) => w.text)
          .join(' ')
          .replace(/[.,;:]$/, '');
        if (words.length && fitsFreeText(leaf.kind, value)) reading = { value, words, fit: 0.7 };
      }
      if (!reading) continue;
      // An aside in parentheses is often about something else ("a prior claim (date of loss 04/28/2021)").
      const aside = isInParentheses(seg.words, hit.seg.wordOf[hit.from]) ? 0.75 : 1;
      out.push({
        path: leaf.path,
        value: reading.value,
        page: seg.page,
        words: reading.words,
        labelWords,
        score: hit.quality * scope * reading.fit * (connected ? 0.8 : 0.65) * aside,
        relation: 'prose',
      });
    }
  }
  return out;
}

/**
 * How surely a prose hit belongs to the leaf's object. Letters print no section headings, so a phrase
 * that names the owner itself ("rate of pay" for pay.rate) is as good as a section; so is a leaf that is
 * the only one of its object with this value kind (hours per week of pay: there is no other).
 */
function proseScope(ctx: LayoutContext, leaf: LeafSpec, hit: LabelHit): number {
  const scope = ctx.scopeScore(leaf, hit);
  const owner = leaf.scopes[leaf.scopes.length - 1];
  if (!owner || scope < 0.5) return scope;
  const said = hit.seg.toks.slice(hit.from, hit.to);
  const named = splitFieldName(owner.name).some(
    (w) => said.includes(w.replace(/(?<!s)s$/, '')) || said.includes(w),
  );
  const alone = !ctx.plan.leaves.some(
    (l) => l !== leaf && l.kind === leaf.kind && !l.path.startsWith(`${owner.path}.`),
  );
  return named || alone ? Math.max(scope, 0.85) : scope;
}

/** Whether word `at` sits inside an open parenthesis of its line. */
function isInParentheses(words: LayoutWord[], at: number): boolean {
  let depth = 0;
  for (let i = 0; i <= at; i++) {
    const w = words[i].text;
    depth += (w.match(/\(/g) ?? []).length;
    if (i < at) depth -= (w.match(/\)/g) ?? []).length;
  }
  return depth > 0;
}

/** Free text follows a copula, "as" or a colon ("his title is …", "employed as …", "Title: …"), not "of". */
function introducesText(label: LayoutWord, connectors: LayoutWord[]): boolean {
  return /:$/.test(label.text) || connectors.some((w) => /^(?:is|was|are|were|as|:)$/i.test(w.text));
}

function isConnector(text: string): boolean {
  const t = text.toLowerCase().replace(/[.,]$/, '');
  return CONNECTORS.has(t) || /^[:#–-]+$/.test(t) || t === 'no' || t === 'number' || t === '#';
}

/** The next line of the same paragraph, when `seg` ends its row: sentences wrap. */
function continuation(page: LayoutContext['pages'][number], seg: Segment): LayoutWord[] {
  const row = page.rows[seg.row];
  if (row[row.length - 1] !== seg.id) return [];
  const next = page.rows[seg.row + 1]?.map((id) => page.segments[id])[0];
  if (!next || next.row === page.headerRow) return [];
  const near =
    next.bbox.y0 - seg.bbox.y1 < page.unit * 1.5 && Math.abs(next.bbox.x0 - seg.bbox.x0) < page.unit * 3;
  return near ? next.words : [];
}

/** Words up to the clause's end: a comma, semicolon or sentence period, or a clause-opening word. */
function clause(words: LayoutWord[], max: number): LayoutWord[] {
  const out: LayoutWord[] = [];
  for (const w of words.slice(0, max)) {
    if (out.length && CLAUSE_END.has(w.text.toLowerCase())) break;
    out.push(w);
    if (
      /[,;]$/.test(w.text) ||
      (/\.$/.test(w.text) && !/^(?:[A-Z]\.|Inc\.|Co\.|Jr\.|Sr\.|St\.)$/.test(w.text))
    )
      return out;
  }
  // A clause that runs past `max` words is a sentence, not a value.
  return out.length < max ? out : [];
}

function fitsFreeText(kind: string, value: string): boolean {
  if (!/^[A-Z0-9]/.test(value) || value.length > 80) return false;
  const ws = value.split(/\s+/);
  if (kind === 'personName')
    return ws.length >= 2 && ws.length <= 5 && ws.every((w) => /^[A-Z][A-Za-z'’.-]*,?$/.test(w));
  if (kind === 'orgName') return ws.length <= 7 && !/\d{3}/.test(value);
  // Free text in prose: capitalised words, as titles and names of things are written mid-sentence.
  return ws.length <= 6 && ws.every((w) => /^[A-Z0-9(&-]/.test(w) || /^(?:of|and|the|for|&)$/.test(w));
}

// Units a count is written before ("38 hours per week", "12 visits", "3 dependents").
const UNIT_WORDS = new Set(
  'hours days weeks months years miles units visits sessions pages employees dependents children occupants pets vehicles'.split(
    ' ',
  ),
);

/** Counts whose field is named by their unit ("hoursPerWeek"): the number printed just before the unit words. */
function readCounts(ctx: LayoutContext, plan: SchemaPlan): Candidate[] {
  const out: Candidate[] = [];
  for (const leaf of plan.leaves) {
    if (leaf.kind !== 'number') continue;
    const words = splitFieldName(leaf.name);
    if (!UNIT_WORDS.has(words[0]) || words.length > 3) continue;
    for (const hit of ctx.hits(`count:${leaf.path}`, [{ tokens: words, weight: 1 }]).slice(0, 20)) {
      if (hit.from === 0) continue;
      const scope = proseScope(ctx, leaf, hit);
      if (scope < 0.3) continue;
      const seg = hit.seg.seg;
      const first = hit.seg.wordOf[hit.from];
      const before = seg.words[first - 1];
      if (!before || first - 1 !== hit.seg.wordOf[hit.from - 1]) continue;
      const r = readValue('number', [before]);
      if (!r) continue;
      out.push({
        path: leaf.path,
        value: r.value,
        page: seg.page,
        words: [before],
        labelWords: seg.words.slice(first, hit.seg.wordOf[hit.to - 1] + 1),
        score: hit.quality * scope * r.fit * 0.75,
        relation: 'prose',
      });
    }
  }
  return out;
}
