// Outgoing email: every message is a row in the `emails` outbox first, then handed to SMTP when a
// relay is configured. Without one the message stays `kept`, sealed in the outbox: its links are
// live credentials, so the log says only that it was kept (`faxseal outbox` shows it to the operator).

import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { EmailRepository, OutgoingEmail, StoredEmail } from './email-repository.ts';

export class Mailer {
  private readonly transport: Transporter | null;

  constructor(
    private readonly emails: EmailRepository,
    private readonly clock: Clock,
    private readonly log: Logger,
    smtpUrl: string | null,
    private readonly from: string,
  ) {
    // Short timeouts: a dead relay must not hold a request open; the row stays for a later retry.
    this.transport = smtpUrl
      ? nodemailer.createTransport({
          url: smtpUrl,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 20_000,
        } as Parameters<typeof nodemailer.createTransport>[0])
      : null;
  }

  /** Records the email and tries to send it; never throws for delivery problems. */
  async send(email: OutgoingEmail): Promise<StoredEmail> {
    const stored = this.emails.add(
      email,
      this.transport ? 'pending' : 'kept',
      this.clock.now().toISOString(),
    );
    if (!this.transport) {
      this.log.info(
        { emailId: stored.id, kind: email.kind },
        'email kept in the outbox (no SMTP relay configured): `npm run faxseal -- outbox` shows it',
      );
      return stored;
    }
    await this.deliver(stored);
    return this.emails.get(stored.id)!;
  }

  /** Retries pending and failed emails (called on start and by the maintenance timer). */
  async flush(): Promise<void> {
    if (!this.transport) return;
    for (const email of this.emails.undelivered()) await this.deliver(email);
  }

  close(): void {
    this.transport?.close();
  }

  private async deliver(email: StoredEmail): Promise<void> {
    if (!this.transport) return;
    try {
      await this.transport.sendMail({
        from: this.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
      });
      this.emails.markSent(email.id, this.clock.now().toISOString());
    } catch (err) {
      this.log.warn({ emailId: email.id, err: (err as Error).message }, 'email delivery failed; will retry');
      this.emails.markFailed(email.id, (err as Error).message);
    }
  }
}
