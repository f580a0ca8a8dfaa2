// Bearer secrets (partner API keys, operator tokens, one-time verification tokens): generated from
// 32 random bytes, shown once, stored only as a SHA-256 hash with a short visible prefix.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const PARTNER_KEY_PREFIX = 'sk_partner_';
export const ADMIN_TOKEN_PREFIX = 'sk_admin_';
const VISIBLE_RANDOM_CHARS = 6;

export interface IssuedSecret {
  /** The whole secret: returned to its owner once, never stored. */
  secret: string;
  /** Enough to recognise the secret in a list (`sk_partner_Ab12Cd`), not enough to use it. */
  prefix: string;
  hash: string;
}

export function issueSecret(typePrefix: string): IssuedSecret {
  const random = randomBytes(32).toString('base64url');
  const secret = typePrefix + random;
  return { secret, prefix: typePrefix + random.slice(0, VISIBLE_RANDOM_CHARS), hash: hashSecret(secret) };
}

/** High-entropy secrets need no slow hash: SHA-256 is preimage-resistant and keeps lookups O(1). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function sameSecretHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
