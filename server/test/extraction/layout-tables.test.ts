// Tables and lists on pages built from positioned words: result tables with group headings, footnote
// marks and columns the schema does not ask for; invoice lines printed over two lines; a header whose
// cells run together or that fax noise left half legible; a form's label rows; caption parties; empty lists.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { extractWithLayout } from '../../src/extraction/layout-provider.ts';
import { page } from './positioned-page.ts';

const invoiceLines: ExtractionSchema = {
  lines: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        description: { type: 'string' },
        quantity: { type: 'number' },
        unitPrice: { type: 'number' },
        amount: { type: 'number', description: 'line total' },
      },
    },
  },
};

describe('layout tables and lists', () => {
  it('reads a result table under a slashed header, past group headings, without footnote marks or unasked columns', () => {
    const schema: ExtractionSchema = {
      results: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            test: { type: 'string', description: 'analyte name as printed' },
            value: { type: 'number' },
            flag: { type: 'string', description: 'abnormal flag; one of: H, L' },
            referenceRange: { type: 'string', description: 'reference interval as printed' },
          },
        },
      },
    };
    const p = page([
      [100, 200, 'Tests Ordered / Test'],
      [500, 200, 'Current Result'],
      [720, 200, 'Flag'],
      [800, 200, 'Previous Result'],
      [1300, 200, 'Reference Interval'],
      [100, 240, 'COMPREHENSIVE METABOLIC PANEL'],
      [100, 280, 'Glucose®!'],
      [560, 280, '65'],
      [720, 280, 'L'],
      [800, 280, '84'],
      [1300, 280, '70-99'],
      [100, 320, 'Creatinine'],
      [560, 320, '0.85'],
      [800, 320, '0.73'],
      [1300, 320, '0.57-1.00'],
      [100, 360, 'LIPID PANEL'],
      [100, 400, 'Triglycerides'],
      [560, 400, '241'],
      [720, 400, 'H'],
      [800, 400, '119'],
      [1300, 400, '0-149'],
      [
        100,
        460,
        'Results outside the reference interval are flagged and were reviewed by the laboratory director.',
      ],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(data.results, [
      { test: 'Glucose', value: 65, flag: 'L', referenceRange: '70-99' },
      { test: 'Creatinine', value: 0.85, flag: null, referenceRange: '0.57-1.00' },
      { test: 'Triglycerides', value: 241, flag: 'H', referenceRange: '0-149' },
    ]);
  });

  it('reads a blurred short header word and goes on past a group heading the OCR cut into pieces', () => {
    const schema: ExtractionSchema = {
      panel: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            analyte: { type: 'string' },
            result: { type: 'number' },
            flag: { type: 'string', description: 'one of: H, L' },
          },
        },
      },
    };
    // "Flag" faxed as "Fag"; "RENAL FUNCTION STUDIES" letter-spaced into three segments.
    const p = page([
      [100, 200, 'Analyte'],
      [600, 200, 'Result'],
      [800, 200, 'Fag'],
      [100, 240, 'RENAL'],
      [200, 240, 'FUNCTION'],
      [352, 240, 'STUDIES'],
      [100, 280, 'Urea nitrogen'],
      [600, 280, '31'],
      [800, 280, 'H'],
      [100, 320, 'Cystatin C'],
      [600, 320, '0.91'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(data.panel, [
      { analyte: 'Urea nitrogen', result: 31, flag: 'H' },
      { analyte: 'Cystatin C', result: 0.91, flag: null },
    ]);
  });

  it('reads invoice lines whose description prints above its figures, skipping item codes', () => {
    const p = page([
      [100, 200, 'Description'],
      [900, 200, 'Qty'],
      [1100, 200, 'Unit price'],
      [1400, 200, 'Amount'],
      [100, 240, 'Preventive maintenance, rooftop unit - Bldg B'],
      [900, 268, '6'],
      [1100, 268, '$180.75'],
      [1400, 268, '$1,084.50'],
      [100, 300, 'PM-RTU'],
      [100, 340, 'Trip charge'],
      [900, 340, '1'],
      [1100, 340, '$97.00'],
      [1400, 340, '$97.00'],
      [1100, 400, 'Subtotal'],
      [1400, 400, '$1,181.50'],
    ]);
    const { data } = extractWithLayout(invoiceLines, [p]);
    assert.deepEqual(data.lines, [
      {
        description: 'Preventive maintenance, rooftop unit - Bldg B',
        quantity: 6,
        unitPrice: 180.75,
        amount: 1084.5,
      },
      { description: 'Trip charge', quantity: 1, unitPrice: 97, amount: 97 },
    ]);
  });

  it('reads header cells the OCR joined with the ruling lines between them, and a caption run into its box letter', () => {
    const schema: ExtractionSchema = {
      services: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            procedure: { type: 'string' },
            units: { type: 'number' },
            charges: { type: 'number' },
          },
        },
      },
    };
    // One OCR run for the whole header: "|" for each ruling line, a column the schema does not ask
    // for, and "G. OR UNITS" read as "ORUNITS".
    const p = page([
      [100, 200, 'Procedure | Modifier | ORUNITS | Charges'],
      [100, 240, 'Visit'],
      [400, 240, '2'],
      [520, 240, '$90.00'],
      [100, 280, 'Xray'],
      [400, 280, '1'],
      [520, 280, '$45.50'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(data.services, [
      { procedure: 'Visit', units: 2, charges: 90 },
      { procedure: 'Xray', units: 1, charges: 45.5 },
    ]);
  });

  it('keeps a description wider than its centred caption whole, and reads no figure after garbage in its cell', () => {
    const schema: ExtractionSchema = {
      lines: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            description: { type: 'string' },
            quantity: { type: 'number' },
            amount: { type: 'number' },
          },
        },
      },
    };
    // The item code and the description are one OCR run, cut by the ruling line read as "|"; the
    // quantity header is garbled ("Oty") and its figures carry specks ("2,").
    const p = page([
      [200, 200, 'Item'],
      [560, 200, 'Description'],
      [1000, 200, 'Oty'],
      [1300, 200, 'Amount'],
      [150, 240, 'RTU-PM | Rooftop unit preventive maintenance'],
      [1000, 240, '2,'],
      [1300, 240, '$310.00'],
      [150, 280, 'FLT-20 | Pleated filter twelve pack'],
      [1000, 280, '4'],
      [1300, 280, 'AGE. 75'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(data.lines, [
      { description: 'Rooftop unit preventive maintenance', quantity: 2, amount: 310 },
      { description: 'Pleated filter twelve pack', quantity: 4, amount: null },
    ]);
  });

  it('widens a description column to its rows, so a short entry left of the centred caption and a long one both stay rows', () => {
    // "Description" is centred over a wide column; "Hose clamp" misses the caption, and the four-word
    // entry is a cell, not prose under the table.
    const p = page([
      [200, 200, 'Code'],
      [560, 200, 'Description'],
      [1000, 200, 'Qty'],
      [1300, 200, 'Amount'],
      [150, 240, 'VLV-2'],
      [300, 240, 'Brass ball valve three quarter inch'],
      [1000, 240, '2'],
      [1300, 240, '$38.00'],
      [150, 280, 'CLMP'],
      [300, 280, 'Hose clamp'],
      [1000, 280, '6'],
      [1300, 280, '$9.00'],
    ]);
    const { data } = extractWithLayout(invoiceLines, [p]);
    assert.deepEqual(data.lines, [
      { description: 'Brass ball valve three quarter inch', quantity: 2, unitPrice: null, amount: 38 },
      { description: 'Hose clamp', quantity: 6, unitPrice: null, amount: 9 },
    ]);
  });

  it('infers a column whose header the fax garbled from the figures under it', () => {
    // "Qty" read as "Oly", "Description" as "Dscrpton": one legible cell and figures that say the rest.
    const p = page([
      [100, 200, 'Dscrpton'],
      [900, 200, 'Oly'],
      [1100, 200, 'Unit price'],
      [1400, 200, 'Amnt'],
      [100, 240, 'Refrigerant R-410A'],
      [900, 240, '4'],
      [1100, 240, '$60.75'],
      [1400, 240, '$243.00'],
      [100, 280, 'Contactor 2-pole 40A'],
      [900, 280, '2'],
      [1100, 280, '$43.00'],
      [1400, 280, '$86.00'],
    ]);
    const { data } = extractWithLayout(invoiceLines, [p]);
    assert.deepEqual(data.lines, [
      { description: 'Refrigerant R-410A', quantity: 4, unitPrice: 60.75, amount: 243 },
      { description: 'Contactor 2-pole 40A', quantity: 2, unitPrice: 43, amount: 86 },
    ]);
  });

  it('splits a header printed without column gaps, its first column named for the row', () => {
    const schema: ExtractionSchema = {
      medications: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            dose: { type: 'string', description: 'strength, e.g. 20 mg' },
            frequency: { type: 'string', description: 'directions as written' },
          },
        },
      },
    };
    // The header is one run of words; the rows' cells sit under each word.
    const p = page([
      [200, 200, 'Medication Strength Directions'],
      [200, 240, 'Apixaban'],
      [332, 240, '5 mg'],
      [440, 240, 'Take 1 tablet by mouth twice daily'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(data.medications, [
      { name: 'Apixaban', dose: '5 mg', frequency: 'Take 1 tablet by mouth twice daily' },
    ]);
  });

  it('reads a medication list without a header: one item a line under its label, or parted by semicolons in a sentence', () => {
    const schema: ExtractionSchema = {
      medications: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            dose: { type: 'string', description: 'strength, e.g. 10 mg' },
            frequency: { type: 'string', description: 'directions as written' },
          },
        },
      },
      allergies: { type: 'array', items: { type: 'string' } },
    };
    const lines = page([
      [150, 200, 'Active medications:'],
      [190, 250, 'Levothyroxine 75 mcg — One tablet before breakfast'],
      [190, 290, 'Omeprazole 20 mg — One capsule twice a day'],
      [150, 350, 'Allergies: latex.'],
      [150, 410, 'Please call our office with any questions about this patient.'],
    ]);
    const listed = extractWithLayout(schema, [lines]).data;
    assert.deepEqual(listed.medications, [
      { name: 'Levothyroxine', dose: '75 mcg', frequency: 'One tablet before breakfast' },
      { name: 'Omeprazole', dose: '20 mg', frequency: 'One capsule twice a day' },
    ]);
    assert.deepEqual(listed.allergies, ['latex']);

    const prose = page([
      [150, 200, 'Her present medications include Losartan 25 mg, one tablet nightly; Cetirizine'],
      [150, 236, '10 mg, one tablet as needed for itching.'],
      [150, 300, 'She walks two miles most days.'],
    ]);
    assert.deepEqual(extractWithLayout(schema, [prose]).data.medications, [
      { name: 'Losartan', dose: '25 mg', frequency: 'one tablet nightly' },
      { name: 'Cetirizine', dose: '10 mg', frequency: 'one tablet as needed for itching' },
    ]);
  });

  it('reads items from a block of lines labelled with the options of their role, each value split into name and date', () => {
    const schema: ExtractionSchema = {
      parties: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            role: { type: 'string', description: 'one of: tenant, guarantor, occupant' },
            birthDate: { type: 'string', description: 'date of birth' },
          },
        },
      },
    };
    const p = page([
      [150, 200, 'Lease No.:'],
      [500, 200, 'LS-20931'],
      [150, 240, 'Tenant (Primary):'],
      [500, 240, 'ROSALIND P. ACHTERBERG DOB 02/14/1988'],
      [150, 280, 'Co-Signer:'],
      [500, 280, 'MILO R. VANTERPOOL DOB 11/30/1959'],
      [150, 320, 'Occupant:'],
      [500, 320, 'TEODORA ACHTERBERG'],
      [150, 400, 'Please return the signed addendum within ten days.'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(data.parties, [
      { name: 'ROSALIND P. ACHTERBERG', role: 'tenant', birthDate: '1988-02-14' },
      { name: 'MILO R. VANTERPOOL', role: null, birthDate: '1959-11-30' },
      { name: 'TEODORA ACHTERBERG', role: 'occupant', birthDate: null },
    ]);
  });

  it("ends a table at a form's next row of labels", () => {
    const schema: ExtractionSchema = {
      guardians: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            relationship: { type: 'string' },
            cellPhone: { type: 'string', description: 'E.164' },
          },
        },
      },
    };
    const p = page([
      [100, 200, 'NAME (FIRST, LAST)'],
      [800, 200, 'RELATIONSHIP TO STUDENT'],
      [100, 240, 'Bridget Kessler'],
      [800, 240, 'Grandmother'],
      [100, 290, 'CELL PHONE'],
      [800, 290, 'EMPLOYER'],
      [100, 330, '(602) 555-0165'],
      [800, 330, 'Harborline Auto Sales, Corp.'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(
      (data.guardians as Record<string, unknown>[]).map((g) => [g.name, g.relationship]),
      [['Bridget Kessler', 'Grandmother']],
    );
  });

  it("reads a caption's parties above their role labels, and a list printed empty as nothing", () => {
    const schema: ExtractionSchema = {
      plaintiffs: { type: 'array', items: { type: 'string' } },
      defendants: { type: 'array', items: { type: 'string' } },
      allergies: { type: 'array', items: { type: 'string', description: 'allergen' } },
    };
    const p = page([
      [300, 100, 'IN THE DISTRICT COURT OF HENNEPIN COUNTY'],
      [150, 200, 'KEYSTONE AUTO SALES, CO.,'],
      [880, 200, ')'],
      [400, 240, 'Plaintiff,'],
      [880, 240, ')'],
      [260, 280, 'vs.'],
      [880, 280, ')'],
      [150, 320, 'NORTHGATE EQUIPMENT RENTAL, LLC,'],
      [880, 320, ')'],
      [150, 360, 'GREGORY J. COLEMAN,'],
      [880, 360, ')'],
      [400, 400, 'Defendants.'],
      [880, 400, ')'],
      [150, 500, 'Allergies: no known drug allergies (NKDA).'],
      [150, 540, 'The patient is insured through Evergreen Senior Advantage and has agreed to the referral.'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(data.plaintiffs, ['KEYSTONE AUTO SALES, CO.']);
    assert.deepEqual(data.defendants, ['NORTHGATE EQUIPMENT RENTAL, LLC', 'GREGORY J. COLEMAN']);
    assert.ok(!(data.allergies as unknown[] | null)?.length, `allergies: ${JSON.stringify(data.allergies)}`);
  });

  it("ends a table at a form's next row of capital captions, and follows a caption printed again over each row", () => {
    const schema: ExtractionSchema = {
      applicants: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            dob: { type: 'string', description: 'YYYY-MM-DD' },
            employer_name: { type: 'string' },
          },
        },
      },
      witnesses: {
        type: 'array',
        items: { type: 'object', properties: { name: { type: 'string' }, phone: { type: 'string' } } },
      },
    };
    const p = page([
      [100, 200, 'FULL NAME'],
      [700, 200, 'DATE OF BIRTH'],
      [100, 240, 'Michael Z. Yamamoto'],
      [700, 240, '08/05/2000'],
      [100, 280, 'PRESENT ADDRESS (STREET, APT)'],
      [700, 280, 'HOW LONG?'],
      [100, 320, '7840 Riverside Blvd, Unit 2A'],
      [700, 320, '3 yrs 8 mos'],
      [100, 360, 'LANDLORD / MANAGER S NAME'],
      [700, 360, 'MONTHLY RENT'],
      [100, 400, 'Douglas Yamamoto'],
      [700, 400, '$1,350.00'],
      [100, 520, 'WITNESSES'],
      [100, 560, 'NAME'],
      [700, 560, 'PHONE'],
      [100, 600, 'Tamara Kowalski'],
      [700, 600, '(918) 555-0104'],
      [100, 640, 'NAME'],
      [700, 640, 'PHONE'],
      [100, 680, 'Arjun Lindqvist'],
      [700, 680, '(918) 555-0106'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    const applicants = data.applicants as { name: string | null }[];
    assert.deepEqual(
      applicants.map((a) => a.name),
      ['Michael Z. Yamamoto'],
      `the captions below the first row are no applicants: ${JSON.stringify(applicants)}`,
    );
    assert.deepEqual(
      (data.witnesses as { name: string }[]).map((w) => w.name),
      ['Tamara Kowalski', 'Arjun Lindqvist'],
    );
  });

  it('keeps only the flagged rows of a result table when the schema asks for abnormal results', () => {
    const schema: ExtractionSchema = {
      abnormalResults: {
        type: 'array',
        description: 'only results flagged high or low',
        items: {
          type: 'object',
          properties: { analyte: { type: 'string' }, result: { type: 'number' }, unit: { type: 'string' } },
        },
      },
    };
    const p = page([
      [100, 200, 'Analyte'],
      [500, 200, 'Result'],
      [700, 200, 'Flag'],
      [800, 200, 'Unit'],
      [100, 240, 'Glucose'],
      [500, 240, '101'],
      [700, 240, 'H'],
      [800, 240, 'mg/dL'],
      [100, 280, 'Sodium'],
      [500, 280, '140'],
      [800, 280, 'mmol/L'],
      [100, 320, 'Potassium'],
      [500, 320, '3.1'],
      [700, 320, 'L'],
      [800, 320, 'mmol/L'],
    ]);
    const { data } = extractWithLayout(schema, [p]);
    assert.deepEqual(
      (data.abnormalResults as { analyte: string }[]).map((r) => r.analyte),
      ['Glucose', 'Potassium'],
    );
  });
});
