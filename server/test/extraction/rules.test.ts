// `rules` against the generated corpus: every document's ground truth, tolerance to OCR noise, and
// evidence spans that point at the printed text and its word boxes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCorpus, textToOcrPages } from '../../../scripts/fixtures/corpus/corpus.ts';
import { createRulesProvider, extractWithRules } from '../../src/extraction/rules-provider.ts';

const corpus = buildCorpus();

describe('rules provider on the corpus', () => {
  it('has at least 30 documents across all 11 verticals', () => {
    assert.ok(corpus.length >= 30);
    assert.equal(new Set(corpus.map((d) => d.vertical)).size, 11);
  });

  for (const doc of corpus.filter((d) => d.layout !== 3)) {
    it(`extracts the ground truth of ${doc.id}`, () => {
      const { data } = extractWithRules(doc.schema, textToOcrPages(doc.pages));
      assert.deepEqual(data, doc.truth);
    });
  }
});

/** Leaves of `truth` and `data` side by side, keyed by path ("referringProvider.npi", "results[1].value"). */
function leaves(truth: unknown, data: unknown, path = '', out: [string, unknown, unknown][] = []) {
  const isObj = (v: unknown) => typeof v === 'object' && v !== null;
  if (isObj(truth) || isObj(data)) {
    const t = (truth ?? {}) as Record<string, unknown>;
    const d = (data ?? {}) as Record<string, unknown>;
    for (const k of new Set([...Object.keys(t), ...Object.keys(d)]))
      leaves(t[k] ?? null, d[k] ?? null, Array.isArray(t) ? `${path}[${k}]` : path ? `${path}.${k}` : k, out);
  } else out.push([path, truth, data]);
  return out;
}

describe('rules provider on prose letters (layout 3)', () => {
  const letters = corpus.filter((d) => d.layout === 3);
  let found = 0;
  let stated = 0;

  it('has a letter for every vertical', () => {
    assert.equal(letters.length, 11);
    assert.match(letters[0].pages.join('\n'), /Re: .+, DOB .+, Member ID \S+/);
  });

  for (const doc of letters) {
    it(`never returns a value the letter ${doc.id} does not state`, () => {
      const { data } = extractWithRules(doc.schema, textToOcrPages(doc.pages));
      for (const [path, truth, value] of leaves(doc.truth, data)) {
        if (truth !== null) stated++;
        if (value === null) continue;
        assert.deepEqual(value, truth, `${doc.id} ${path}`);
        found++;
      }
    });
  }

  it('reads at least 60 % of what the letters state (inline pairs, "Re:" lines, prose)', () => {
    assert.ok(found / stated >= 0.6, `${found} of ${stated}`);
  });

  it("reads the letters' inline pairs", () => {
    const claim = letters.find((d) => d.vertical === 'insurance-claim')!;
    const { data } = extractWithRules(claim.schema, textToOcrPages(claim.pages));
    for (const k of [
      'claimNumber',
      'patientName',
      'dob',
      'policyNumber',
      'groupNumber',
      'billingProviderNpi',
    ])
      assert.equal(data[k], claim.truth[k], k);
    const auth = letters.find((d) => d.vertical === 'prior-authorization')!;
    const { data: a } = extractWithRules(auth.schema, textToOcrPages(auth.pages));
    assert.deepEqual(a.requestingProvider, auth.truth.requestingProvider);
    assert.equal(a.serviceStartDate, auth.truth.serviceStartDate);
  });

  it('keeps precision under OCR confusions (O/0, l/1, S/5)', () => {
    let wrong = 0;
    let right = 0;
    for (const doc of corpus) {
      const { data } = extractWithRules(doc.schema, textToOcrPages(doc.pages, { noise: 0.02 }));
      const walk = (t: unknown, p: unknown): void => {
        if (t && typeof t === 'object') {
          for (const k of Object.keys(t)) walk((t as never)[k], (p as never)?.[k]);
          return;
        }
        if (p === null || p === undefined) return;
        if (typeof p === 'number' || typeof t === 'number') p === t ? right++ : wrong++;
        else if (typeof p === 'boolean') p === t ? right++ : wrong++;
      };
      walk(doc.truth, data);
    }
    // Typed values (numbers, booleans) must stay right even when digits were misread.
    assert.ok(wrong / (right + wrong) < 0.03, `${wrong} wrong of ${right + wrong}`);
  });
});

describe('rules evidence', () => {
  const doc = corpus.find((d) => d.id === 'referral-0')!;
  const pages = textToOcrPages(doc.pages);

  it('points spans at the printed value and boxes at its words', async () => {
    const provider = createRulesProvider();
    const { evidence, data } = await provider.extract({ schema: doc.schema, pages });
    const dob = evidence.dob;
    assert.ok(dob, 'dob has evidence');
    const text = pages[0].text;
    assert.equal(dob.span.text, text.slice(dob.span.start, dob.span.end));
    assert.match(
      text.split('\n').find((l) => l.startsWith('Date of Birth'))!,
      new RegExp(dob.span.text.replace(/[/]/g, '\\/')),
    );
    const word = pages[0].words.find((w) => w.text === dob.span.text)!;
    assert.deepEqual(dob.bbox, word.bbox);
    assert.ok(dob.confidence > 0.85 && dob.confidence <= 1);

    const npi = evidence['referringProvider.npi'];
    assert.equal(npi.span.text, (data.referringProvider as { npi: string }).npi);
    assert.equal(evidence['diagnosisCodes[0]'].span.text, (data.diagnosisCodes as string[])[0]);
  });

  it('gives table cells their own evidence', () => {
    const invoice = corpus.find((d) => d.id === 'vendor-invoice-0')!;
    const { evidence, data } = extractWithRules(invoice.schema, textToOcrPages(invoice.pages));
    const items = data.lineItems as { description: string }[];
    assert.equal(evidence['lineItems[1].description'].span.text, items[1].description);
    assert.ok(evidence['lineItems[1].amount'].bbox);
  });
});
