// Reads a schema's scalar fields off the page geometry: each field's label phrases found among the
// segments, the value to the right, below, after it in the same segment or above it (labels under
// fill-in rules), scoped by the section headings of the objects above the field; every candidate scored,
// and the best assigned so that no two fields take the same words.

import { matchOption, optionsInRow, yesNo } from './choice-marks.ts';
import { splitFieldName } from './field-labels.ts';
import { isCaptionText, type LabelPhrase, matchPhrase, tokens } from './label-lexicon.ts';
import type { LeafSpec, SchemaPlan, ScopeSpec } from './layout-fields.ts';
import { readValue, type ValueReading } from './layout-values.ts';
import {
  type LayoutPage,
  type LayoutWord,
  ruleBetween,
  type Segment,
  union,
  xOverlap,
} from './page-layout.ts';

/** A segment's tokens, each tied to the word it came from. */
export interface SegmentTokens {
  seg: Segment;
  toks: string[];
  wordOf: number[];
}

export interface LabelHit {
  seg: SegmentTokens;
  /** Token range of the label. */
  from: number;
  to: number;
  quality: number;
}

/** One way a field could be filled: its value, the words it came from, and how sure the reading is. */
export interface Candidate {
  path: string;
  value: string | number | boolean;
  page: number;
  words: LayoutWord[];
  /** The label's words (evidence covers label and value for booleans and ticks). */
  labelWords: LayoutWord[];
  score: number;
  relation: Relation;
}

export type Relation =
  | 'inline'
  | 'right'
  | 'below'
  | 'above'
  | 'tick'
  | 'prose'
  | 'table'
  | 'list'
  | 'letter';

/** A section heading matched to an object field, and the page region it scopes. */
export interface Section {
  scope: ScopeSpec;
  page: number;
  region: { x0: number; y0: number; x1: number; y1: number };
  quality: number;
}

const RELATION_PRIOR: Record<Relation, number> = {
  inline: 1,
  right: 0.95,
  below: 0.86,
  above: 0.6,
  tick: 0.95,
  prose: 0.8,
  table: 0.95,
  list: 0.9,
  letter: 0.75,
};

export class LayoutContext {
  readonly segTokens: SegmentTokens[][];
  readonly sections: Section[];
  /** Segments that are labels (of any field, or printed as keys with a colon): never values. */
  readonly labelSegments = new Set<Segment>();
  private readonly hitCache = new Map<string, LabelHit[]>();

  constructor(
    readonly pages: LayoutPage[],
    readonly plan: SchemaPlan,
  ) {
    this.segTokens = pages.map((p) =>
      p.segments.map((seg) => {
        const toks: string[] = [];
        const wordOf: number[] = [];
        seg.words.forEach((w, i) => {
          for (const t of tokens(w.text)) {
            toks.push(t);
            wordOf.push(i);
          }
        });
        return { seg, toks, wordOf };
      }),
    );
    this.sections = this.findSections();
    this.markLabels();
  }

  page(n: number): LayoutPage {
    return this.pages.find((p) => p.page === n)!;
  }

  /** Every place one of `phrases` is printed, best first (the fax header never counts). */
  hits(key: string, phrases: readonly LabelPhrase[]): LabelHit[] {
    const cached = this.hitCache.get(key);
    if (cached) return cached;
    const out: LabelHit[] = [];
    this.pages.forEach((page, p) => {
      for (const st of this.segTokens[p]) {
        if (st.seg.row === page.headerRow || !st.toks.length) continue;
        let best: LabelHit | null = null;
        for (const phrase of phrases) {
          for (const m of matchPhrase(st.toks, phrase)) {
            // A longer phrase printed whole beats its first word alone ("Relationship to student").
            const rank = (q: number, n: number) => q * (1 + 0.06 * (n - 1));
            if (
              !best ||
              rank(m.quality, m.to - m.from) > rank(best.quality, best.to - best.from) ||
              (m.quality === best.quality && m.to - m.from > best.to - best.from)
            )
              best = { seg: st, from: m.from, to: m.to, quality: m.quality };
          }
        }
        if (best && best.quality >= 0.5) out.push(best);
      }
    });
    out.sort((a, b) => b.quality - a.quality);
    this.hitCache.set(key, out);
    return out;
  }

