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

/** Where one extracted value was read: the partner can highlight it on the page image. */
export interface FieldEvidence {
  /** 1-based page number. */
  page: number;
  /** Offsets into that page's OCR text and the text between them. */
  span: { start: number; end: number; text: string };
  /** Pixels on the page image as received (origin top-left); null when OCR had no word boxes there. */
  bbox: { x0: number; y0: number; x1: number; y1: number } | null;
  /** 0–1, calibrated: at 0.9 or more, at least 98 % of the blind corpus's development fields were right. */
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
  /** Per non-null value, keyed by field path: `dob`, `patient.name`, `lineItems[0].amount`. */
  evidence: Record<string, FieldEvidence>;
  /**
   * Field paths a person should check: values below the partner's `reviewThreshold`, and every empty
   * field when nothing could be read or the time budget ran out.
   */
  needsReview: string[];
}

/** Outbound fax progress (`fax.sending` once per call attempt, `fax.delivered`, `fax.failed`). */
export interface OutboundFaxPayload extends FaxEventBase {
  status: 'sending' | 'delivered' | 'failed';
  /** Call attempt this event is about (1 for the first call). */
  attempt?: number;
  /** Pages the far end confirmed so far. */
  pagesDelivered?: number;
  /** API.md's failure vocabulary (`busy`, `no_answer`, `transmission_error`, `canceled`…) when failed. */
  failureCode?: string | null;
  failureDetail?: string | null;
  retryable?: boolean | null;
  /** T.30 completion code and text of the last call, when one got as far as fax tones. */
  t30Code?: number | null;
  t30Text?: string | null;
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

/**
 * The `fax.received` body of a fax: sender, pages, full OCR text and a time-limited PDF link.
 * `fax.extracted` extends the same body, so its sender builds on this too.
 */
export function faxReceivedPayload(
  fax: { id: string; from: string | null; to: string | null; pages: number },
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
