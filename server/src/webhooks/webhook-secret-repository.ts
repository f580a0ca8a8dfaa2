// The `webhook_secrets` table: signing secrets (`whsec_<base64 of 32 bytes>`), sealed at rest with the
// master key. Rotation keeps the previous secret signing for 24 h so receivers can switch without a gap.

import { randomBytes } from 'node:crypto';
import { addMinutes, type Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { MasterKey } from '../storage/master-key.ts';

export const ROTATION_OVERLAP_MINUTES = 24 * 60;

export interface SigningSecret {
  id: string;
  secret: string;
  createdAt: string;
  expiresAt: string | null;
}

export class WebhookSecretRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly masterKey: MasterKey,
  ) {}

  /** Creates the first secret if the partner has none; returns whether one was created. */
  ensure(partnerId: string): boolean {
    const has = this.db
      .prepare('SELECT 1 FROM webhook_secrets WHERE partner_id = ? AND expires_at IS NULL')
      .get(partnerId);
    if (has) return false;
    this.insert(partnerId);
    return true;
  }

  /** Replaces the current secret; the old one keeps signing for 24 h. Returns the new secret, once. */
  rotate(partnerId: string): SigningSecret {
    return this.db.transaction(() => {
      const now = this.clock.now();
      this.db
        .prepare('UPDATE webhook_secrets SET expires_at = ? WHERE partner_id = ? AND expires_at IS NULL')
        .run(addMinutes(now, ROTATION_OVERLAP_MINUTES).toISOString(), partnerId);
      return this.insert(partnerId);
    })();
  }

  /** Secrets that sign right now, newest first (two during a rotation). */
  active(partnerId: string): SigningSecret[] {
    const rows = this.db
      .prepare(
        `SELECT id, secret_sealed, created_at, expires_at FROM webhook_secrets
         WHERE partner_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY id DESC`,
      )
      .all(partnerId, this.clock.now().toISOString()) as {
      id: string;
      secret_sealed: string;
      created_at: string;
      expires_at: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      secret: this.masterKey.openString(r.secret_sealed, `webhook_secret:${r.id}`),
      createdAt: r.created_at,
      expiresAt: r.expires_at,
    }));
  }

  private insert(partnerId: string): SigningSecret {
    const id = newId('whs');
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const createdAt = this.clock.now().toISOString();
    this.db
      .prepare('INSERT INTO webhook_secrets (id, partner_id, secret_sealed, created_at) VALUES (?, ?, ?, ?)')
      .run(id, partnerId, this.masterKey.sealString(secret, `webhook_secret:${id}`), createdAt);
    return { id, secret, createdAt, expiresAt: null };
  }
}
