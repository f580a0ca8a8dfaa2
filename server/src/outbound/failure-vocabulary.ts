// The outbound failure codes of API.md, on their own so that response schemas (and the console,
// which reads them type-only) do not pull in the SIP and T.30 tables that classify a failure.

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
