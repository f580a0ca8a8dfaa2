// Arrays of objects printed as repeated blocks on pages built from positioned words: numbered headings
// over boxed captions, the same "Name: … DOB:" labels again with no heading, and a block's neighbours
// (another party's heading, a lone label) kept out of the items.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { extractWithLayout } from '../../src/extraction/layout-provider.ts';
import { page } from './positioned-page.ts';

const dependents: ExtractionSchema = {
  subscriberName: { type: 'string' },
  dependents: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        dateOfBirth: { type: 'string', description: 'YYYY-MM-DD' },
        relationship: { type: 'string', description: 'relationship to subscriber' },
      },
    },
  },
};

describe('repeated sections as array items', () => {
  it('reads one item per numbered heading, captions above their boxes, in page order', () => {
    const p = page([
      [100, 100, 'SUBSCRIBER NAME'],
      [100, 130, 'Harriet Quill'],
      [100, 220, 'DEPENDENT 1'],
      [100, 260, 'NAME (FIRST, LAST)'],
      [700, 260, 'DATE OF BIRTH'],
      [1100, 260, 'RELATIONSHIP TO SUBSCRIBER'],
      [100, 290, 'Owen Quill'],
      [700, 290, '04/11/2012'],
      [1100, 290, 'Son'],
      [100, 380, 'DEPENDENT 2'],
      [100, 420, 'NAME (FIRST, LAST)'],
      [700, 420, 'DATE OF BIRTH'],
      [1100, 420, 'RELATIONSHIP TO SUBSCRIBER'],
      [100, 450, 'Mara Quill'],
      [700, 450, '09/30/2015'],
      [1100, 450, 'Daughter'],
    ]);
    const out = extractWithLayout(dependents, [p]);
    assert.equal(out.data.subscriberName, 'Harriet Quill');
    assert.deepEqual(out.data.dependents, [
      { name: 'Owen Quill', dateOfBirth: '2012-04-11', relationship: 'Son' },
      { name: 'Mara Quill', dateOfBirth: '2015-09-30', relationship: 'Daughter' },
    ]);
  });

  it('reads blocks that repeat their keyed labels with no heading, and stops at the next party', () => {
    const p = page([
      [100, 100, 'Dependents covered under this plan'],
      [100, 160, 'Name: Owen Quill'],
      [100, 190, 'DOB: 04/11/2012'],
      [100, 220, 'Relationship: Son'],
      [100, 290, 'Name: Mara Quill'],
      [100, 320, 'DOB: 09/30/2015'],
      [100, 350, 'Relationship: Daughter'],
      [100, 420, 'EMERGENCY CONTACT'],
      [100, 450, 'Name: Lionel Vance'],
      [100, 480, 'Phone: (555) 201-3344'],
    ]);
    const schema: ExtractionSchema = {
      ...dependents,
      emergencyContact: {
        type: 'object',
        properties: { name: { type: 'string' }, phone: { type: 'string', description: 'E.164' } },
      },
    };
    const out = extractWithLayout(schema, [p]);
    assert.deepEqual(out.data.dependents, [
      { name: 'Owen Quill', dateOfBirth: '2012-04-11', relationship: 'Son' },
      { name: 'Mara Quill', dateOfBirth: '2015-09-30', relationship: 'Daughter' },
    ]);
    assert.equal((out.data.emergencyContact as { name: string }).name, 'Lionel Vance');
    for (const i of [0, 1]) assert.ok(out.evidence[`dependents[${i}].name`], `evidence for item ${i}`);
  });

  it('makes no item of a label printed once', () => {
    const p = page([
      [100, 160, 'Name: Owen Quill'],
      [100, 190, 'Notes: none'],
    ]);
    const out = extractWithLayout(dependents, [p]);
    assert.deepEqual(out.data.dependents ?? [], []);
  });
});
