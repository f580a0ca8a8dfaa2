// Typed values as faxes print them: dates in many formats, US phone numbers, NPIs, money, checkboxes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
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
});
