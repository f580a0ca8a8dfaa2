// Outgoing email: every message is a row in the `emails` outbox first, then handed to SMTP when a
// relay is configured. Without one the message stays `kept` and its text is logged at info (it
// carries only onboarding links, never fax content) so a newcomer can follow the link.

import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  /** What the email is for (`partner_verification`, `low_balance`…): shown in the outbox. */
  kind: string;
}

export interface StoredEmail {
  id: string;
  to: string;
  subject: string;
  text: string;
  kind: string;
  status: 'pending' | 'sent' | 'failed' | 'kept';
  createdAt: string;
}

export class Mailer {
  private readonly transport: Transporter | null;

  constructor(
    private readonly db: Db,
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
    const id = newId('eml');
    const now = this.clock.now().toISOString();
    this.db
      .prepare(
        `INSERT INTO emails (id, to_address, subject, body_text, kind, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, email.to, email.subject, email.text, email.kind, this.transport ? 'pending' : 'kept', now);
    if (!this.transport) {
      this.log.info(
        { emailId: id, kind: email.kind, to: email.to, text: email.text },
        'email kept in outbox (no SMTP relay configured)',
      );
      return this.get(id)!;
    }
    await this.deliver(id);
    return this.get(id)!;
  }

  /** Retries pending and failed emails (called on start and by the maintenance timer). */
  async flush(): Promise<void> {
    if (!this.transport) return;
    const ids = this.db
      .prepare("SELECT id FROM emails WHERE status IN ('pending', 'failed') AND attempts < 10 ORDER BY id")
      .all() as { id: string }[];
    for (const { id } of ids) await this.deliver(id);
  }

  get(id: string): StoredEmail | null {
    const r = this.db.prepare('SELECT * FROM emails WHERE id = ?').get(id) as
      | {
          id: string;
          to_address: string;
          subject: string;
          body_text: string;
          kind: string;
          status: StoredEmail['status'];
          created_at: string;
        }
      | undefined;
    return r
      ? {
          id: r.id,
          to: r.to_address,
          subject: r.subject,
          text: r.body_text,
          kind: r.kind,
          status: r.status,
          createdAt: r.created_at,
        }
      : null;
  }

  /** Newest first: what the operator sees with `faxseal outbox`. */
  recent(limit: number): StoredEmail[] {
    const ids = this.db.prepare('SELECT id FROM emails ORDER BY id DESC LIMIT ?').all(limit) as {
      id: string;
    }[];
    return ids.map(({ id }) => this.get(id)!);
  }

  close(): void {
    this.transport?.close();
  }

  private async deliver(id: string): Promise<void> {
    const email = this.get(id);
    if (!email || !this.transport) return;
    try {
      await this.transport.sendMail({
        from: this.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
      });
      this.db
        .prepare(
          "UPDATE emails SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?",
        )
        .run(this.clock.now().toISOString(), id);
    } catch (err) {
      this.log.warn({ emailId: id, err: (err as Error).message }, 'email delivery failed; will retry');
      this.db
        .prepare("UPDATE emails SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?")
        .run((err as Error).message, id);
    }
  }
}
