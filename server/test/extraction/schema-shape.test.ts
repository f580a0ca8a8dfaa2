// A schema with nested objects and arrays comes back with exactly its shape and nulls, whatever the
// provider produced; the JSON Schema handed to grammars and structured outputs matches it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textToOcrPages } from '../../../scripts/fixtures/corpus/corpus.ts';
import {
  conformToSchema,
  type ExtractionSchema,
  emptyExtraction,
  toJsonSchema,
  validateExtractionSchema,
} from '../../src/extraction/extraction-schema.ts';
import { groundExtraction } from '../../src/extraction/grounding.ts';
import { OcrDocument } from '../../src/extraction/ocr-document.ts';
import { extractWithRules } from '../../src/extraction/rules-provider.ts';

const schema: ExtractionSchema = {
  patient: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      dob: { type: 'string' },
      address: { type: 'object', properties: { street: { type: 'string' }, zip: { type: 'string' } } },
    },
  },
  medications: {
    type: 'array',
    items: { type: 'object', properties: { name: { type: 'string' }, dose: { type: 'string' } } },
  },
  allergies: { type: 'array' },
  copay: { type: 'number' },
  urgent: { type: 'boolean' },
};

const nullShape = {
  patient: { name: null, dob: null, address: { street: null, zip: null } },
  medications: null,
  allergies: null,
  copay: null,
  urgent: null,
};

describe('schema shape', () => {
  it('is a valid schema', () => assert.deepEqual(validateExtractionSchema(schema), []));

  it('empty extraction has every leaf null and every object present', () => {
    assert.deepEqual(emptyExtraction(schema), nullShape);
  });

  it('rules on a document with nothing relevant return exactly the null shape', () => {
    const { data, evidence } = extractWithRules(
      schema,
      textToOcrPages(['Cover sheet\nPlease call us back.']),
    );
    assert.deepEqual(data, nullShape);
    assert.deepEqual(evidence, {});
  });

  it('rules fill nested objects and arrays and leave the rest null', () => {
    const text = [
      'PATIENT',
      'Name: Jane Smith',
      'DOB: 03/14/1985',
      '',
      'Medication          Dose',
      'Metformin           500 mg',
      'Lisinopril          10 mg',
      '',
      'Allergies: penicillin, latex',
    ].join('\n');
    const { data } = extractWithRules(schema, textToOcrPages([text]));
    assert.deepEqual(data, {
      patient: { name: 'Jane Smith', dob: '1985-03-14', address: { street: null, zip: null } },
      medications: [
        { name: 'Metformin', dose: '500 mg' },
        { name: 'Lisinopril', dose: '10 mg' },
      ],
      allergies: ['penicillin', 'latex'],
      copay: null,
      urgent: null,
    });
  });

  it('conforms arbitrary model output: unknown keys dropped, wrong types null, numbers coerced', () => {
    const out = conformToSchema(schema, {
      patient: { name: 'Jane', extra: 1, address: 'not an object' },
      medications: [{ name: 'Metformin', dose: 5 }, { name: null, dose: null }, 'junk'],
      allergies: 'latex',
      copay: '1,250.50',
      urgent: 'yes',
      invented: true,
    });
    assert.deepEqual(out, {
      patient: { name: 'Jane', dob: null, address: { street: null, zip: null } },
      medications: [{ name: 'Metformin', dose: '5' }],
      allergies: null,
      copay: 1250.5,
      urgent: true,
    });
  });

  it('grounding keeps the shape when every value is unsupported', () => {
    const doc = new OcrDocument(textToOcrPages(['Nothing to see here.']));
    const { data } = groundExtraction(
      schema,
      {
        patient: { name: 'Jane Smith', dob: '1985-03-14' },
        medications: [{ name: 'X1', dose: '5 mg' }],
        copay: 20,
        urgent: true,
      },
      doc,
    );
    assert.deepEqual(data, nullShape);
  });

  it('compiles to a strict JSON Schema with nullable scalars', () => {
    const js = toJsonSchema(schema) as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
    };
    assert.deepEqual(js.required, Object.keys(schema));
    assert.deepEqual(js.properties.copay, { type: ['number', 'null'] });
    assert.equal(js.properties.medications.type, 'array');
    assert.equal((js.properties.patient as { additionalProperties: boolean }).additionalProperties, false);
  });
});
