// The email a partner's billing people get once per change of its billing status: what changed,
// what it means for sending (inbound never stops) and where to pay.

import type { OutgoingEmail } from '../email/email-repository.ts';
import type { BillingAccount } from './billing-account-repository.ts';

export function statusChangeEmail(
  companyName: string,
  account: BillingAccount,
  graceEndsAt: string | null,
  publicUrl: string,
): Omit<OutgoingEmail, 'to'> {
  const body: Record<BillingAccount['status'], { subject: string; lines: string[] }> = {
    active: {
      subject: 'FaxSeal billing: your account is in good standing',
      lines: ['Your FaxSeal billing status is active again. Thank you: outbound faxes are sent as usual.'],
    },
    past_due: {
      subject: 'FaxSeal billing: a payment is past due',
      lines: [
        `A FaxSeal invoice payment failed${account.pastDueSince ? ` on ${account.pastDueSince.slice(0, 10)}` : ''}.`,
        graceEndsAt
          ? `Please pay it before ${graceEndsAt.slice(0, 10)}: from then on outbound faxes are refused (402 billing_past_due) until it is paid.`
          : 'Please pay it: outbound faxes are refused (402 billing_past_due) until it is paid.',
        'Inbound faxes keep arriving whatever the billing status.',
      ],
    },
    canceled: {
      subject: 'FaxSeal billing: your account is canceled for non-payment',
      lines: [
        'An unpaid FaxSeal invoice was written off, so the account is canceled: outbound faxes are refused',
        '(402 billing_past_due) until billing is settled with your FaxSeal operator.',
        'Inbound faxes keep arriving whatever the billing status.',
      ],
    },
  };
  const { subject, lines } = body[account.status];
  return {
    kind: `billing_${account.status}`,
    subject,
    text: [
      `Hello ${companyName},`,
      '',
      ...lines,
      '',
      `Billing status and invoices: ${publicUrl}/partner`,
      ...(account.override ? ['', `Note from your FaxSeal operator: ${account.override.note}`] : []),
    ].join('\n'),
  };
}