  // Headings: short segments that name an object field and carry no value ("PATIENT INFORMATION",
  // "2. REQUESTING (ORDERING) PROVIDER", "Co-Applicant"). A section runs down its column to the next heading.
  private findSections(): Section[] {
    const sections: Section[] = [];
    // What ends a section: a caps or numbered heading, not a "Name:" key printed beside its value.
    const headings: { seg: Segment; page: LayoutPage }[] = [];
    this.pages.forEach((page, p) => {
      for (const st of this.segTokens[p])
        if (isHeadingLike(st, page) && !/:$/.test(st.seg.text.trim())) headings.push({ seg: st.seg, page });
    });
    for (const scope of this.plan.sections) {
      for (const hit of this.hits(`section:${scope.path}`, scope.phrases)) {
        const st = hit.seg;
        const page = this.page(st.seg.page);
        if (!isHeadingLike(st, page)) continue;
        const content = st.toks.filter((t) => !FILLER.has(t) && !/^\d+$|^[a-z]$/.test(t));
        const covered = hit.to - hit.from;
        if (covered / Math.max(1, content.length) < 0.5) continue;
        if (this.isOtherFieldsCaption(st, scope)) continue;
        const seg = st.seg;
        const sameRow = headings.filter((h) => h.page === page && h.seg.row === seg.row && h.seg !== seg);
        const rightEdge = Math.min(
          page.width,
          ...sameRow.filter((h) => h.seg.bbox.x0 > seg.bbox.x1).map((h) => h.seg.bbox.x0 - 4),
        );
        const leftEdge = Math.max(
          0,
          ...sameRow.filter((h) => h.seg.bbox.x1 < seg.bbox.x0).map((h) => h.seg.bbox.x1 + 4),
        );
        const below = headings.filter(
          (h) =>
            h.page === page &&
            h.seg.bbox.y0 > seg.bbox.y1 &&
            h.seg.bbox.x0 < rightEdge &&
            h.seg.bbox.x1 > leftEdge &&
            h.seg.row !== seg.row,
        );
        const bottom = Math.min(page.height, ...below.map((h) => h.seg.bbox.y0 - 2));
        sections.push({
          scope,
          page: page.page,
          region: {
            x0: Math.min(leftEdge, seg.bbox.x0 - page.unit),
            y0: seg.bbox.y0,
            x1: rightEdge,
            y1: bottom,
          },
          quality: hit.quality,
        });
      }
    }
    return sections;
  }

  private markLabels(): void {
    for (const pageTokens of this.segTokens) {
      for (const st of pageTokens) {
        if (/:$/.test(st.seg.text.trim()) && st.seg.words.length <= 6) this.labelSegments.add(st.seg);
      }
    }
    for (const leaf of [
      ...this.plan.leaves,
      ...this.plan.lists,
      ...this.plan.tables.flatMap((t) => t.columns),
    ]) {
      for (const hit of this.hits(leaf.path, leaf.phrases)) {
        const content = hit.seg.toks.filter((t) => !FILLER.has(t) && !/^\d+[a-z]?$|^[a-z]$/.test(t)).length;
        if (hit.quality >= 0.8 && hit.to - hit.from >= content * 0.6) this.labelSegments.add(hit.seg.seg);
      }
    }
  }

  /**
   * A caption that is wholly the label of a field outside `scope` ("RELATIONSHIP TO STUDENT" is a
   * guardian's relationship, not a heading of the student's section).
   */
  private isOtherFieldsCaption(st: SegmentTokens, scope: ScopeSpec): boolean {
    const content = st.toks.filter((t) => !FILLER.has(t) && !/^\d+$|^[a-z]$/.test(t)).length;
    for (const leaf of [...this.plan.leaves, ...this.plan.tables.flatMap((t) => t.columns)]) {
      if (isAncestorPath(scope.path, leaf.path)) continue;
      for (const phrase of leaf.phrases)
        if (phrase.tokens.length >= 2 && phrase.weight >= 0.9)
          for (const m of matchPhrase(st.toks, phrase))
            if (m.quality >= 0.85 && m.to - m.from >= content) return true;
    }
    return false;
  }

