// The bodies of the events partners receive, once: TypeBox schemas that type the senders
// (webhook-event.ts) and document each event under OpenAPI 3.1's `webhooks`. Every body is one flat
// JSON object: the envelope (`id`, `event`, `createdAt`) followed by the event's own fields.

import { type Static, type TObject, Type } from 'typebox';
import { nullable, Timestamp } from '../http/schema.ts';

const FaxEventBase = {
  externalUserId: Type.String(),
  faxId: Type.String(),
  from: Type.String({ description: 'E.164; empty when the caller withheld its number' }),
  to: Type.String({ description: 'E.164' }),
  pages: Type.Integer(),
};

export const FaxReceivedPayloadSchema = Type.Object({
  ...FaxEventBase,
  partial: Type.Boolean({
    description:
      'True when the call ended before the whole document arrived (the sender hung up, the line dropped, or the appliance restarted during the call): the fax holds the pages confirmed to the sender',
  }),
  pagesConfirmed: Type.Integer({
    description: 'Pages the appliance confirmed to the sender (MCF): every one is in the fax and its PDF',
  }),
  ocrText: Type.String(),
  pdfUrl: Type.String({ description: 'Signed, time-limited download link' }),
  pdfUrlExpiresAt: Timestamp,
});

export const FieldEvidenceSchema = Type.Object({
  page: Type.Integer({ description: '1-based page number' }),
  span: Type.Object(
    { start: Type.Integer(), end: Type.Integer(), text: Type.String() },
    { description: "Offsets into that page's OCR text and the text between them" },
  ),
  bbox: nullable(
    Type.Object(
      { x0: Type.Number(), y0: Type.Number(), x1: Type.Number(), y1: Type.Number() },
      { description: 'Pixels on the page image as received (origin top-left); null without OCR word boxes' },
    ),
  ),
  confidence: Type.Number({
    description:
      "0–1, calibrated on the blind corpus's development half: the share of values at that confidence that were right there",
  }),
});

export const FaxExtractedPayloadSchema = Type.Object({
  ...FaxReceivedPayloadSchema.properties,
  extractedData: Type.Record(Type.String(), Type.Unknown(), {
    description: "Shaped exactly like the partner's extraction schema; missing fields are null",
  }),
  evidence: Type.Record(Type.String(), FieldEvidenceSchema, {
    description: 'Per non-null value, keyed by field path: `dob`, `patient.name`, `lineItems[0].amount`',
  }),
  needsReview: Type.Array(Type.String(), {
    description:
      "Field paths a person should check: values below the partner's `reviewThreshold`, and every empty field when nothing could be read or the time budget ran out",
  }),
});

export const OutboundFaxPayloadSchema = Type.Object({
  ...FaxEventBase,
  status: Type.Union([Type.Literal('sending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempt: Type.Optional(Type.Integer({ description: 'Call attempt this event is about (1 for the first)' })),
  pagesDelivered: Type.Optional(Type.Integer({ description: 'Pages the far end confirmed so far' })),
  failureCode: Type.Optional(nullable(Type.String({ description: "API.md's failure vocabulary" }))),
  failureDetail: Type.Optional(nullable(Type.String())),
  retryable: Type.Optional(nullable(Type.Boolean())),
  t30Code: Type.Optional(nullable(Type.Integer())),
  t30Text: Type.Optional(nullable(Type.String())),
});

export const WebhookTestPayloadSchema = Type.Object({ message: Type.String() });

export type FaxReceivedPayload = Static<typeof FaxReceivedPayloadSchema>;
export type FieldEvidence = Static<typeof FieldEvidenceSchema>;
export type FaxExtractedPayload = Static<typeof FaxExtractedPayloadSchema>;
export type OutboundFaxPayload = Static<typeof OutboundFaxPayloadSchema>;
export type WebhookTestPayload = Static<typeof WebhookTestPayloadSchema>;

const EVENTS: Record<string, { payload: TObject; summary: string }> = {
  'fax.received': {
    payload: FaxReceivedPayloadSchema,
    summary: 'An inbound fax, OCR done (partial: the call ended early; the confirmed pages are in it)',
  },
  'fax.extracted': {
    payload: FaxExtractedPayloadSchema,
    summary: "Data extracted to the partner's schema, with evidence",
  },
  'fax.sending': { payload: OutboundFaxPayloadSchema, summary: 'An outbound fax call attempt started' },
  'fax.delivered': { payload: OutboundFaxPayloadSchema, summary: 'Every page of an outbound fax confirmed' },
  'fax.failed': { payload: OutboundFaxPayloadSchema, summary: 'An outbound fax ended without delivery' },
  'webhook.test': { payload: WebhookTestPayloadSchema, summary: 'Sent by POST /api/partner/webhooks/test' },
};

/** OpenAPI 3.1 `webhooks`: one POST per event with its body (envelope and fields). */
export function openApiWebhooks() {
  return Object.fromEntries(
    Object.entries(EVENTS).map(([event, { payload, summary }]) => [
      event,
      {
        post: {
          summary,
          description: 'Signed as docs/webhooks.md describes; answer 2xx within 10 s; deduplicate on `id`.',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: Type.Object({
                  id: Type.String({
                    description: 'The event id (also `webhook-id`): the same on every retry',
                  }),
                  event: Type.Literal(event),
                  createdAt: Timestamp,
                  ...payload.properties,
                }),
              },
            },
          },
          responses: { '2XX': { description: 'Received' } },
        },
      },
    ]),
  );
}
