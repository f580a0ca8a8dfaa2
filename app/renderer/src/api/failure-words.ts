// A sent fax's failure code in the words the timeline API and the transmission report use: the
// server's own table (plain data, nothing else of the server), so the three never say different things.

import { FAILURE_ADVICE } from '../../../../server/src/outbound/failure-advice.ts';

/** "The line was busy." for `busy`; null without a code, the code itself for one the table lacks. */
export function failureSummary(code: string | null): string | null {
  if (!code) return null;
  return FAILURE_ADVICE[code as keyof typeof FAILURE_ADVICE]?.summary ?? code;
}