  /** How well a label at `seg` sits in the scope of `leaf`'s objects (1: inside its section or prefixed). */
  scopeScore(leaf: LeafSpec, hit: LabelHit): number {
    const seg = hit.seg.seg;
    const inside = (s: Section) =>
      s.page === seg.page &&
      seg.bbox.y0 >= s.region.y0 - 2 &&
      seg.bbox.y0 <= s.region.y1 &&
      seg.bbox.x0 >= s.region.x0 - 2 &&
      seg.bbox.x0 < s.region.x1;
    // The innermost section containing the label decides whose it is.
    const containing = this.sections.filter(inside);
    const prefix = hit.seg.toks.slice(Math.max(0, hit.from - 3), hit.from);
    // Words of the field's own name never name an object ("Agency Case No." is no "fromAgency" label).
    const own = new Set(splitFieldName(leaf.name));
    const named = (scope: ScopeSpec) =>
      scope.phrases.some((p) => p.tokens.length <= prefix.length + 1 && matchPhrase(prefix, p).length > 0) ||
      scope.phrases.some((p) => {
        const label = hit.seg.toks.slice(hit.from, hit.to);
        // "Relationship to student", "Lives with student": the object of a relation is not the owner.
        const owner = matchPhrase(label, p).filter((m) => !RELATION_WORDS.has(label[m.from - 1] ?? ''));
        return owner.length > 0 && p.tokens.length < label.length && !p.tokens.every((t) => own.has(t));
      });
    if (!leaf.scopes.length) {
      // A top-level field: a label inside some object's section, or prefixed by an object's name, belongs there.
      if (this.plan.sections.some((s) => named(s))) return 0.45;
      return containing.length ? 0.75 : 1;
    }
    const owned = leaf.scopes.filter(
      (s) => named(s) || containing.some((c) => c.scope.path === s.path),
    ).length;
    const foreign = containing.some(
      (c) => !leaf.scopes.some((s) => s.path === c.scope.path) && !isAncestorPath(c.scope.path, leaf.path),
    );
    const foreignNamed = this.plan.sections.some(
      (s) => !leaf.scopes.includes(s) && named(s) && !isAncestorPath(s.path, leaf.path),
    );
    if (foreignNamed) return 0.1;
    if (owned === leaf.scopes.length) return foreign ? 0.85 : 1;
    if (owned > 0) return foreign ? 0.5 : 0.85;
    return foreign ? 0.2 : 0.55;
  }

