// The outbound failure vocabulary of API.md and how it is reached: from the SIP final response to
// our INVITE, and from the T.30 completion code of the fax session once the call was answered.
// One table each, so the mapping is read (and tested) in one place.

import { T30CompletionCode as c } from '../../../native-workers/spandsp/codes.ts';
import { CallEndCause } from '../telephony/sip/call.ts';
import { SipStatus } from '../telephony/sip/status.ts';

import type { FailureCode } from './failure-vocabulary.ts';

export { FAILURE_CODES, type FailureCode } from './failure-vocabulary.ts';

export interface FailureClass {
  code: FailureCode;
  /** Worth another call later (the retry policy decides whether and when). */
  retryable: boolean;
}

const fail = (code: FailureCode, retryable: boolean): FailureClass => ({ code, retryable });

/** SIP final responses (RFC 3261 §21, RFC 3398 for the ISUP causes carriers translate to them). */
const SIP_STATUS: Record<number, FailureClass> = {
  [SipStatus.Forbidden]: fail('rejected', false), // the trunk refuses us or this destination
  [SipStatus.Unauthorized]: fail('rejected', false), // digest credentials refused
  [SipStatus.ProxyAuthenticationRequired]: fail('rejected', false),
  [SipStatus.NotFound]: fail('invalid_number', false), // ISUP 1 unallocated number
  [SipStatus.Gone]: fail('invalid_number', false), // ISUP 22 number changed
  [SipStatus.AddressIncomplete]: fail('invalid_number', false), // ISUP 28 address incomplete
  [SipStatus.Ambiguous]: fail('invalid_number', false),
  [SipStatus.DoesNotExistAnywhere]: fail('invalid_number', false),
  [SipStatus.UnsupportedUriScheme]: fail('invalid_number', false),
  [SipStatus.RequestTimeout]: fail('no_answer', true), // ISUP 18/19 no user responding / no answer
  [SipStatus.TemporarilyUnavailable]: fail('no_answer', true), // ISUP 18-20 temporarily unavailable
  [SipStatus.BusyHere]: fail('busy', true), // ISUP 17 user busy
  [SipStatus.BusyEverywhere]: fail('busy', true),
  [SipStatus.NotAcceptableHere]: fail('not_a_fax_machine', false), // neither T.38 nor G.711 acceptable: no fax terminal there
  [SipStatus.NotAcceptableAnywhere]: fail('not_a_fax_machine', false),
  [SipStatus.Decline]: fail('rejected', false), // ISUP 21 call rejected
  [SipStatus.ServerInternalError]: fail('transmission_error', true),
  [SipStatus.BadGateway]: fail('transmission_error', true),
  [SipStatus.ServiceUnavailable]: fail('transmission_error', true), // ISUP 34/38/41/42/47: network congestion or out of order
  [SipStatus.ServerTimeout]: fail('transmission_error', true),
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

/** spandsp's T.30 completion codes on the sending side. */
const T30_CODE: Record<number, FailureClass> = {
  [c.CEDTONE]: fail('not_a_fax_machine', false), // CED tone too long
  // A voice line (the fax simulator's voice mode: answered, a 400 Hz tone, never CED or V.21) ends the caller's
  // T.30 with T0_EXPIRED after spandsp's 60 s T0 (observed in server/test/outbound/outbound.test.ts).
  [c.T0_EXPIRED]: fail('not_a_fax_machine', false), // nothing answered like a fax
  [c.T1_EXPIRED]: fail('not_a_fax_machine', false), // no first T.30 message (a voice line)
  [c.TX_NODIS]: fail('not_a_fax_machine', false), // no DIS from the far end
  [c.T3_EXPIRED]: fail('transmission_error', true),
  [c.HDLC_CARRIER]: fail('transmission_error', true),
  [c.CANNOT_TRAIN]: fail('transmission_error', true),
  [c.OPER_INT_FAIL]: fail('transmission_error', true),
  [c.INCOMPATIBLE]: fail('transmission_error', false), // no common capabilities
  [c.RX_INCAPABLE]: fail('rejected', false), // the far end cannot receive
  [c.TX_INCAPABLE]: fail('transmission_error', false),
  [c.NORESSUPPORT]: fail('transmission_error', false),
  [c.NOSIZESUPPORT]: fail('transmission_error', false),
  [c.UNEXPECTED]: fail('transmission_error', true),
  [c.TX_BADDCS]: fail('transmission_error', true),
  [c.TX_BADPG]: fail('transmission_error', true),
  [c.TX_ECMPHD]: fail('transmission_error', true),
  [c.TX_GOTDCN]: fail('transmission_error', true),
  [c.TX_INVALRSP]: fail('transmission_error', true),
  [c.TX_PHBDEAD]: fail('transmission_error', true),
  [c.TX_PHDDEAD]: fail('transmission_error', true),
  [c.TX_T5EXP]: fail('transmission_error', true),
  [c.FILEERROR]: fail('document_error', false),
  [c.NOPAGE]: fail('document_error', false),
  [c.BADTIFF]: fail('document_error', false),
  [c.BADPAGE]: fail('document_error', false),
  [c.BADTAG]: fail('document_error', false),
  [c.BADTIFFHDR]: fail('document_error', false),
  [c.NOMEM]: fail('transmission_error', true),
  [c.RETRYDCN]: fail('transmission_error', true),
  [c.CALLDROPPED]: fail('transmission_error', true), // hung up mid-fax
  // The far end refused our identity, subaddress, password or another T.30 parameter.
  [c.IDENT_UNACCEPTABLE]: fail('rejected', false),
  [c.SUB_UNACCEPTABLE]: fail('rejected', false),
  [c.SEP_UNACCEPTABLE]: fail('rejected', false),
  [c.PSA_UNACCEPTABLE]: fail('rejected', false),
  [c.SID_UNACCEPTABLE]: fail('rejected', false),
  [c.PWD_UNACCEPTABLE]: fail('rejected', false),
  [c.TSA_UNACCEPTABLE]: fail('rejected', false),
  [c.IRA_UNACCEPTABLE]: fail('rejected', false),
  [c.CIA_UNACCEPTABLE]: fail('rejected', false),
  [c.ISP_UNACCEPTABLE]: fail('rejected', false),
  [c.CSA_UNACCEPTABLE]: fail('rejected', false),
};

/** Classifies a fax session that did not end OK (T30CompletionCode.OK never reaches here). */
export function classifyT30Failure(code: number): FailureClass {
  return T30_CODE[code] ?? fail('transmission_error', true);
}
