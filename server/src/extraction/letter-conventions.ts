// What business letters say by position rather than by label: the date line under the letterhead, and
// the signer's name and title under the complimentary close ("Sincerely,"). Candidates for fields whose
// name or description asks for those, scored below labelled readings.

import type { LeafSpec, SchemaPlan } from './layout-fields.ts';
import type { Candidate, LayoutContext } from './layout-reader.ts';
import { readValue } from './layout-values.ts';
import type { Segment } from './page-layout.ts';

const CLOSE =
  /^(?:sincerely|respectfully(?: submitted)?|regards|best regards|kind regards|very truly yours|yours truly|cordially|thank you)[,.]?$/i;
const SIGNER_SCOPES = /^(?:signer|signature|signedBy|sender|author|from)$/i;

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
  const signerLeaves = plan.leaves.filter((l) => l.scopes.some((s) => SIGNER_SCOPES.test(s.name)));
  if (!signerLeaves.length) return out;
  for (const page of ctx.pages) {
    const close = page.segments.find((s) => CLOSE.test(s.text.trim()));
    if (!close) continue;
    const after = page.segments
      .filter((s) => s.bbox.y0 > close.bbox.y1 && Math.abs(s.bbox.x0 - close.bbox.x0) < page.unit * 3)
      .sort((a, b) => a.bbox.y0 - b.bbox.y0)
      .slice(0, 5);
    // A handwritten or /s/ signature often repeats the typed name: the typed name is the last repeat.
    const lines = after.filter(
      (s, i) => !after.slice(i + 1).some((t) => t.text.replace(/\s+/g, '') === s.text.replace(/\s+/g, '')),
    );
    const nameLine = lines.find((s) =>
      /^(?:[A-Z][a-zA-Z'’.-]*\s){1,3}[A-Z][a-zA-Z'’.-]*,?(?:\s[A-Z][A-Za-z.]+)?$/.test(s.text.trim()),
    );
    if (!nameLine) continue;
    const titleLine = lines[lines.indexOf(nameLine) + 1];
    for (const leaf of signerLeaves) {
      if (leaf.kind === 'personName' || leaf.name === 'name')
        out.push(candidate(leaf, page.page, nameLine, nameLine.text.trim().replace(/,$/, ''), 0.74));
      if (leaf.name === 'title' && titleLine && !/\d/.test(titleLine.text))
        out.push(candidate(leaf, page.page, titleLine, titleLine.text.trim(), 0.6));
    }
    break;
  }
  return out;
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
  seg: Segment,
  value: string | number | boolean,
  score: number,
): Candidate {
  return { path: leaf.path, value, page, words: seg.words, labelWords: [], score, relation: 'letter' };
}
