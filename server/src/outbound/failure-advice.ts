// The outbound failure vocabulary in plain words, with what the sender can do about each: shown in
// the portal's Sent faxes and printed on the transmission report.

import type { FailureCode } from './failure-vocabulary.ts';

export interface FailureAdvice {
  summary: string;
  whatToDo: string;
}

export const FAILURE_ADVICE: Record<FailureCode, FailureAdvice> = {
  busy: {
    summary: 'The line was busy.',
    whatToDo: 'Busy lines are retried automatically; if every retry is busy, try again later.',
  },
  no_answer: {
    summary: 'Nobody answered the call.',
    whatToDo:
      'Check that the fax machine is switched on and the number is right; it is retried automatically.',
  },
  rejected: {
    summary: 'The call was refused by the carrier or the receiving side.',
    whatToDo: 'Ask the recipient whether they block unknown callers, or try again later.',
  },
  invalid_number: {
    summary: 'The number does not exist or cannot be dialled.',
    whatToDo: 'Check the fax number (country code, area code) with the recipient and send again.',
  },
  not_a_fax_machine: {
    summary: 'A person or voice line answered, not a fax machine.',
    whatToDo: 'Confirm the number is the recipient’s fax line, not their phone.',
  },
  transmission_error: {
    summary: 'The connection broke while the pages were being sent.',
    whatToDo: 'Send again: pages the machine already confirmed are not sent twice on an automatic retry.',
  },
  document_error: {
    summary: 'The document could not be turned into fax pages.',
    whatToDo: 'Check that the PDF opens and is not password-protected, then send it again.',
  },
  insufficient_credits: {
    summary: 'There were not enough credits to send every page.',
    whatToDo: 'Buy credits on the Credits page, then send again.',
  },
  canceled: {
    summary: 'The fax was canceled before it was sent.',
    whatToDo: 'Nothing to do; send it again if it was canceled by mistake.',
  },
};
