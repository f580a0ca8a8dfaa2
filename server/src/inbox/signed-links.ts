// Time-limited download links for fax PDFs: `/files/faxes/{id}.pdf?expires=<unix s>&for=<who>&sig=<hex>`,
// the signature an HMAC-SHA256 over "<faxId>.<expires>[.<who>]" with a key derived from the master
// key. `for` names who the link was issued to (a key, an account, an operator, the webhook), so
// the download's audit entry can name them.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';

export interface SignedLink {
  url: string;
  expiresAt: string;
}

export type LinkCheck = 'valid' | 'expired' | 'invalid';

/** Who a link was issued to: `partner_key:key_…`, `portal_account:acct_…`, `operator:adm_…` or `webhook`. */
export type LinkIssuee = string;

const ISSUEE = /^(webhook|(partner_key|portal_account|operator):[a-z]{3,4}_[0-9a-z]{26})$/;

export class SignedPdfLinks {
  constructor(
    private readonly key: Buffer,
    private readonly publicUrl: string,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {}

  /** A fresh link for `faxId`, valid for the configured TTL, issued to `issuedTo`. */
  create(faxId: string, issuedTo: LinkIssuee): SignedLink {
    if (!ISSUEE.test(issuedTo)) throw new Error(`not a link issuee: ${issuedTo}`);
    const expires = Math.floor(this.clock.now().getTime() / 1000) + this.ttlSeconds;
    const query = new URLSearchParams({
      expires: String(expires),
      for: issuedTo,
      sig: this.sign(faxId, expires, issuedTo),
    });
    return {
      url: `${this.publicUrl}/files/faxes/${encodeURIComponent(faxId)}.pdf?${query}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /**
   * An altered id, expiry, issuee or signature is `invalid`; a genuine but old link is `expired`.
   * Links from before issuees (no `for`) still verify until they expire.
   */
  check(faxId: string, expires: string | undefined, sig: string | undefined, issuedTo?: string): LinkCheck {
    if (!expires || !sig || !/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(sig)) return 'invalid';
    if (issuedTo !== undefined && !ISSUEE.test(issuedTo)) return 'invalid';
    const expected = Buffer.from(this.sign(faxId, Number(expires), issuedTo), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return 'invalid';
    return Number(expires) * 1000 <= this.clock.now().getTime() ? 'expired' : 'valid';
  }

  private sign(faxId: string, expires: number, issuedTo?: string): string {
    const message = issuedTo === undefined ? `${faxId}.${expires}` : `${faxId}.${expires}.${issuedTo}`;
    return createHmac('sha256', this.key).update(message).digest('hex');
  }
}
