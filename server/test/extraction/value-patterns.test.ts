// Typed values as faxes print them: dates in many formats, US phone numbers, NPIs, money, checkboxes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  findNumbers,
  isValidNpi,
  parseDate,
  parseNumber,
  parsePhone,
  readBoolean,
  repairDigits,
} from '../../src/extraction/value-patterns.ts';

describe('value patterns', () => {
  it('reads dates in the formats forms use', () => {
    for (const text of [
      '03/14/1985',
      '3/14/85',
      '1985-03-14',
      'March 14, 1985',
      'Mar 14 1985',
      '14 March 1985',
      '14-Mar-1985',
      '03-14-1985',
      '14/03/1985',
    ]) {
      assert.equal(parseDate(text), '1985-03-14', text);
    }
    assert.equal(parseDate('02/30/2020'), null);
    assert.equal(parseDate('Room 12/B'), null);
  });

  it('reads US phone and fax numbers as E.164', () => {
    for (const text of [
      '(217) 555-0143',
      '217-555-0143',
      '217.555.0143',
      '+1 217 555 0143',
      '1-217-555-0143',
    ]) {
      assert.equal(parsePhone(text), '+12175550143', text);
    }
    assert.equal(parsePhone('055-555-0143'), null);
  });

  it('checks NPIs with the Luhn digit', () => {
    assert.equal(isValidNpi('1234567893'), true);
    assert.equal(isValidNpi('1234567890'), false);
  });

  it('reads money with separators and signs', () => {
    assert.equal(parseNumber('$1,250.00'), 1250);
    assert.equal(parseNumber('USD 3,400.5'), 3400.5);
    assert.equal(parseNumber('(12.00)'), -12);
    assert.equal(parseNumber('12 mg'), null);
  });

  it('reads ticked boxes and yes/no words', () => {
    assert.equal(readBoolean(' [X] Yes [ ] No')?.value, true);
    assert.equal(readBoolean(' [ ] Yes [x] No')?.value, false);
    assert.equal(readBoolean(': No')?.value, false);
    assert.equal(readBoolean('', '[X] ')?.value, true);
    assert.equal(readBoolean('', '[ ] ')?.value, false);
    assert.equal(readBoolean(' maybe later'), null);
  });

  it('repairs OCR letter-for-digit swaps only inside numbers', () => {
    assert.equal(repairDigits('DOB: O3/l4/1985'), 'DOB: 03/14/1985');
    assert.equal(repairDigits('SOLO'), 'SOLO');
  });

  it('repairs OCR letter-for-digit swaps only inside tokens that are otherwise numeric', () => {
    assert.equal(repairDigits('paid $4,1B7.20 on 0l/29/2O21'), 'paid $4,187.20 on 01/29/2021');
    assert.equal(repairDigits('year 19g4'), 'year 1994');
    assert.equal(repairDigits('Fax (7l2) 555-O1S3'), 'Fax (712) 555-0153');
    // A leading S before an amount with cents is the dollar sign, not a 5.
    assert.equal(repairDigits('balance S310.45'), 'balance $310.45');
    // Words keep their letters: ordinals, prefixed ids, B/Z/g outside a digit pair, letter-only runs.
    assert.equal(repairDigits('the 2nd and 1st'), 'the 2nd and 1st');
    assert.equal(repairDigits('ref QZ7781 and B90'), 'ref QZ7781 and B90');
    assert.equal(repairDigits('Big Zoo go'), 'Big Zoo go');
    assert.equal(repairDigits('9g'), '9g');
    assert.equal(repairDigits('lOl'), 'lOl');
  });

  it('reads amounts with a stray space inside a thousands group, and spaced groups after a currency sign', () => {
    assert.deepEqual(
      findNumbers('Total $2,7 18.40').map((n) => n.value),
      [2718.4],
    );
    assert.deepEqual(
      findNumbers('Due $3 906.15 now').map((n) => n.value),
      [3906.15],
    );
    // Without a currency sign, space-separated figures stay separate numbers (a quantity beside a price).
    assert.deepEqual(
      findNumbers('2 650.00').map((n) => n.value),
      [2, 650],
    );
  });

  it('reads dates whose second separator the fax changed, and phones with spaced separators', () => {
    assert.equal(parseDate('11/05-2019'), '2019-11-05');
    assert.equal(parseDate('11.05/2019'), '2019-11-05');
    assert.equal(parseDate('11/05-19'), null);
    assert.equal(parsePhone('(603) 555 - 0148'), '+16035550148');
  });
});
