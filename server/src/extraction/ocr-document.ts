// The OCR pages of one fax seen as text an extractor can search: lines with offsets, each word tied to
// its character span, and spans turned back into page, bounding box and OCR confidence (evidence).

import type { BoundingBox, OcrPage } from '../ocr/ocr-result.ts';

export interface TextLine {
  page: number;
  /** Index of the line on its page (0-based). */
  index: number;
  /** Offsets into the page's text. */
  start: number;
  end: number;
  text: string;
}

export interface SpanEvidence {
  page: number;
  start: number;
  end: number;
  text: string;
  bbox: BoundingBox | null;
  /** Mean OCR confidence of the words under the span, 0–1 (1 when the page has no words). */
  ocrConfidence: number;
}

interface WordSpan {
  start: number;
  end: number;
  word: number;
}

export class OcrDocument {
  readonly pages: readonly OcrPage[];
  readonly lines: readonly TextLine[];
  private readonly wordSpans: Map<number, WordSpan[]>;

  constructor(pages: readonly OcrPage[]) {
    this.pages = [...pages].sort((a, b) => a.page - b.page);
    const lines: TextLine[] = [];
    this.wordSpans = new Map();
    for (const page of this.pages) {
      let start = 0;
      page.text.split('\n').forEach((text, index) => {
        lines.push({ page: page.page, index, start, end: start + text.length, text });
        start += text.length + 1;
      });
      this.wordSpans.set(page.page, locateWords(page));
    }
    this.lines = lines;
  }

  page(pageNumber: number): OcrPage | undefined {
    return this.pages.find((p) => p.page === pageNumber);
  }

  /** Evidence for `[start, end)` of a page's text: the matched text, union of word boxes, confidence. */
  span(pageNumber: number, start: number, end: number): SpanEvidence {
    const page = this.page(pageNumber);
    const text = page?.text.slice(start, end) ?? '';
    const words = (this.wordSpans.get(pageNumber) ?? []).filter((w) => w.start < end && w.end > start);
    if (!page || words.length === 0) {
      return { page: pageNumber, start, end, text, bbox: null, ocrConfidence: page?.words.length ? 0.5 : 1 };
    }
    const boxes = words.map((w) => page.words[w.word].bbox);
    const bbox = {
      x0: Math.min(...boxes.map((b) => b.x0)),
      y0: Math.min(...boxes.map((b) => b.y0)),
      x1: Math.max(...boxes.map((b) => b.x1)),
      y1: Math.max(...boxes.map((b) => b.y1)),
    };
    const conf = words.reduce((sum, w) => sum + page.words[w.word].confidence, 0) / words.length / 100;
    return { page: pageNumber, start, end, text, bbox, ocrConfidence: Math.max(0, Math.min(1, conf)) };
  }

  /** Where each OCR word of a page sits in its text, by word index (words the text lacks are absent). */
  wordOffsets(pageNumber: number): Map<number, { start: number; end: number }> {
    return new Map(
      (this.wordSpans.get(pageNumber) ?? []).map((w) => [w.word, { start: w.start, end: w.end }]),
    );
  }

  /** The full text of all pages, for prompts (pages separated by a form feed). */
  fullText(): string {
    return this.pages.map((p) => p.text).join('\n\f\n');
  }
}

// OCR words carry boxes but no offsets: find each in the page text in reading order, skipping words
// the text does not contain (OCR engines sometimes differ between their text and word lists).
function locateWords(page: OcrPage): WordSpan[] {
  const spans: WordSpan[] = [];
  let cursor = 0;
  page.words.forEach((word, i) => {
    if (!word.text) return;
    const at = page.text.indexOf(word.text, cursor);
    if (at < 0 || at - cursor > 200) return;
    spans.push({ start: at, end: at + word.text.length, word: i });
    cursor = at + word.text.length;
  });
  return spans;
}

// Characters OCR confuses on fax images, folded to one representative so "S0UTH" matches "SOUTH".
const CONFUSIONS: Record<string, string> = { o: '0', l: '1', i: '1', '|': '1', s: '5', b: '8', z: '2' };

/**
 * Text folded for comparison: lower case, OCR confusions merged, whitespace and punctuation dropped.
 * `map[i]` is the offset in the original text of folded character `i`.
 */
export function foldForMatch(text: string): { folded: string; map: number[] } {
  let folded = '';
  const map: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i].toLowerCase();
    const c = CONFUSIONS[ch] ?? ch;
    if (!/[a-z0-9\u00c0-\u024f]/.test(c)) continue;
    folded += c;
    map.push(i);
  }
  return { folded, map };
}
