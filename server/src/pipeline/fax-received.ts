// The `fax.received` body of a fax (API.md "Webhooks"): sender, pages, full OCR text and a
// time-limited PDF link. `fax.extracted` extends the same body, so its sender builds on this too.

import type { Fax } from '../faxes/fax-repository.ts';
import type { SignedLink } from '../inbox/signed-links.ts';
import type { FaxReceivedPayload } from '../webhooks/webhook-event.ts';

export function faxReceivedPayload(
  fax: Pick<Fax, 'id' | 'from' | 'to' | 'pages'>,
  externalUserId: string,
  ocrText: string,
  link: SignedLink,
): FaxReceivedPayload {
  return {
    externalUserId,
    faxId: fax.id,
    // A caller that withheld its number (anonymous) has no E.164 to give.
    from: fax.from ?? '',
    to: fax.to ?? '',
    pages: fax.pages,
    ocrText,
    pdfUrl: link.url,
    pdfUrlExpiresAt: link.expiresAt,
  };
}
