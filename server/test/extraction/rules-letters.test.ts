// `rules` on letters that put label–value pairs inline: the referral letter fixture's "Re:" line and
// letterhead, and the abstentions that keep precision (labels inside longer phrases, dates as codes).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textToOcrPages } from '../../../scripts/fixtures/corpus/corpus.ts';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { extractWithRules } from '../../src/extraction/rules-provider.ts';
import { FAX_DOCUMENTS } from '../fixtures/fax-documents.ts';

const s = (description?: string) => ({ type: 'string' as const, ...(description ? { description } : {}) });
const extract = (schema: ExtractionSchema, text: string) => extractWithRules(schema, textToOcrPages([text]));

describe('rules on the referral letter', () => {
  const letter = FAX_DOCUMENTS.find((d) => d.name === 'referral-letter')!;
  const text = letter.lines.map((l) => l.text).join('\n');
  const schema: ExtractionSchema = {
    patientName: s(),
    dob: s('Date of birth'),
    mrn: s('Medical record number'),
    phone: s(),
    fax: s(),
    npi: s(),
  };

  it('reads "Re: Maria Gonzalez, DOB 07/22/1958, MRN 448201" and "Phone …    Fax …"', () => {
    const { data, evidence } = extract(schema, text);
    assert.deepEqual(data, {
      patientName: 'Maria Gonzalez',
      dob: '1958-07-22',
      mrn: '448201',
      phone: '+12175550142',
      fax: '+12175550143',
      npi: '1234567893',
    });
    assert.equal(evidence.dob.span.text, '07/22/1958');
    assert.equal(evidence.mrn.span.text, '448201');
    assert.equal(evidence.patientName.span.text, 'Maria Gonzalez');
    assert.ok(evidence.dob.bbox);
  });

  it('leaves fields the letter does not state null (the ECG date is no date of birth)', () => {
    const { data } = extract({ ...schema, memberId: s(), collectionDate: s() }, text);
    assert.equal(data.memberId, null);
    assert.equal(data.collectionDate, null);
  });
});

describe('rules on inline pairs', () => {
  it('reads pairs in running sentences and across a line wrap', () => {
    const { data } = extract(
      { patientName: s(), dob: s(), admissionDate: s(), dischargeDate: s(), monthlyRent: { type: 'number' } },
      [
        'We saw Jane Smith (DOB 3/14/85) today. She was admitted on March 3, 2025 and discharged on',
        'March 7, 2025. The monthly rent is $1,250.00.',
      ].join('\n'),
    );
    assert.deepEqual(data, {
      patientName: 'Jane Smith',
      dob: '1985-03-14',
      admissionDate: '2025-03-03',
      dischargeDate: '2025-03-07',
      monthlyRent: 1250,
    });
  });

  it('cuts a keyed value at the next comma-separated label and drops the sentence period', () => {
    const { data } = extract(
      { employer: s(), monthlyIncome: { type: 'number' }, diagnosis: s() },
      'Employer: Meridian Foods; monthly income $4,200.00.\nDiagnosis: Community-acquired pneumonia.',
    );
    assert.deepEqual(data, {
      employer: 'Meridian Foods',
      monthlyIncome: 4200,
      diagnosis: 'Community-acquired pneumonia',
    });
  });

  it('abstains where a colon-less label is only part of a longer phrase or the value has the wrong shape', () => {
    const { data } = extract(
      { verificationDate: s('printed as "Date"'), procedureCode: s(), dueDate: s() },
      'The desired move-in date of May 1, 2026 is flexible.\nThe procedure on 03/05/2025 went well.\nPayment due soon.',
    );
    assert.deepEqual(data, { verificationDate: null, procedureCode: null, dueDate: null });
  });

  it('names no subject when the name is not next to the identifying pair', () => {
    const { data } = extract({ patientName: s(), dob: s() }, 'Re: follow-up visit\nDOB 07/22/1958');
    assert.deepEqual(data, { patientName: null, dob: '1958-07-22' });
  });
});
