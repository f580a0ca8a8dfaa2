// Form labels as fax OCR prints them: misread letters (more edits allowed in longer words), words split
// or run together, a correctly spelled other word that is never a misread, and a caption cut at its box.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { isCaptionText, matchPhrase, tokenMatches, tokens } from '../../src/extraction/label-lexicon.ts';
import { extractWithLayout } from '../../src/extraction/layout-provider.ts';
import type { OcrPage } from '../../src/ocr/ocr-result.ts';
import { page } from './positioned-page.ts';

/** Gives one word a wider box, as a larger or stretched typeface prints it. */
function widen(p: OcrPage, text: string, x0: number, x1: number): void {
  const w = p.words.find((x) => x.text === text)!;
  w.bbox = { ...w.bbox, x0, x1 };
}

const phrase = (text: string) => ({ tokens: text.split(' '), weight: 1 });

describe('label matching on OCR words', () => {
  it('allows more edits in longer words, each edit lowering the quality', () => {
    assert.ok(tokenMatches('emal', 'email') > 0, 'one edit in a five-letter word');
    assert.equal(tokenMatches('emxxl', 'email'), 0, 'two edits in a five-letter word');
    const one = tokenMatches('emplayer', 'employer');
    const two = tokenMatches('emplayor', 'employer');
    assert.ok(one > two && two > 0, `one edit ${one} above two edits ${two} in an eight-letter word`);
    assert.equal(tokenMatches('dab', 'dob'), 0, 'no edit in a word of three letters');
    assert.equal(tokenMatches('bate', 'date'), 0, 'a short word keeps its first letter');
    assert.ok(tokenMatches('dafe', 'date') > 0);
    assert.equal(tokenMatches('10', 'lo'), 0, 'a figure is no misread word');
  });

  it('never reads a correctly spelled vocabulary word as another one', () => {
    assert.equal(tokenMatches('insured', 'insurer'), 0);
    assert.ok(tokenMatches('insurcd', 'insured') > 0);
    assert.ok(tokenMatches('year', 'years') > 0, 'singular and plural are one word');
  });

  it('matches a label OCR split in two or ran together, below a clean read', () => {
    const clean = matchPhrase(tokens('Patient Name'), phrase('patient name'))[0];
    const split = matchPhrase(tokens('Pat ient Name'), phrase('patient name'))[0];
    const merged = matchPhrase(tokens('DATEOF BIRTH'), phrase('date of birth'))[0];
    assert.deepEqual([split.from, split.to], [0, 3]);
    assert.ok(split.quality < clean.quality);
    assert.deepEqual([merged.from, merged.to], [0, 2]);
    assert.ok(merged.quality > 0.8);
  });

  it('reads numbered captions and punctuation through to the label', () => {
    const m = matchPhrase(tokens("3. PATIENT'S BIRTH DATE"), phrase('patient birth date'))[0];
    assert.deepEqual([m.from, m.to], [1, 4]);
  });
});

describe('boxed form values on OCR words', () => {
  it('reads the value under a caption that goes on past its label or was cut at the box edge', () => {
    const schema: ExtractionSchema = { insuredName: { type: 'string' }, name: { type: 'string' } };
    const p = page([
      [100, 200, 'INSURED NAME (FI'],
      [100, 230, 'Rosa K. Delgado'],
      [700, 200, 'NAME OF APPLICANT'],
      [700, 230, 'Tomas Ibarra'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.equal(data.insuredName, 'Rosa K. Delgado', 'the cut qualifier "(FI" is no value');
    assert.equal(data.name, 'Tomas Ibarra', '"OF APPLICANT" is the caption going on, no value');
  });

  it('finds a label with two misread letters in a long word and reads its value', () => {
    const schema: ExtractionSchema = { employerName: { type: 'string' } };
    const p = page([
      [100, 200, 'EMPLQYFR NAME'],
      [100, 230, 'Brightwater Foods'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.equal(data.employerName, 'Brightwater Foods');
  });

  it("never takes a neighbouring box's caption for a name", () => {
    assert.ok(isCaptionText('OR PROGRAM NAME'));
    assert.ok(isCaptionText('birth date sex'));
    assert.ok(!isCaptionText('Orla Pryce'));
    assert.ok(!isCaptionText('Date'), 'one word alone may be a value');
    const schema: ExtractionSchema = { referringProviderName: { type: 'string' } };
    const p = page([
      [100, 200, 'REFERRING PROVIDER NAME'],
      [100, 230, 'OR PROGRAM NAME'],
      [100, 300, 'Signed'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.equal(data.referringProviderName, null);
  });

  it('reads a boxed value OCR split at wide gaps whole, up to the next box', () => {
    const schema: ExtractionSchema = { driverName: { type: 'string' }, mailingAddress: { type: 'string' } };
    const p = page([
      [100, 200, 'DRIVER NAME'],
      [600, 200, 'MAILING ADDRESS'],
      [100, 230, 'Okafor'],
      [256, 230, 'Lena'],
      [600, 230, '12 Birch Row'],
    ]);
    widen(p, 'Okafor', 100, 220);
    const { data } = extractWithLayout(schema, [p]);
    assert.equal(data.driverName, 'Okafor Lena');
    assert.equal(data.mailingAddress, '12 Birch Row', 'the next box keeps its own value');
  });

  it('reads a value right of its label whole when OCR split it at wide gaps', () => {
    const schema: ExtractionSchema = { carrier: { type: 'string' } };
    const p = page([
      [100, 200, 'Carrier'],
      [300, 200, 'Northgate'],
      [520, 200, 'Mutual'],
    ]);
    // Typed wider than the caption: a 36 px gap is under 2.5 of its letters, over a column gap.
    widen(p, 'Northgate', 300, 480);
    const { data } = extractWithLayout(schema, [p]);
    assert.equal(data.carrier, 'Northgate Mutual');
  });
});
