// Partner API keys: several live keys per partner, each revocable on its own. Lookups go by hash;
// `last_used_at` is refreshed at most once a minute so authentication does not write on every call.

import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { PartnerPermission } from '../team/partner-permissions.ts';
import type { ApiKey } from './key-schema.ts';
import { hashSecret, issueSecret, PARTNER_KEY_PREFIX } from './secret-token.ts';

/** The stored key: the API's ApiKey plus its owner and rate limit, which the partner API does not show. */
export interface ApiKeyRecord extends ApiKey {
  partnerId: string;
  rateLimitPerMinute: number | null;
  /** Null: every partner permission. */
  scopes: PartnerPermission[] | null;
}

interface ApiKeyRow {
  id: string;
  partner_id: string;
  name: string;
  prefix: string;
  rate_limit_per_minute: number | null;
  scopes: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const toApiKey = (r: ApiKeyRow): ApiKeyRecord => ({
  id: r.id,
  partnerId: r.partner_id,
  name: r.name,
  prefix: r.prefix,
  rateLimitPerMinute: r.rate_limit_per_minute,
  scopes: r.scopes === null ? null : (JSON.parse(r.scopes) as PartnerPermission[]),
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

const TOUCH_INTERVAL_MS = 60_000;

export class ApiKeyRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** `scopes` null: a key with every partner permission. */
  create(
    partnerId: string,
    name: string,
    scopes: PartnerPermission[] | null = null,
  ): { key: ApiKeyRecord; secret: string } {
    const issued = issueSecret(PARTNER_KEY_PREFIX);
    const id = newId('key');
    const now = this.clock.now().toISOString();
    this.db
      .prepare(
        'INSERT INTO api_keys (id, partner_id, name, prefix, key_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, partnerId, name, issued.prefix, issued.hash, scopes && JSON.stringify(scopes), now);
    return { key: this.get(partnerId, id)!, secret: issued.secret };
  }

  get(partnerId: string, id: string): ApiKeyRecord | null {
    const row = this.db
      .prepare('SELECT * FROM api_keys WHERE id = ? AND partner_id = ?')
      .get(id, partnerId) as ApiKeyRow | undefined;
    return row ? toApiKey(row) : null;
  }

  list(partnerId: string): ApiKeyRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM api_keys WHERE partner_id = ? ORDER BY id DESC')
        .all(partnerId) as ApiKeyRow[]
    ).map(toApiKey);
  }

  /** The live key behind `secret`, or null (unknown or revoked). */
  authenticate(secret: string): ApiKeyRecord | null {
    if (!secret.startsWith(PARTNER_KEY_PREFIX)) return null;
    const row = this.db
      .prepare('SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL')
      .get(hashSecret(secret)) as ApiKeyRow | undefined;
    if (!row) return null;
    const now = this.clock.now();
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > TOUCH_INTERVAL_MS) {
      this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now.toISOString(), row.id);
      row.last_used_at = now.toISOString();
    }
    return toApiKey(row);
  }

  revoke(partnerId: string, id: string): ApiKeyRecord | null {
    this.db
      .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND partner_id = ? AND revoked_at IS NULL')
      .run(this.clock.now().toISOString(), id, partnerId);
    return this.get(partnerId, id);
  }

  /** Operator override of the per-minute limit (null = appliance default); used for bench keys. */
  setRateLimit(id: string, perMinute: number | null): boolean {
    return (
      this.db.prepare('UPDATE api_keys SET rate_limit_per_minute = ? WHERE id = ?').run(perMinute, id)
        .changes > 0
    );
  }
}
