// Prose letters: values introduced by a phrase built from the field's name or description inside a
// sentence ("the date of hire is …", "was hired on …", "the hearing is set for …"), up to the clause end;
// and the phrases a field's name and description give (the event verb of a date, the description's noun phrase).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { planSchema } from '../../src/extraction/layout-fields.ts';
import { extractWithLayout } from '../../src/extraction/layout-provider.ts';
import { prosePhrases } from '../../src/extraction/letter-conventions.ts';
import { page } from './positioned-page.ts';

const para = (lines: string[], y0 = 300) =>
  lines.map((t, i): [number, number, string] => [120, y0 + i * 30, t]);

describe('values in letter prose', () => {
  it('reads typed values after a phrase and its verb, across a wrapped line', () => {
    const schema: ExtractionSchema = {
      hireDate: { type: 'string', description: 'YYYY-MM-DD' },
      terminationDate: { type: 'string', description: 'YYYY-MM-DD' },
      hearingDate: { type: 'string', description: 'YYYY-MM-DD' },
      annualSalary: { type: 'number', description: 'dollars' },
      claimNumber: { type: 'string' },
    };
    const p = page(
      para([
        'We write about our former warehouse supervisor Priya Vandermeer, who was hired on',
        'September 9, 2016 and whose termination date was 10/31/2023 after a reorganisation.',
        'Her annual salary was $61,250.00 at that time, and she worked at our Dayton site.',
        'The hearing is set for 01/15/2024 before the review board in Columbus, Ohio.',
        'Please quote our claim number WC-7781204 on every letter you send to this office.',
      ]),
    );
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(data, {
      hireDate: '2016-09-09',
      terminationDate: '2023-10-31',
      hearingDate: '2024-01-15',
      annualSalary: 61250,
      claimNumber: 'WC-7781204',
    });
  });

  it('reads a free-text value as the phrase object up to the clause end', () => {
    const schema: ExtractionSchema = {
      jobTitle: { type: 'string' },
      employerName: { type: 'string' },
    };
    const p = page(
      para([
        'This confirms that Mr. Okonkwo has been employed since 2019 and his job title is',
        'Senior Field Technician, reporting to the regional manager of the eastern district.',
      ]),
    );
    const { data } = extractWithLayout(schema, [p]);
    assert.equal(data.jobTitle, 'Senior Field Technician');
    assert.equal(data.employerName, null);
  });

  it("reads a field by its object's name ('rate of pay') and a count before its unit ('36 hours per week')", () => {
    const schema: ExtractionSchema = {
      wage: {
        type: 'object',
        properties: {
          rate: { type: 'number', description: 'dollars' },
          hoursPerWeek: { type: 'number' },
        },
      },
    };
    const p = page(
      para([
        'We confirm that Mr. Adeyemi remains on staff at the plant. His present rate of wage is $19.40',
        'per hour, and he is scheduled for 36 hours per week on the second shift at our Akron site.',
      ]),
    );
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(data, { wage: { rate: 19.4, hoursPerWeek: 36 } });
  });

  it('keeps a spaced identifier whole when a sentence period ends it', () => {
    const schema: ExtractionSchema = { conferenceId: { type: 'string' } };
    const p = page(
      para([
        'Counsel may join by video from any location. Conference ID 482 3306 7719. Dial-in',
        'details follow in a separate message from the clerk, with the passcode for the session.',
      ]),
    );
    const { data } = extractWithLayout(schema, [p]);
    assert.equal(data.conferenceId, '482 3306 7719');
  });

  it('leaves a bare year or an unkeyed small number out of identifier fields', () => {
    const schema: ExtractionSchema = { policyNumber: { type: 'string' } };
    const p = page(
      para([
        'Our file shows one earlier loss on this policy 2019 (hail damage), closed without payment.',
        'We will write again once the inspection of the roof and the gutters has been completed.',
      ]),
    );
    const { data } = extractWithLayout(schema, [p]);
    assert.equal(data.policyNumber, null);
  });

  it('derives prose phrases from the field name and the opening noun phrase of its description', () => {
    const plan = planSchema({
      hireDate: { type: 'string', description: 'YYYY-MM-DD' },
      separationDate: {
        type: 'string',
        description: 'last day of employment if no longer employed, YYYY-MM-DD',
      },
    });
    const phrases = (i: number) => prosePhrases(plan.leaves[i]).map((p) => p.tokens.join(' '));
    assert.ok(phrases(0).includes('hired'), phrases(0).join('|'));
    assert.ok(phrases(0).includes('date hire'), phrases(0).join('|'));
    assert.ok(phrases(1).includes('last day employment'), phrases(1).join('|'));
    // The description's phrase counts less than the field's own name.
    const weights = prosePhrases(plan.leaves[1]);
    const own = weights.find((p) => p.tokens.join(' ') === 'separation date')?.weight ?? 0;
    const described = weights.find((p) => p.tokens.join(' ') === 'last day employment')?.weight ?? 1;
    assert.ok(described < own);
  });
});

describe('letter conventions', () => {
  const letter = (closeBlock: string[]): [number, number, string][] => [
    [120, 100, 'Northwind Mutual Assurance'],
    [120, 130, '12 Harbor Road · Portland, ME 04101 · Tel (207) 555-0110'],
    [120, 200, 'June 3, 2025'],
    [120, 260, 'RE: Claim Review – Lucia M. Fairbanks, DOB 02/11/1979'],
    [120, 320, 'Dear Ms. Fairbanks:'],
    [120, 360, 'We have received your statement and the photographs, and we are reviewing them now.'],
    [120, 390, 'If you have questions, you may reach me directly at (207) 555-0164 or by e-mail at'],
    [120, 420, 'o.brandt@northwind.example. Our main switchboard is (207) 555-0110 for other matters.'],
    [120, 480, 'Sincerely,'],
    ...closeBlock.map((t, i): [number, number, string] => [120, 540 + i * 30, t]),
  ];

  it('reads the writer from the signature block, their phone and e-mail from "reach me at", the subject from the Re: line', () => {
    const schema: ExtractionSchema = {
      claimant: { type: 'object', properties: { name: { type: 'string' } } },
      carrier: { type: 'string' },
      adjuster: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          title: { type: 'string' },
          phone: { type: 'string', description: 'E.164' },
          email: { type: 'string' },
        },
      },
    };
    const p = page(letter(['Oskar Brandt', 'Oskar T. Brandt', 'Senior Claims Adjuster', 'NPI 2897387702']));
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(data, {
      claimant: { name: 'Lucia M. Fairbanks' },
      carrier: 'Northwind Mutual Assurance',
      adjuster: {
        name: 'Oskar T. Brandt',
        title: 'Senior Claims Adjuster',
        phone: '+12075550164',
        email: 'o.brandt@northwind.example',
      },
    });
  });

  it('takes no title that is an office, and no letterhead on a page that is not a letter', () => {
    const schema: ExtractionSchema = {
      carrier: { type: 'string' },
      contact: { type: 'object', properties: { name: { type: 'string' }, title: { type: 'string' } } },
    };
    const signed = extractWithLayout(schema, [page(letter(['Oskar Brandt', 'Office of Claims Review']))]);
    assert.deepEqual(signed.data.contact, { name: 'Oskar Brandt', title: null });
    const form = page([
      [120, 100, 'Northwind Mutual Assurance'],
      [120, 160, 'PROPERTY LOSS WORKSHEET'],
      [120, 220, 'Inspector notes are kept on file for seven years after the claim closes.'],
    ]);
    assert.equal(extractWithLayout(schema, [form]).data.carrier, null);
  });
});
