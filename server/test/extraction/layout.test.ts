// The layout provider on pages built from positioned words: labels beside, under and inside boxes,
// sections that scope the same label, tick boxes, a table over a page break, and bad input (a field no
// document has, an empty fax, a 40-page fax past its time budget, noise, another language).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { createLayoutProvider, extractWithLayout } from '../../src/extraction/layout-provider.ts';
import type { OcrPage } from '../../src/ocr/ocr-result.ts';
import { page } from './positioned-page.ts';

describe('layout provider', () => {
  it('reads values right of, under and after their labels, scoped by section headings', () => {
    const schema: ExtractionSchema = {
      member: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          dateOfBirth: { type: 'string', description: 'YYYY-MM-DD' },
          phone: { type: 'string', description: 'E.164' },
        },
      },
      requestingProvider: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          npi: { type: 'string' },
          phone: { type: 'string', description: 'E.164' },
        },
      },
      claimNumber: { type: 'string' },
    };
    const p = page([
      [100, 100, 'Claim #'],
      [100, 130, 'CLM-88120'],
      [100, 200, '1. MEMBER INFORMATION'],
      [100, 240, 'Name:'],
      [400, 240, 'Tomasz Sorensen'],
      [900, 240, 'Date of Birth: 25-Aug-1990'],
      [100, 280, 'Phone:'],
      [400, 280, '610-555-0106'],
      [100, 360, '2. REQUESTING PROVIDER'],
      [100, 400, 'Name:'],
      [400, 400, 'Robert K. Fitzgerald, MD'],
      [900, 400, 'NPI: 1965055225'],
      [100, 440, 'Phone:'],
      [400, 440, '610-555-0183'],
    ]);
    const { data, evidence } = extractWithLayout(schema, [p]);
    assert.deepEqual(data, {
      member: { name: 'Tomasz Sorensen', dateOfBirth: '1990-08-25', phone: '+16105550106' },
      requestingProvider: { name: 'Robert K. Fitzgerald, MD', npi: '1965055225', phone: '+16105550183' },
      claimNumber: 'CLM-88120',
    });
    assert.equal(evidence['member.name'].span.text, 'Tomasz Sorensen');
    assert.ok(evidence['member.name'].bbox);
  });

  it('turns ticked boxes into booleans and enum strings', () => {
    const schema: ExtractionSchema = {
      reviewType: { type: 'string', description: 'one of: standard, expedited' },
      setting: { type: 'string', description: 'one of: inpatient, outpatient, office, home, dme' },
      interpreterNeeded: { type: 'boolean' },
      clinicalNotesAttached: { type: 'boolean' },
    };
    const p = page([
      [100, 100, 'Review type: ☒ Standard ☐ Urgent / Expedited'],
      [100, 160, 'Setting: ☐ Inpatient ☐ Outpatient ☐ Office ☐ Home ☒ DME'],
      [100, 220, 'Interpreter needed? ☐ Yes ☒ No'],
      [100, 280, 'Clinical notes attached: Yes'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(data, {
      reviewType: 'standard',
      setting: 'dme',
      interpreterNeeded: false,
      clinicalNotesAttached: true,
    });
  });

  it('reads a table whose header repeats after a page break', () => {
    const schema: ExtractionSchema = {
      lines: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            description: { type: 'string' },
            quantity: { type: 'number' },
            amount: { type: 'number', description: 'line total' },
          },
        },
      },
    };
    const header: [number, number, string][] = [
      [100, 200, 'Description'],
      [900, 200, 'Qty'],
      [1200, 200, 'Amount'],
    ];
    const p1 = page([...header, [100, 240, 'Thermostat, installed'], [900, 240, '3'], [1200, 240, '495.75']]);
    const p2 = page(
      [
        ...header,
        [100, 240, 'Technician labor'],
        [900, 240, '1'],
        [1200, 240, '105.75'],
        [900, 300, 'Total'],
        [1200, 300, '601.50'],
      ],
      2,
    );
    const { data } = extractWithLayout(schema, [p1, p2]);
    assert.deepEqual(data.lines, [
      { description: 'Thermostat, installed', quantity: 3, amount: 495.75 },
      { description: 'Technician labor', quantity: 1, amount: 105.75 },
    ]);
  });

  const schema: ExtractionSchema = {
    patientName: { type: 'string' },
    dateOfBirth: { type: 'string', description: 'YYYY-MM-DD' },
    hazmatPermitNumber: { type: 'string' },
  };

  it('leaves a field no document has null, and does not flag it when the rest was read', async () => {
    const p = page([
      [100, 100, 'Patient Name:'],
      [500, 100, 'Jane Smith'],
      [100, 140, 'DOB:'],
      [500, 140, '03/14/1985'],
    ]);
    const result = await createLayoutProvider().extract({ schema, pages: [p] });
    assert.equal(result.data.hazmatPermitNumber, null);
    assert.equal(result.data.patientName, 'Jane Smith');
    assert.ok(!result.needsReview?.includes('hazmatPermitNumber'));
  });

  for (const [name, pages] of [
    ['an empty fax (no pages)', []],
    ['a blank page', [page([])]],
    [
      'a page of pure noise',
      [
        page([
          [40, 40, '~~ ;; ,., ||| ^^ :;: ...,, `` ~ .. ;;;; ,,,'],
          [60, 400, '.,;: ~~~~ ||| ,,,, ;;'],
        ]),
      ],
    ],
    [
      'a fax in another language',
      [page([[100, 100, 'Estimado señor: le escribimos para informarle que su solicitud fue recibida.']])],
    ],
  ] as [string, OcrPage[]][]) {
    it(`answers ${name} with nulls and every field in needsReview, never an error`, async () => {
      const result = await createLayoutProvider().extract({ schema, pages });
      assert.deepEqual(result.data, { patientName: null, dateOfBirth: null, hazmatPermitNumber: null });
      assert.deepEqual(result.needsReview?.sort(), ['dateOfBirth', 'hazmatPermitNumber', 'patientName']);
    });
  }

  /** Page 1 has the patient's name; 39 pages of numbered filler lines follow. */
  const fortyPageFax = (): OcrPage[] => {
    const filler = (n: number) =>
      page(
        Array.from(
          { length: 60 },
          (_, i) =>
            [
              100 + (i % 3) * 500,
              100 + Math.floor(i / 3) * 40,
              `Line ${i} of page ${n} Ref ${n * 1000 + i}`,
            ] as [number, number, string],
        ),
        n,
      );
    const first = page(
      [
        [100, 100, 'Patient Name:'],
        [500, 100, 'Jane Smith'],
      ],
      1,
    );
    return [first, ...Array.from({ length: 39 }, (_, i) => filler(i + 2))];
  };

  it('returns what it found when a 40-page fax runs past its time budget', async () => {
    const pages = fortyPageFax();
    const started = performance.now();
    const result = extractWithLayout(schema, pages, { budgetMs: 2 });
    const ms = performance.now() - started;
    assert.equal(result.incomplete, true);
    assert.equal(result.data.patientName, 'Jane Smith');
    assert.ok(result.needsReview?.includes('dateOfBirth'));
    // Stopping is what the budget is for; the bound here only says it did stop (not a timing benchmark).
    assert.ok(ms < 30_000, `took ${ms} ms`);
  });

  it('reads on a worker thread: the event loop keeps turning while a long fax is read', async () => {
    const provider = createLayoutProvider({ budgetMs: 1500 });
    try {
      let turns = 0;
      const ticker = setInterval(() => turns++, 5);
      const started = performance.now();
      const result = await provider.extract({ schema, pages: fortyPageFax() });
      const ms = performance.now() - started;
      clearInterval(ticker);
      assert.equal(result.data.patientName, 'Jane Smith');
      // Read on this thread, the extraction would be one synchronous stretch: no timer could fire in it.
      assert.ok(turns >= Math.min(10, ms / 50), `${turns} timer turns in ${ms.toFixed(0)} ms`);
    } finally {
      await provider.close();
    }
  });

  it('stops a reading when its signal aborts', async () => {
    const provider = createLayoutProvider({ budgetMs: 20_000 });
    try {
      const abort = new AbortController();
      const reading = provider.extract({ schema, pages: fortyPageFax(), signal: abort.signal });
      setTimeout(() => abort.abort(new Error('appliance stopping')), 50);
      await assert.rejects(reading);
    } finally {
      await provider.close();
    }
  });

  it('lists values below the review threshold in needsReview', async () => {
    const p = page([
      [100, 100, 'Patient Name:'],
      [500, 100, 'Jane Smith'],
      [100, 140, 'DOB:'],
      [500, 140, '03/14/1985'],
    ]);
    const strict = await createLayoutProvider().extract({ schema, pages: [p], reviewThreshold: 1.01 });
    assert.deepEqual(strict.needsReview?.sort(), ['dateOfBirth', 'patientName']);
    const lax = await createLayoutProvider().extract({ schema, pages: [p], reviewThreshold: 0 });
    assert.deepEqual(lax.needsReview, []);
  });

  it("never takes a numbered form's next box caption as a value", () => {
    const schema: ExtractionSchema = { overtime: { type: 'number' }, lastIncrease: { type: 'number' } };
    const p = page([
      [100, 200, '14. Overtime'],
      [500, 200, '15. Date of next pay increase'],
      [100, 300, '16. Last increase'],
      [100, 340, '17. Projected amount'],
      [500, 300, '$1.25'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.equal(data.overtime, null, 'the 15 of the next caption is no overtime figure');
    assert.equal(data.lastIncrease, 1.25);
  });
});
