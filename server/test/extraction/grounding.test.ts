// Grounding: a value counts only when the OCR text supports it (any date format, phone format, number
// separators, OCR confusions); anything else becomes null, whoever proposed it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textToOcrPages } from '../../../scripts/fixtures/corpus/corpus.ts';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { groundExtraction } from '../../src/extraction/grounding.ts';
import { OcrDocument } from '../../src/extraction/ocr-document.ts';

const schema: ExtractionSchema = {
  patientName: { type: 'string' },
  dob: { type: 'string' },
  phone: { type: 'string' },
  npi: { type: 'string' },
  policyNumber: { type: 'string' },
  total: { type: 'number' },
  urgent: { type: 'boolean' },
  diagnosis: { type: 'string' },
};

const text = [
  'Patient: JANE SMITH    DOB: March 14, 1985',
  'Phone: (217) 555-0143  NPI: 1234567893',
  'Policy #: P0L-12345',
  'Total Due: $1,250.00',
  'Urgent: [X] Yes [ ] No',
].join('\n');
const doc = new OcrDocument(textToOcrPages([text]));

describe('grounding', () => {
  it('keeps values the text supports, in canonical form, with evidence', () => {
    const { data, evidence } = groundExtraction(
      schema,
      {
        patientName: 'Jane Smith',
        dob: '03/14/1985',
        phone: '217.555.0143',
        npi: '1234567893',
        policyNumber: 'POL-12345',
        total: 1250,
        urgent: true,
        diagnosis: null,
      },
      doc,
    );
    assert.deepEqual(data, {
      patientName: 'Jane Smith',
      dob: '1985-03-14',
      phone: '+12175550143',
      npi: '1234567893',
      policyNumber: 'POL-12345',
      total: 1250,
      urgent: true,
      diagnosis: null,
    });
    assert.equal(evidence.dob.span.text, 'March 14, 1985');
    assert.equal(evidence.phone.span.text, '(217) 555-0143');
    assert.equal(evidence.total.span.text, '$1,250.00');
    assert.equal(evidence.policyNumber.span.text, 'P0L-12345');
    assert.ok(
      evidence.policyNumber.confidence < evidence.npi.confidence,
      'an OCR-confusion match is less certain',
    );
    assert.equal(evidence.patientName.page, 1);
  });

  it('nulls hallucinated values', () => {
    const { data, evidence } = groundExtraction(
      schema,
      {
        patientName: 'John Doe',
        dob: '1985-04-14',
        phone: '+12175550199',
        npi: '1234567890',
        policyNumber: 'POL-99999',
        total: 1350,
        urgent: false,
        diagnosis: 'Type 2 diabetes',
      },
      doc,
    );
    assert.deepEqual(Object.values(data), Array(8).fill(null));
    assert.deepEqual(evidence, {});
  });

  it('does not accept a value found only inside a longer word', () => {
    const { data } = groundExtraction(schema, { patientName: 'Jan' }, doc);
    assert.equal(data.patientName, null);
  });
});
