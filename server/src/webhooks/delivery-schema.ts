// A webhook delivery as the partner API shows it (GET /webhooks/deliveries…): one event sent to one
// URL, with every attempt. The outbox repository returns exactly these types.

import { type Static, Type } from 'typebox';
import { literals, nullable, Timestamp } from '../http/schema.ts';

export const DeliveryStatusSchema = Type.Union(
  [
    Type.Literal('pending'),
    Type.Literal('delivering'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
    Type.Literal('skipped'),
  ],
  { description: 'pending: waiting for its next attempt; skipped: no webhook URL was configured' },
);

export const AttemptSchema = Type.Object({
  number: Type.Integer({ minimum: 1 }),
  startedAt: Timestamp,
  statusCode: nullable(Type.Integer({ description: 'HTTP status your endpoint answered; null if none' })),
  latencyMs: Type.Integer(),
  error: nullable(
    Type.String({ description: 'Why the attempt failed (timeout, connection error, non-2xx…)' }),
  ),
  responseExcerpt: nullable(Type.String({ description: 'The start of your response body' })),
});

export const DeliverySchema = Type.Object({
  id: Type.String(),
  eventId: Type.String({
    description: 'The event id: the same on every attempt and replay (deduplicate on it)',
  }),
  event: literals(
    'fax.received',
    'fax.extracted',
    'fax.sending',
    'fax.delivered',
    'fax.failed',
    'webhook.test',
  ),
  url: nullable(Type.String()),
  status: DeliveryStatusSchema,
  reason: nullable(Type.String({ description: '`no_endpoint` when skipped' })),
  attemptCount: Type.Integer(),
  nextAttemptAt: nullable(Timestamp),
  lastStatusCode: nullable(Type.Integer()),
  lastError: nullable(Type.String()),
  lastLatencyMs: nullable(Type.Integer()),
  replayOf: nullable(Type.String({ description: 'The delivery this one replays' })),
  createdAt: Timestamp,
  completedAt: nullable(Timestamp),
  attempts: Type.Array(AttemptSchema),
});

export type DeliveryStatus = Static<typeof DeliveryStatusSchema>;
export type Attempt = Static<typeof AttemptSchema>;
export type Delivery = Static<typeof DeliverySchema>;

/** The request a delivery sends: the event body exactly as signed (fax content withheld from roles without inbox access). */
export const DeliveryRequestSchema = Type.Object({
  deliveryId: Type.String(),
  url: nullable(Type.String()),
  body: Type.Record(Type.String(), Type.Unknown()),
  contentWithheld: Type.Boolean({
    description: 'ocrText, extractedData and evidence removed: no inbox:read',
  }),
});
export type DeliveryRequest = Static<typeof DeliveryRequestSchema>;

/** Is the webhook working? What the dashboard shows instead of "configured". */
export const WebhookHealthSchema = Type.Object({
  webhookUrl: nullable(Type.String()),
  state: literals('not_configured', 'healthy', 'failing', 'no_deliveries_yet'),
  lastSuccessAt: nullable(Timestamp),
  lastFailureAt: nullable(Timestamp),
  lastError: nullable(Type.String()),
  failed: Type.Integer({ description: 'Deliveries that gave up in the last 7 days' }),
  retrying: Type.Integer({ description: 'Deliveries waiting for a retry after a failed attempt' }),
});
export type WebhookHealth = Static<typeof WebhookHealthSchema>;
