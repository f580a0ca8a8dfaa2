// The events partners receive and how their bodies are built and serialised. The shapes are in
// webhook-event-schema.ts; every body is the envelope (`id`, `event`, `createdAt`) and the event's fields.

import type {
  FaxExtractedPayload,
  FaxReceivedPayload,
  OutboundFaxPayload,
  WebhookTestPayload,
} from './webhook-event-schema.ts';

export type {
  FaxExtractedPayload,
  FaxReceivedPayload,
  FieldEvidence,
  OutboundFaxPayload,
  WebhookTestPayload,
} from './webhook-event-schema.ts';

export interface WebhookEventPayloads {
  'fax.received': FaxReceivedPayload;
  'fax.extracted': FaxExtractedPayload;
  'fax.sending': OutboundFaxPayload;
  'fax.delivered': OutboundFaxPayload;
  'fax.failed': OutboundFaxPayload;
  'webhook.test': WebhookTestPayload;
}

export type WebhookEventType = keyof WebhookEventPayloads;

/**
 * The `fax.received` body of a fax: sender, pages (and whether the call ended early), full OCR text
 * and a time-limited PDF link. `fax.extracted` extends the same body, so its sender builds on this too.
 */
export function faxReceivedPayload(
  fax: { id: string; status: string; from: string | null; to: string | null; pages: number },
  externalUserId: string,
  ocrText: string,
  link: { url: string; expiresAt: string },
): FaxReceivedPayload {
  return {
    externalUserId,
    faxId: fax.id,
    // A caller that withheld its number (anonymous) has no E.164 to give.
    from: fax.from ?? '',
    to: fax.to ?? '',
    pages: fax.pages,
    partial: fax.status === 'partial',
    // Every page stored is one the sender got an MCF for (and none was confirmed before it was stored).
    pagesConfirmed: fax.pages,
    ocrText,
    pdfUrl: link.url,
    pdfUrlExpiresAt: link.expiresAt,
  };
}

/** Serialises the body once; the same bytes are sent (and signed) on every attempt. */
export function webhookBody<E extends WebhookEventType>(
  id: string,
  event: E,
  createdAt: string,
  payload: WebhookEventPayloads[E],
): string {
  return JSON.stringify({ id, event, createdAt, ...payload });
}
