// Fields whose printed label is what the schema's description says rather than the field's name.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { extractWithLayout } from '../../src/extraction/layout-provider.ts';
import { page } from './positioned-page.ts';

describe('labels from the description', () => {
  const form = page([
    [100, 100, 'EMPLOYEE STATUS CHANGE'],
    [100, 180, 'Employee: Marguerite Osei'],
    [100, 220, 'Last Day Worked: 04/30/2024'],
    [100, 260, 'Final Paycheck Mailed: 05/10/2024'],
  ]);

  it('reads a value at a label printed as the opening phrase of the description', () => {
    // The description's first clause is a sentence (too long to be a label); its opening noun phrase is one.
    const schema: ExtractionSchema = {
      terminationDate: {
        type: 'string',
        description: 'last day worked if the employee has since left the company, YYYY-MM-DD',
      },
    };
    const { data, evidence } = extractWithLayout(schema, [form]);
    assert.equal(data.terminationDate, '2024-04-30');
    // Read by its description, the field is less sure than when its own name is printed.
    const named = page([[100, 220, 'Termination Date: 04/30/2024']]);
    const byName = extractWithLayout(schema, [named]);
    assert.equal(byName.data.terminationDate, '2024-04-30');
    assert.ok(evidence.terminationDate.confidence < byName.evidence.terminationDate.confidence);
  });

  it('finds nothing by name alone when only the description names the label', () => {
    const { data } = extractWithLayout({ terminationDate: { type: 'string', description: 'YYYY-MM-DD' } }, [
      form,
    ]);
    assert.equal(data.terminationDate, null);
  });
});
