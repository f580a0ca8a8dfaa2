// Label matrices on pages built from positioned words: objects of one shape as columns (year to date /
// prior year) with their fields as row labels, figures right-aligned in left-captioned boxes; and the
// transposed grid (parties down, fields across). The other column's figure is never taken.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { extractWithLayout } from '../../src/extraction/layout-provider.ts';
import { page } from './positioned-page.ts';

const money = { type: 'number' } as const;

describe('label matrices', () => {
  it('reads each figure at its row label and its column heading', () => {
    const schema: ExtractionSchema = {
      income: {
        type: 'object',
        properties: {
          currentYear: { type: 'object', properties: { wages: money, interest: money, total: money } },
          priorYear: { type: 'object', properties: { wages: money, interest: money, total: money } },
        },
      },
    };
    const p = page([
      [100, 100, 'Source'],
      [500, 100, 'Current Year'],
      [900, 100, 'Prior Year'],
      [100, 160, 'Wages'],
      [650, 160, '$41,200.00'],
      [1030, 160, '$38,950.00'],
      [100, 220, 'Interest'],
      [722, 220, '$310.25'],
      [1102, 220, '$0.00'],
      [100, 280, 'Total'],
      [650, 280, '$41,510.25'],
      [1030, 280, '$38,950.00'],
    ]);
    const out = extractWithLayout(schema, [p]);
    assert.deepEqual(out.data.income, {
      currentYear: { wages: 41200, interest: 310.25, total: 41510.25 },
      priorYear: { wages: 38950, interest: 0, total: 38950 },
    });
  });

  it('reads the transposed grid: parties down, fields across, an empty cell left null', () => {
    const party = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        dateOfBirth: { type: 'string', description: 'YYYY-MM-DD' },
        memberId: { type: 'string' },
      },
    } as const;
    const schema: ExtractionSchema = { patient: party, insured: party };
    const p = page([
      [500, 100, 'Name'],
      [900, 100, 'DOB'],
      [1200, 100, 'Member ID'],
      [100, 160, 'Patient'],
      [500, 160, 'Nora Pike'],
      [900, 160, '02/14/2011'],
      [100, 220, 'Insured'],
      [500, 220, 'Colm Pike'],
      [900, 220, '07/01/1979'],
      [1200, 220, 'XKP440192'],
    ]);
    const out = extractWithLayout(schema, [p]);
    assert.deepEqual(out.data.patient, { name: 'Nora Pike', dateOfBirth: '2011-02-14', memberId: null });
    assert.deepEqual(out.data.insured, {
      name: 'Colm Pike',
      dateOfBirth: '1979-07-01',
      memberId: 'XKP440192',
    });
  });
});
