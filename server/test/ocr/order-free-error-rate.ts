// Reading-order-independent character error rate, for the OCR bench and tests: what CER would be
// if the words had come out in the truth's order. Bag-of-words edit distance:
//  1. words are the whitespace-separated tokens of both texts, normalised as for CER;
//  2. identical words are matched first (as multisets, so order is irrelevant);
//  3. the remaining truth and OCR words are paired greedily, closest pairs first (Levenshtein
//     over the longer word's length), when correcting beats deleting one and inserting the other;
//  4. errors = the pairs' edit distances + the characters of unpaired words (deleted or inserted);
//     the rate divides by the truth words' characters (spaces are not counted on either side).

import { levenshtein, normaliseText } from '../fixtures/character-error-rate.ts';

export function orderFreeErrorRate(
  truth: string,
  ocr: string,
): { errors: number; length: number; cer: number } {
  const tokens = (text: string) => normaliseText(text).split(' ').filter(Boolean);
  const truthWords = tokens(truth);
  const length = truthWords.reduce((n, w) => n + w.length, 0);
  const pending = new Map<string, number>();
  for (const w of tokens(ocr)) pending.set(w, (pending.get(w) ?? 0) + 1);
  const unmatchedTruth: string[] = [];
  for (const w of truthWords) {
    const n = pending.get(w) ?? 0;
    if (n > 0) pending.set(w, n - 1);
    else unmatchedTruth.push(w);
  }
  const unmatchedOcr = [...pending].flatMap(([w, n]) => Array<string>(n).fill(w));

  const pairs: { t: number; o: number; cost: number; rel: number }[] = [];
  for (const [t, tw] of unmatchedTruth.entries()) {
    for (const [o, ow] of unmatchedOcr.entries()) {
      const cost = levenshtein(tw, ow);
      // Pairing only pays when the edit is cheaper than deleting one word and inserting the other.
      if (cost < tw.length + ow.length)
        pairs.push({ t, o, cost, rel: cost / Math.max(tw.length, ow.length) });
    }
  }
  pairs.sort((a, b) => a.rel - b.rel || a.cost - b.cost);
  const usedTruth = new Set<number>();
  const usedOcr = new Set<number>();
  let errors = 0;
  for (const p of pairs) {
    if (usedTruth.has(p.t) || usedOcr.has(p.o)) continue;
    usedTruth.add(p.t);
    usedOcr.add(p.o);
    errors += p.cost;
  }
  unmatchedTruth.forEach((w, i) => {
    if (!usedTruth.has(i)) errors += w.length;
  });
  unmatchedOcr.forEach((w, i) => {
    if (!usedOcr.has(i)) errors += w.length;
  });
  return { errors, length, cer: length ? errors / length : 0 };
}
