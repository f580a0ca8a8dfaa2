// The failure vocabulary table: SIP final responses and T.30 completion codes to API.md's codes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T30CompletionCode } from '../../../native-workers/spandsp/codes.ts';
import { classifySipFailure, classifyT30Failure, FAILURE_CODES } from '../../src/outbound/failure-code.ts';
import { CallEndCause } from '../../src/telephony/sip/call.ts';

const sip = (status: number, cause = CallEndCause.Rejected, ringTimedOut = false) =>
  classifySipFailure({ status, cause, ringTimedOut });

describe('failure codes', () => {
  test('SIP final responses', () => {
    const table: [number, string, boolean][] = [
      [486, 'busy', true],
      [600, 'busy', true],
      [480, 'no_answer', true],
      [408, 'no_answer', true],
      [404, 'invalid_number', false],
      [484, 'invalid_number', false],
      [604, 'invalid_number', false],
      [403, 'rejected', false],
      [603, 'rejected', false],
      [407, 'rejected', false],
      [488, 'not_a_fax_machine', false],
      [606, 'not_a_fax_machine', false],
      [503, 'transmission_error', true],
      [599, 'transmission_error', true],
      [420, 'rejected', false],
    ];
    for (const [status, code, retryable] of table)
      assert.deepEqual(sip(status), { code, retryable }, `SIP ${status}`);
  });

  test('ring timeout, Timer B and an unreachable trunk', () => {
    assert.deepEqual(sip(487, CallEndCause.Cancelled, true), { code: 'no_answer', retryable: true });
    assert.deepEqual(sip(408, CallEndCause.RequestTimeout), { code: 'transmission_error', retryable: true });
    assert.deepEqual(sip(503, CallEndCause.TransportError), { code: 'transmission_error', retryable: true });
  });

  test('T.30 completion codes', () => {
    const c = T30CompletionCode;
    const table: [number, string, boolean][] = [
      [c.T0_EXPIRED, 'not_a_fax_machine', false],
      [c.T1_EXPIRED, 'not_a_fax_machine', false],
      [c.TX_NODIS, 'not_a_fax_machine', false],
      [c.CALLDROPPED, 'transmission_error', true],
      [c.CANNOT_TRAIN, 'transmission_error', true],
      [c.TX_PHDDEAD, 'transmission_error', true],
      [c.INCOMPATIBLE, 'transmission_error', false],
      [c.RX_INCAPABLE, 'rejected', false],
      [c.BADTIFF, 'document_error', false],
      [c.FILEERROR, 'document_error', false],
      [c.PWD_UNACCEPTABLE, 'rejected', false],
      [999, 'transmission_error', true],
    ];
    for (const [code, failure, retryable] of table)
      assert.deepEqual(classifyT30Failure(code), { code: failure, retryable }, `T.30 ${code}`);
  });

  test('every code the tables produce is in the vocabulary', () => {
    const produced = new Set<string>();
    for (let s = 300; s < 700; s++) produced.add(sip(s).code);
    for (let c = 1; c <= 61; c++) produced.add(classifyT30Failure(c).code);
    for (const code of produced) assert.ok(FAILURE_CODES.includes(code as never), code);
  });
});