  /** The candidates for one scalar leaf, from every label hit and every relation. */
  candidates(leaf: LeafSpec): Candidate[] {
    const out: Candidate[] = [];
    for (const hit of this.hits(leaf.path, leaf.phrases).slice(0, 40)) {
      const scope = this.scopeScore(leaf, hit);
      if (scope < 0.15) continue;
      const base = hit.quality * scope;
      const labelWords = hit.seg.seg.words.slice(hit.seg.wordOf[hit.from], hit.seg.wordOf[hit.to - 1] + 1);
      const push = (
        relation: Relation,
        words: LayoutWord[],
        reading: ValueReading | { value: string | number | boolean; fit: number; words: LayoutWord[] },
      ) => {
        const used = 'from' in reading ? words.slice(reading.from, reading.to) : reading.words;
        if (!used.length) return;
        out.push({
          path: leaf.path,
          value: reading.value,
          page: hit.seg.seg.page,
          words: used,
          labelWords,
          score: base * reading.fit * RELATION_PRIOR[relation],
          relation,
        });
      };
      if (leaf.kind === 'boolean' || leaf.kind === 'enum') {
        const ticks = this.readChoice(leaf, hit);
        for (const r of ticks) push('tick', [], r);
        if (leaf.kind === 'boolean') {
          // "Clinical notes attached: Yes": a printed answer word after the label.
          const inline = ticks.length
            ? undefined
            : this.valueWords(hit, leaf).find((v) => v.relation !== 'above');
          const answer = inline && yesNo(inline.words[0]?.text ?? '');
          if (inline && answer !== null && answer !== undefined)
            push(inline.relation, inline.words, { value: answer, fit: 0.9, words: inline.words.slice(0, 1) });
          continue;
        }
      }
      for (const { relation, words } of this.valueWords(hit, leaf)) {
        if (leaf.kind === 'enum') {
          const text = words.map((w) => w.text).join(' ');
          const option = matchOption(text.split(/\s{2,}|[,;]/)[0], leaf.options ?? []);
          if (option)
            push(relation, words, {
              value: option,
              fit: 0.85,
              words: words.slice(0, Math.max(1, text.split(/\s+/).length)),
            });
          continue;
        }
        const reading = readValue(leaf.kind, words);
        if (!reading) continue;
        // A neighbouring box's caption is no name or text value.
        const read = words.slice(reading.from, reading.to);
        if (TEXT_KINDS.has(leaf.kind) && isCaptionText(read.map((w) => w.text).join(' '))) continue;
        push(relation, words, reading);
      }
    }
    return out;
  }

