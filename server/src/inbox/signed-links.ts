// Time-limited download links for fax PDFs: `/files/faxes/{id}.pdf?expires=<unix s>&sig=<hex>`,
// the signature an HMAC-SHA256 over "<faxId>.<expires>" with a key derived from the master key.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';

export interface SignedLink {
  url: string;
  expiresAt: string;
}

export type LinkCheck = 'valid' | 'expired' | 'invalid';

export class SignedPdfLinks {
  constructor(
    private readonly key: Buffer,
    private readonly publicUrl: string,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {}

  /** A fresh link for `faxId`, valid for the configured TTL. */
  create(faxId: string): SignedLink {
    const expires = Math.floor(this.clock.now().getTime() / 1000) + this.ttlSeconds;
    const query = new URLSearchParams({ expires: String(expires), sig: this.sign(faxId, expires) });
    return {
      url: `${this.publicUrl}/files/faxes/${encodeURIComponent(faxId)}.pdf?${query}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /** An altered id, expiry or signature is `invalid`; a genuine but old link is `expired`. */
  check(faxId: string, expires: string | undefined, sig: string | undefined): LinkCheck {
    if (!expires || !sig || !/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(sig)) return 'invalid';
    const expected = Buffer.from(this.sign(faxId, Number(expires)), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return 'invalid';
    return Number(expires) * 1000 <= this.clock.now().getTime() ? 'expired' : 'valid';
  }

  private sign(faxId: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${faxId}.${expires}`).digest('hex');
  }
}
