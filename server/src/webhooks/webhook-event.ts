// The events partners receive and the shape of their bodies. Every body is one flat JSON object:
// the envelope (`id`, `event`, `createdAt`) followed by the event's own fields, as API.md shows.

export interface FaxEventBase {
  externalUserId: string;
  faxId: string;
  /** E.164 */
  from: string;
  /** E.164 */
  to: string;
  pages: number;
}

export interface FieldEvidence {
  page: number;
  /** The OCR text the value was taken from. */
  text: string;
  confidence: number;
}

export interface FaxReceivedPayload extends FaxEventBase {
  ocrText: string;
  pdfUrl: string;
  pdfUrlExpiresAt: string;
}

export interface FaxExtractedPayload extends FaxReceivedPayload {
  /** Shaped exactly like the partner's extraction schema; missing fields are null. */
  extractedData: Record<string, unknown>;
  evidence: Record<string, FieldEvidence | null>;
}

/** Outbound fax progress (`fax.sending`, `fax.delivered`, `fax.failed`). */
export interface OutboundFaxPayload extends FaxEventBase {
  status: 'sending' | 'delivered' | 'failed';
  /** Named failure cause when status is failed (e.g. `busy`, `no_answer`, `t30_error`). */
  failureReason?: string | null;
  failureDetail?: string | null;
}

export interface WebhookTestPayload {
  message: string;
}

export interface WebhookEventPayloads {
  'fax.received': FaxReceivedPayload;
  'fax.extracted': FaxExtractedPayload;
  'fax.sending': OutboundFaxPayload;
  'fax.delivered': OutboundFaxPayload;
  'fax.failed': OutboundFaxPayload;
  'webhook.test': WebhookTestPayload;
}

export type WebhookEventType = keyof WebhookEventPayloads;

/** Serialises the body once; the same bytes are sent (and signed) on every attempt. */
export function webhookBody<E extends WebhookEventType>(
  id: string,
  event: E,
  createdAt: string,
  payload: WebhookEventPayloads[E],
): string {
  return JSON.stringify({ id, event, createdAt, ...payload });
}
