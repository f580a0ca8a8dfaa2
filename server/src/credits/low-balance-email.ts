// The low-balance email: sent once each time a partner's credits fall below the threshold, so a
// partner whose sends start failing with 402 has been warned first.

import type { Mailer } from '../email/mailer.ts';
import type { PartnerRepository } from '../partners/partner-repository.ts';
import { LOW_BALANCE_THRESHOLD } from './credit-ledger.ts';

export async function sendLowBalanceEmail(
  mailer: Mailer,
  partners: PartnerRepository,
  publicUrl: string,
  partnerId: string,
  balance: number,
): Promise<void> {
  const partner = partners.get(partnerId);
  if (!partner) return;
  await mailer.send({
    to: partner.email,
    kind: 'low_balance',
    subject: `FaxSeal: ${balance} fax credit${balance === 1 ? '' : 's'} left`,
    text: [
      `Hello ${partner.companyName},`,
      '',
      `Your FaxSeal balance is down to ${balance} credit${balance === 1 ? '' : 's'} (1 credit = 1 page sent),`,
      `below the warning level of ${LOW_BALANCE_THRESHOLD}. Sends that need more credits than you have are`,
      'refused with 402 insufficient_credits.',
      '',
      `Balance and credit log: ${publicUrl}/partner`,
      '',
      'This warning is sent once each time the balance falls below the warning level.',
    ].join('\n'),
  });
}
