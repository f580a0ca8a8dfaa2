// The `emails` outbox: every outgoing email is a row first (pending, sent, failed or kept when no
// relay is configured), with its delivery attempts and last error. Bodies carry live links
// (verification, invitations, password resets): they are sealed with the master key.

import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { MasterKey } from '../storage/master-key.ts';
import { columnContext } from '../storage/sealed-column-repository.ts';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  /** What the email is for (`partner_verification`, `low_balance`…): shown in the outbox. */
  kind: string;
}

export type EmailStatus = 'pending' | 'sent' | 'failed' | 'kept';

export interface StoredEmail extends OutgoingEmail {
  id: string;
  status: EmailStatus;
  createdAt: string;
}

interface EmailRow {
  id: string;
  to_address: string;
  subject: string;
  body_text: string;
  kind: string;
  status: EmailStatus;
  created_at: string;
}

const bodyContext = (id: string) => columnContext('emails', 'body_text', id);

/** Delivery gives up after this many attempts; the row stays for the operator to see. */
const MAX_ATTEMPTS = 10;

export class EmailRepository {
  constructor(
    private readonly db: Db,
    private readonly masterKey: MasterKey,
  ) {}

  add(email: OutgoingEmail, status: 'pending' | 'kept', at: string): StoredEmail {
    const id = newId('eml');
    this.db
      .prepare(
        `INSERT INTO emails (id, to_address, subject, body_text, kind, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        email.to,
        email.subject,
        this.masterKey.sealString(email.text, bodyContext(id)),
        email.kind,
        status,
        at,
      );
    return this.get(id)!;
  }

  get(id: string): StoredEmail | null {
    const row = this.db.prepare('SELECT * FROM emails WHERE id = ?').get(id) as EmailRow | undefined;
    return row ? this.toEmail(row) : null;
  }

  /** Pending and failed emails that still have attempts left, oldest first. */
  undelivered(): StoredEmail[] {
    return (
      this.db
        .prepare('SELECT * FROM emails WHERE status IN (?, ?) AND attempts < ? ORDER BY id')
        .all('pending', 'failed', MAX_ATTEMPTS) as EmailRow[]
    ).map((r) => this.toEmail(r));
  }

  /** Newest first: what the operator sees with `faxseal outbox`. */
  recent(limit: number): StoredEmail[] {
    return (this.db.prepare('SELECT * FROM emails ORDER BY id DESC LIMIT ?').all(limit) as EmailRow[]).map(
      (r) => this.toEmail(r),
    );
  }

  /** Every email to one address, newest first. */
  sentTo(address: string): StoredEmail[] {
    return (
      this.db.prepare('SELECT * FROM emails WHERE to_address = ? ORDER BY id DESC').all(address) as EmailRow[]
    ).map((r) => this.toEmail(r));
  }

  markSent(id: string, at: string): void {
    this.db
      .prepare(
        "UPDATE emails SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?",
      )
      .run(at, id);
  }

  markFailed(id: string, error: string): void {
    this.db
      .prepare("UPDATE emails SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?")
      .run(error, id);
  }

  private toEmail(r: EmailRow): StoredEmail {
    return {
      id: r.id,
      to: r.to_address,
      subject: r.subject,
      text: this.masterKey.openString(r.body_text, bodyContext(r.id)),
      kind: r.kind,
      status: r.status,
      createdAt: r.created_at,
    };
  }
}
