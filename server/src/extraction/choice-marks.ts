// Tick boxes as fax OCR renders them (☒ ☐ ☑ ■ [X] [ ] ✓, or a typed X beside a printed box) turned into
// options: which words each box labels and whether it is marked; then booleans and enum strings from them.

import { tokenMatches, tokens } from './label-lexicon.ts';
import type { LayoutWord } from './page-layout.ts';

export interface MarkedOption {
  /** The option's words (the box's label). */
  words: LayoutWord[];
  text: string;
  checked: boolean;
  /** The box itself, for evidence. */
  mark: LayoutWord;
}

const CHECKED = /^(?:[☒☑■✓✔✗✘]|\[\s*[xX✓✔]\s*\]|\(\s*[xX✓✔]\s*\)|[xX])$/;
const UNCHECKED = /^(?:[☐□]|\[\s*\]|\(\s*\)|\[_\]|_{1,3})$/;
const isMark = (w: LayoutWord) => CHECKED.test(w.text) || UNCHECKED.test(w.text);

/** A word that starts with a box glyph fused to its label ("☒DME", "[X]Yes"): split reading. */
function fusedMark(w: LayoutWord): { checked: boolean; rest: string } | null {
  const m = /^(\[\s*[xX✓✔]?\s*\]|[☒☑■☐□✓✔])(.+)$/.exec(w.text);
  if (!m) return null;
  return { checked: /[xX✓✔☒☑■]/.test(m[1]), rest: m[2] };
}

/**
 * The options of one row of words, left to right. Whether boxes precede or follow their labels is decided
 * by the row: a row that opens with a box puts boxes first ("☒ Yes ☐ No"), otherwise after ("Yes ☒ No ☐"),
 * and a typed X with no glyph belongs to the nearer word.
 */
export function optionsInRow(words: readonly LayoutWord[], unit: number): MarkedOption[] {
  const ws = [...words].sort((a, b) => a.bbox.x0 - b.bbox.x0);
  const out: MarkedOption[] = [];
  const marks = ws.map((w, i) => ({ w, i })).filter(({ w }) => isMark(w) || fusedMark(w));
  if (!marks.length) return out;
  // A lone x/X among many words is a letter, unless a printed box layout makes it a mark: require glyphs
  // elsewhere in the row or a real gap around it.
  const glyphs = marks.filter(({ w }) => !/^[xX]$/.test(w.text)).length;
  // "☐ Yes ☒ No" ends on a word, "Yes ☒ No ☐" on a box.
  const boxesFirst = marks[0].i === 0 || !isMark(ws[ws.length - 1]);
  for (const { w, i } of marks) {
    const fused = fusedMark(w);
    if (fused) {
      const run = runFrom(ws, i + 1, 1, unit);
      const text = [fused.rest, ...run.map((r) => r.text)].join(' ');
      out.push({ words: [w, ...run], text, checked: fused.checked, mark: w });
      continue;
    }
    const checked = CHECKED.test(w.text);
    if (/^[xX]$/.test(w.text) && glyphs === 0) {
      // A typed X: the option it sits against is the nearer neighbour.
      const left = ws[i - 1];
      const right = ws[i + 1];
      const gl = left && !isMark(left) ? w.bbox.x0 - left.bbox.x1 : Number.POSITIVE_INFINITY;
      const gr = right && !isMark(right) ? right.bbox.x0 - w.bbox.x1 : Number.POSITIVE_INFINITY;
      if (!Number.isFinite(gl) && !Number.isFinite(gr)) continue;
      const run = gl <= gr ? runFrom(ws, i - 1, -1, unit) : runFrom(ws, i + 1, 1, unit);
      if (!run.length) continue;
      out.push({ words: run, text: run.map((r) => r.text).join(' '), checked: true, mark: w });
      continue;
    }
    const run = boxesFirst ? runFrom(ws, i + 1, 1, unit) : runFrom(ws, i - 1, -1, unit);
    if (!run.length) continue;
    out.push({ words: run, text: run.map((r) => r.text).join(' '), checked, mark: w });
  }
  // A typed X beside options printed without glyphs ("SELF SPOUSE CHILD X OTHER"): the others are unmarked.
  if (glyphs === 0 && out.length) {
    for (const w of ws) {
      if (isMark(w) || out.some((o) => o.words.includes(w))) continue;
      if (/^[A-Za-z][A-Za-z-]*$/.test(w.text))
        out.push({ words: [w], text: w.text, checked: false, mark: w });
    }
  }
  return out;
}

// The words of an option's label: from `start` in direction `dir` until the next box or a column gap.
function runFrom(ws: readonly LayoutWord[], start: number, dir: 1 | -1, unit: number): LayoutWord[] {
  const run: LayoutWord[] = [];
  for (let j = start; j >= 0 && j < ws.length; j += dir) {
    const w = ws[j];
    if (isMark(w) || fusedMark(w)) break;
    const prev = run[run.length - 1] ?? ws[j - dir];
    const gap = dir === 1 ? w.bbox.x0 - prev.bbox.x1 : prev.bbox.x0 - w.bbox.x1;
    if (run.length && gap > unit * 1.2) break;
    if (!run.length && gap > unit * 2.5) break;
    run.push(w);
    if (run.length >= 6) break;
  }
  return dir === 1 ? run : run.reverse();
}

/** How well an option's printed text names one of the enum's values (1: all its words, in order). */
export function optionScore(printed: string, option: string): number {
  const seen = tokens(printed);
  const want = tokens(option.replace(/_/g, ' '));
  if (!want.length || !seen.length) return 0;
  let q = 1;
  let at = 0;
  for (const t of want) {
    let found = -1;
    for (let k = at; k < seen.length; k++) {
      if (tokenMatches(seen[k], t)) {
        found = k;
        break;
      }
    }
    if (found < 0) {
      // "Urgent / Expedited" names "expedited"; a one-letter enum ("M", "F") must be the whole text.
      return 0;
    }
    at = found + 1;
  }
  // Extra printed words dilute the match ("Outpatient Facility" vs "outpatient" still wins over others).
  q *= want.length / Math.max(want.length, seen.length) >= 0.5 ? 1 : 0.8;
  return q;
}

/** The enum value a printed text names, if exactly one option fits best. */
export function matchOption(printed: string, options: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = 0;
  let tie = false;
  for (const o of options) {
    const s = optionScore(printed, o);
    if (s > bestScore) {
      best = o;
      bestScore = s;
      tie = false;
    } else if (s === bestScore && s > 0) tie = true;
  }
  if (!best || tie) return null;
  // One-letter options (M/F) must be the whole printed word.
  if (best.length <= 2 && tokens(printed).length !== 1) return null;
  return best;
}

/** Yes/No (and True/False, Y/N) read from a printed answer word. */
export function yesNo(text: string): boolean | null {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/[.:,;]$/, '');
  if (/^(yes|y|true|x)$/.test(t)) return true;
  if (/^(no|n|false|none)$/.test(t)) return false;
  return null;
}
