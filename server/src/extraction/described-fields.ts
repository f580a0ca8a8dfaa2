// Fields whose label on the page is what the schema's description says, not what its name says
// ("separationDate": "last day of employment if no longer employed"): the description's opening noun
// phrase as a label, read like any label by the layout reader, at lower confidence than the name.

import { tokens } from './label-lexicon.ts';
import type { LeafSpec, SchemaPlan } from './layout-fields.ts';
import type { Candidate, LayoutContext } from './layout-reader.ts';

// Words that end the noun phrase naming the field: a condition, a relative clause, a format note.
const DESCRIPTION_CUT =
  /\b(?:if|when|that|which|who|whose|where|as|on|in|from|for|yyyy-mm-dd|e\.164|one of|e\.g\.)\b|[,;(:]/i;
const STOP = new Set([
  'of',
  'the',
  'a',
  'an',
  'and',
  'or',
  'to',
  'any',
  'this',
  'letter',
  'document',
  'form',
]);
/** How much a reading by the description's phrase counts against one by the field's own label. */
const DESCRIBED_WEIGHT = 0.75;

/** The tokens of the noun phrase a description opens with ("last day of employment" → last, day, employment). */
export function descriptionHead(leaf: LeafSpec): string[] {
  const desc = (leaf.field.description ?? '').replace(/["“”]/g, '');
  return tokens(desc.split(DESCRIPTION_CUT)[0]).filter((t) => !STOP.has(t));
}

/** Candidates read at labels printed as the description's phrase, where the field's own phrases miss it. */
export function readDescribedFields(ctx: LayoutContext, plan: SchemaPlan): Candidate[] {
  const out: Candidate[] = [];
  for (const leaf of plan.leaves) {
    const head = descriptionHead(leaf);
    // One word is too common to name a field alone; five or more is a sentence, not a label.
    if (head.length < 2 || head.length > 4) continue;
    if (leaf.phrases.some((p) => p.tokens.join(' ') === head.join(' '))) continue;
    // Its own path-keyed cache: the reader keys label hits by path.
    const described: LeafSpec = {
      ...leaf,
      path: `${leaf.path}\u0000described`,
      phrases: [{ tokens: head, weight: DESCRIBED_WEIGHT }],
    };
    for (const c of ctx.candidates(described)) out.push({ ...c, path: leaf.path });
  }
  return out;
}