  /** Where the value of a label may be printed, most likely first. */
  valueWords(hit: LabelHit, leaf: LeafSpec): { relation: Relation; words: LayoutWord[] }[] {
    const seg = hit.seg.seg;
    const page = this.page(seg.page);
    const unit = page.unit;
    const out: { relation: Relation; words: LayoutWord[] }[] = [];
    const lastLabelWord = hit.seg.wordOf[hit.to - 1];
    const firstLabelWord = hit.seg.wordOf[hit.from];
    // A label word carrying its value after a colon ("DOB:03/14/1985") splits there.
    let rest = seg.words.slice(lastLabelWord + 1);
    const glued = /:(.+)$/.exec(seg.words[lastLabelWord].text);
    if (glued) rest = [{ ...seg.words[lastLabelWord], text: glued[1] }, ...rest];
    // A qualifier in parentheses after the label ("NAME (FIRST, LAST)", "DATE (MM/DD/YYYY)") is no value.
    if (rest[0]?.text.startsWith('(')) {
      const close = rest.findIndex((w) => w.text.includes(')'));
      const aside = rest.slice(0, close + 1).map((w) => w.text);
      // Letters only: "(614) 555-0197" is a value.
      if (close >= 0 && close < 6 && !aside.join('').match(/\d{2}/)) rest = rest.slice(close + 1);
      // OCR cut the caption at its box edge ("NAME OF INSURED (FI"): an unclosed run of capitals ending
      // the segment is the rest of the qualifier.
      else if (
        close < 0 &&
        rest.length <= 4 &&
        rest.every((w) => isCaps(w.text) || /^\(?[A-Z]*$/.test(w.text))
      )
        rest = [];
    }
    // "NAME OF INSURED", "DATE FOR SERVICE": a capitalised box caption goes on after its label with a
    // preposition; a value never starts with one.
    if (rest.length && !glued && isCaps(seg.text) && CAPTION_JOINERS.has(rest[0].text.toLowerCase()))
      rest = [];
    // The label must lead its segment (numbering, a box or an object's name may precede it).
    const before = hit.seg.toks.slice(0, hit.from).filter((t) => !/^\d+[a-z]?$|^[a-z]$/.test(t));
    const leads = before.length <= 3;
    const keyed =
      /[:#]$/.test(seg.words[lastLabelWord].text) || /^[:#]/.test(rest[0]?.text ?? '') || Boolean(glued);
    // On a row of capitalised captions the rest of an unkeyed caption is caption too ("RELATIONSHIP TO …").
    const row = page.rows[seg.row].map((id) => page.segments[id]);
    const captionRow = isCaptionRow(row) && isCaps(seg.text);
    if (rest.length && (leads || keyed) && !(captionRow && !keyed)) {
      // The value ends where the next field's label starts ("Phone: … Fax: …").
      const cut = rest.findIndex((w, i) => i > 0 && /:$/.test(w.text) && i < rest.length - 1);
      const value = cut > 0 ? rest.slice(0, this.keyStart(rest, cut)) : rest;
      const cleaned = value[0] && /^[:#\-–]+$/.test(value[0].text) ? value.slice(1) : value;
      if (cleaned.length) out.push({ relation: keyed || leads ? 'inline' : 'prose', words: cleaned });
      if (!keyed && leads && !looksTyped(leaf)) return out; // "Name Jane Smith" in one run: the rest is the value
    }
    if (!leads && !keyed) return out;
    // On a form that numbers its boxes ("14. If Overtime …  15. If paid hourly"), the next numbered
    // caption is the next box, not this one's value.
    const numbered = NUMBERED_CAPTION.test(seg.text);
    const caption = (s: Segment) => numbered && NUMBERED_CAPTION.test(s.text);
    const right = row.find((s) => s.bbox.x0 > seg.bbox.x1 - 2);
    // On a row of capitalised captions ("NAME (FIRST, LAST)   RELATIONSHIP"), the next caption is no value.
    if (
      right &&
      !this.labelSegments.has(right) &&
      !caption(right) &&
      !(captionRow && isCaps(right.text)) &&
      right.bbox.x0 - seg.bbox.x1 < unit * 25
    )
      out.push({ relation: 'right', words: this.cellRun(right, page.width) });
    // Below: the nearest segment under the label's column, within a few lines, not a label itself.
    const labelBox = union(seg.words.slice(firstLabelWord, lastLabelWord + 1).map((w) => w.bbox));
    const below = page.segments
      .filter(
        (s) =>
          s.bbox.y0 >= seg.bbox.y1 - unit * 0.3 &&
          s.bbox.y0 - seg.bbox.y1 < unit * 2.6 &&
          s.row !== seg.row &&
          (xOverlap(s.bbox, labelBox) > 0 || Math.abs(s.bbox.x0 - seg.bbox.x0) < unit * 1.5),
      )
      .sort((a, b) => a.bbox.y0 - b.bbox.y0 || a.bbox.x0 - b.bbox.x0);
    const first = below[0];
    // The next caption on the label's row starts the next box.
    const nextBox = right?.bbox.x0 ?? page.width;
    if (first && !this.labelSegments.has(first) && !caption(first)) {
      const boxed = ruleBetween(page, seg.bbox, first.bbox);
      if (!boxed) out.push({ relation: 'below', words: this.cellRun(first, nextBox) });
    }
    // Above: a value written on a fill-in rule with its label printed underneath.
    if (!rest.length) {
      const above = page.segments
        .filter(
          (s) =>
            s.bbox.y1 <= seg.bbox.y0 + unit * 0.3 &&
            seg.bbox.y0 - s.bbox.y1 < unit * 1.8 &&
            s.row !== seg.row &&
            xOverlap(s.bbox, labelBox) > 0,
        )
        .sort((a, b) => b.bbox.y1 - a.bbox.y1);
      if (
        above[0] &&
        !this.labelSegments.has(above[0]) &&
        !caption(above[0]) &&
        above[0].row !== page.headerRow
      )
        out.push({ relation: 'above', words: above[0].words });
    }
    return out;
  }

  /**
   * The words of a value OCR split at wide letter gaps ("Malik N."  "Ramirez"): the segments on
   * `first`'s row that follow it within a few letter widths and end before `nextBox` (the next box's edge).
   */
  private cellRun(first: Segment, nextBox: number): LayoutWord[] {
    const page = this.page(first.page);
    const letter = (first.bbox.x1 - first.bbox.x0) / Math.max(1, first.text.length);
    const words = [...first.words];
    let edge = first.bbox.x1;
    for (const id of page.rows[first.row]) {
      const s = page.segments[id];
      if (s.bbox.x0 <= edge) continue;
      if (s.bbox.x0 - edge > letter * 2.5 || s.bbox.x1 > nextBox || this.labelSegments.has(s)) break;
      words.push(...s.words);
      edge = s.bbox.x1;
    }
    return words;
  }

  /**
   * Where the key that ends at `colonAt` ("Date of Birth:") starts: the longest run of up to four words
   * that reads as a label of the schema, else the colon word and one capitalised word before it.
   */
  private keyStart(words: LayoutWord[], colonAt: number): number {
    const phrases = this.allPhrases();
    for (let start = Math.max(1, colonAt - 3); start <= colonAt; start++) {
      const toks = tokens(
        words
          .slice(start, colonAt + 1)
          .map((w) => w.text)
          .join(' '),
      );
      if (
        phrases.some((p) => p.tokens.length === toks.length && matchPhrase(toks, p).some((m) => m.from === 0))
      )
        return start;
    }
    const prev = words[colonAt - 1];
    const beforePrev = words[colonAt - 2];
    if (colonAt >= 2 && /^[A-Z][a-z]+$/.test(prev.text) && !/,$/.test(beforePrev.text)) return colonAt - 1;
    return colonAt;
  }

  private phraseList: LabelPhrase[] | null = null;
  private allPhrases(): LabelPhrase[] {
    this.phraseList ??= [
      ...this.plan.leaves,
      ...this.plan.lists,
      ...this.plan.tables.flatMap((t) => t.columns),
    ].flatMap((l) => l.phrases);
    return this.phraseList;
  }

  /** Booleans and enums from tick boxes on the label's row and the rows just under it. */
  private readChoice(
    leaf: LeafSpec,
    hit: LabelHit,
  ): { value: string | boolean; fit: number; words: LayoutWord[] }[] {
    const seg = hit.seg.seg;
    const page = this.page(seg.page);
    const unit = page.unit;
    const out: { value: string | boolean; fit: number; words: LayoutWord[] }[] = [];
    const labelEnd = seg.words[hit.seg.wordOf[hit.to - 1]];
    const rowWords = (r: number) => page.rows[r]?.flatMap((id) => page.segments[id].words) ?? [];
    const own = rowWords(seg.row).filter((w) => w.bbox.x0 >= seg.bbox.x0 - unit * 3);
    const rows = [own];
    for (let r = seg.row + 1; r < page.rows.length && r <= seg.row + 2; r++) {
      const ws = rowWords(r).filter(
        (w) => w.bbox.x1 > seg.bbox.x0 - unit * 2 && w.bbox.x0 < seg.bbox.x1 + unit * 30,
      );
      if (ws.length && ws[0].bbox.y0 - seg.bbox.y1 < unit * 3) rows.push(ws);
    }
    for (const [ri, ws] of rows.entries()) {
      const options = optionsInRow(ws, unit);
      if (!options.length) continue;
      const near = ri === 0 ? 1 : 0.9;
      if (leaf.kind === 'boolean') {
        const answer = options.find((o) => o.checked && yesNo(o.text) !== null);
        const anyYesNo = options.some((o) => yesNo(o.text) !== null);
        if (answer) {
          out.push({ value: yesNo(answer.text)!, fit: 0.95 * near, words: [answer.mark, ...answer.words] });
          return out;
        }
        if (anyYesNo && ri === 0) {
          // "Yes ☐ No ☐" with neither ticked: not answered.
          return out;
        }
        // A single box against the label itself ("☒ Interpreter needed").
        const self = options.find((o) =>
          o.words.some((w) => w === labelEnd || hit.seg.seg.words.includes(w)),
        );
        if (self) {
          out.push({ value: self.checked, fit: 0.9, words: [self.mark, ...self.words] });
          return out;
        }
        continue;
      }
      const checked = options.filter((o) => o.checked);
      const named = checked
        .map((o) => ({ o, v: matchOption(o.text, leaf.options ?? []) }))
        .filter((x) => x.v);
      const listed = options.filter((o) => matchOption(o.text, leaf.options ?? [])).length;
      if (named.length === 1 && listed >= 2) {
        out.push({ value: named[0].v!, fit: 0.95 * near, words: [named[0].o.mark, ...named[0].o.words] });
        return out;
      }
    }
    return out;
  }

  /** Enum and boolean fields whose label is not printed: a row of tick boxes listing the enum's options. */
  unlabelledChoices(leaf: LeafSpec): Candidate[] {
    if (leaf.kind !== 'enum' || !leaf.options) return [];
    const out: Candidate[] = [];
    for (const page of this.pages) {
      for (const ids of page.rows) {
        const ws = ids.flatMap((id) => page.segments[id].words);
        const options = optionsInRow(ws, page.unit);
        const listed = options.filter((o) => matchOption(o.text, leaf.options!));
        if (listed.length < Math.min(3, leaf.options.length)) continue;
        const checked = listed.filter((o) => o.checked);
        if (checked.length !== 1) continue;
        out.push({
          path: leaf.path,
          value: matchOption(checked[0].text, leaf.options)!,
          page: page.page,
          words: [checked[0].mark, ...checked[0].words],
          labelWords: [],
          score: 0.7 * (listed.length / leaf.options.length >= 0.6 ? 1 : 0.85),
          relation: 'tick',
        });
      }
    }
    return out;
  }
}

/** A box caption led by its item number ("12. Current Gross Base Pay", "24B. Reason"). */
const NUMBERED_CAPTION = /^\d{1,2}[A-Za-z]?\.\s+\p{L}{2,}/u;

/** Kinds whose value is free text, which a caption could pass for. */
const TEXT_KINDS = new Set(['text', 'personName', 'orgName', 'street', 'address']);

/** Words that continue a caption past the matched label: no value starts with one. */
const CAPTION_JOINERS = new Set(['of', 'for', 'to', 'the', 'and', 'or', 'if', 'in', 'on', 'by', 'at']);

/** Words after which a named party is what the field relates to, not whose field it is. */
const RELATION_WORDS = new Set(['to', 'with', 'from']);

const FILLER = new Set([
  'information',
  'info',
  'details',
  'section',
  'data',
  'of',
  'the',
  'and',
  'or',
  'if',
  'any',
  'for',
  'to',
]);

/** Letters all capitals and no digits: how boxed forms print their captions. */
function isCaps(text: string): boolean {
  const letters = text.replace(/[^\p{L}]/gu, '');
  return letters.length >= 2 && letters === letters.toUpperCase() && !/\d/.test(text);
}

/** A row of two or more capitalised captions with no figures: a boxed form's labels over its next boxes. */
function isCaptionRow(segs: Segment[]): boolean {
  const printed = segs.filter((s) => /[\p{L}\p{N}]/u.test(s.text));
  return printed.length >= 2 && printed.every((s) => isCaps(s.text));
}

function isHeadingLike(st: SegmentTokens, page: LayoutPage): boolean {
  const text = st.seg.text.trim();
  if (!st.toks.length || st.toks.length > 8 || st.seg.row === page.headerRow) return false;
  const letters = text.replace(/[^A-Za-z]/g, '');
  if (letters.length < 3) return false;
  if (/\d{3}/.test(text) || /@/.test(text)) return false;
  const caps = letters === letters.toUpperCase();
  const row = page.rows[st.seg.row];
  const alone =
    row.length === 1 ||
    row.every(
      (id) =>
        id === st.seg.id ||
        page.segments[id].bbox.x0 - st.seg.bbox.x1 > page.unit * 4 ||
        st.seg.bbox.x0 - page.segments[id].bbox.x1 > page.unit * 4,
    );
  return (
    (caps && text.length <= 70) ||
    (alone && /:$/.test(text) && st.toks.length <= 4) ||
    (alone && /^\d{1,2}[.)]\s/.test(text))
  );
}

export function isAncestorPath(ancestor: string, path: string): boolean {
  return path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[]`);
}

function looksTyped(leaf: LeafSpec): boolean {
  return !['text', 'personName', 'orgName', 'street', 'address'].includes(leaf.kind);
}
