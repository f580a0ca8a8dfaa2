// The outbound failure vocabulary of API.md and how it is reached: from the SIP final response to
// our INVITE, and from the T.30 completion code of the fax session once the call was answered.
// One table each, so the mapping is read (and tested) in one place.

import { CallEndCause } from '../telephony/sip/call.ts';

export type FailureCode =
  | 'busy'
  | 'no_answer'
  | 'rejected'
  | 'invalid_number'
  | 'not_a_fax_machine'
  | 'transmission_error'
  | 'document_error'
  | 'insufficient_credits'
  | 'canceled';

export const FAILURE_CODES: readonly FailureCode[] = [
  'busy',
  'no_answer',
  'rejected',
  'invalid_number',
  'not_a_fax_machine',
  'transmission_error',
  'document_error',
  'insufficient_credits',
  'canceled',
];

export interface FailureClass {
  code: FailureCode;
  /** Worth another call later (the retry policy decides whether and when). */
  retryable: boolean;
}

const fail = (code: FailureCode, retryable: boolean): FailureClass => ({ code, retryable });

/** SIP final responses (RFC 3261 §21, RFC 3398 for the ISUP causes carriers translate to them). */
const SIP_STATUS: Record<number, FailureClass> = {
  403: fail('rejected', false), // Forbidden: the trunk refuses us or this destination
  401: fail('rejected', false), // digest credentials refused
  407: fail('rejected', false),
  404: fail('invalid_number', false), // ISUP 1 unallocated number
  410: fail('invalid_number', false), // ISUP 22 number changed
  484: fail('invalid_number', false), // ISUP 28 address incomplete
  485: fail('invalid_number', false),
  604: fail('invalid_number', false),
  416: fail('invalid_number', false),
  408: fail('no_answer', true), // ISUP 18/19 no user responding / no answer
  480: fail('no_answer', true), // ISUP 18-20 temporarily unavailable
  486: fail('busy', true), // ISUP 17 user busy
  600: fail('busy', true),
  488: fail('not_a_fax_machine', false), // neither T.38 nor G.711 acceptable: no fax terminal there
  606: fail('not_a_fax_machine', false),
  603: fail('rejected', false), // ISUP 21 call rejected
  500: fail('transmission_error', true),
  502: fail('transmission_error', true),
  503: fail('transmission_error', true), // ISUP 34/38/41/42/47: network congestion or out of order
  504: fail('transmission_error', true),
};

export interface SipFailure {
  status: number;
  cause: CallEndCause;
  /** We CANCELled because the ring timeout ran out. */
  ringTimedOut: boolean;
}

/** Classifies an INVITE that never got answered. */
export function classifySipFailure(failure: SipFailure): FailureClass {
  if (failure.ringTimedOut) return fail('no_answer', true);
  // No response at all (Timer B) or the next hop unreachable: our trunk, not the destination.
  if (failure.cause === CallEndCause.RequestTimeout || failure.cause === CallEndCause.TransportError)
    return fail('transmission_error', true);
  const known = SIP_STATUS[failure.status];
  if (known) return known;
  if (failure.status >= 500) return fail('transmission_error', true);
  return fail('rejected', false);
}

/** spandsp T30_ERR_* codes (see native-workers/spandsp/index.ts T30CompletionCode) on the sending side. */
const T30_CODE: Record<number, FailureClass> = {
  1: fail('not_a_fax_machine', false), // CEDTONE: CED tone too long
  // A voice line (the fax simulator's voice mode: answered, a 400 Hz tone, never CED or V.21) ends the caller's
  // T.30 with T0_EXPIRED after spandsp's 60 s T0 (observed in server/test/outbound/outbound.test.ts).
  2: fail('not_a_fax_machine', false), // T0_EXPIRED: nothing answered like a fax
  3: fail('not_a_fax_machine', false), // T1_EXPIRED: no first T.30 message (a voice line)
  19: fail('not_a_fax_machine', false), // TX_NODIS: no DIS from the far end
  4: fail('transmission_error', true), // T3_EXPIRED
  5: fail('transmission_error', true), // HDLC_CARRIER
  6: fail('transmission_error', true), // CANNOT_TRAIN
  7: fail('transmission_error', true), // OPER_INT_FAIL
  8: fail('transmission_error', false), // INCOMPATIBLE: no common capabilities
  9: fail('rejected', false), // RX_INCAPABLE: the far end cannot receive
  10: fail('transmission_error', false), // TX_INCAPABLE
  11: fail('transmission_error', false), // NORESSUPPORT
  12: fail('transmission_error', false), // NOSIZESUPPORT
  13: fail('transmission_error', true), // UNEXPECTED
  14: fail('transmission_error', true), // TX_BADDCS
  15: fail('transmission_error', true), // TX_BADPG
  16: fail('transmission_error', true), // TX_ECMPHD
  17: fail('transmission_error', true), // TX_GOTDCN
  18: fail('transmission_error', true), // TX_INVALRSP
  20: fail('transmission_error', true), // TX_PHBDEAD
  21: fail('transmission_error', true), // TX_PHDDEAD
  22: fail('transmission_error', true), // TX_T5EXP
  41: fail('document_error', false), // FILEERROR
  42: fail('document_error', false), // NOPAGE
  43: fail('document_error', false), // BADTIFF
  44: fail('document_error', false), // BADPAGE
  45: fail('document_error', false), // BADTAG
  46: fail('document_error', false), // BADTIFFHDR
  47: fail('transmission_error', true), // NOMEM
  48: fail('transmission_error', true), // RETRYDCN
  49: fail('transmission_error', true), // CALLDROPPED: hung up mid-fax
};
for (let code = 51; code <= 61; code++) T30_CODE[code] = fail('rejected', false); // *_UNACCEPTABLE

/** Classifies a fax session that did not end OK (code 0 is success and never reaches here). */
export function classifyT30Failure(code: number): FailureClass {
  return T30_CODE[code] ?? fail('transmission_error', true);
}
