// The partner's view of webhook delivery: the delivery log with every attempt, replay of a delivery
// (same event id, fresh attempt cycle), and a `webhook.test` event to check an endpoint.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { NextCursor, nullable, PageQuery } from '../http/schema.ts';
import type { Delivery } from './outbox.ts';

const DeliveryStatusSchema = Type.Union(
  [
    Type.Literal('pending'),
    Type.Literal('delivering'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
    Type.Literal('skipped'),
  ],
  { description: 'pending: waiting for its next attempt; skipped: no webhook URL was configured' },
);

const AttemptSchema = Type.Object({
  number: Type.Integer({ minimum: 1 }),
  startedAt: Type.String({ format: 'date-time' }),
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
  event: Type.Union([
    Type.Literal('fax.received'),
    Type.Literal('fax.extracted'),
    Type.Literal('fax.sending'),
    Type.Literal('fax.delivered'),
    Type.Literal('fax.failed'),
    Type.Literal('webhook.test'),
  ]),
  url: nullable(Type.String()),
  status: DeliveryStatusSchema,
  reason: nullable(Type.String({ description: '`no_endpoint` when skipped' })),
  attemptCount: Type.Integer(),
  nextAttemptAt: nullable(Type.String({ format: 'date-time' })),
  lastStatusCode: nullable(Type.Integer()),
  lastError: nullable(Type.String()),
  lastLatencyMs: nullable(Type.Integer()),
  replayOf: nullable(Type.String({ description: 'The delivery this one replays' })),
  createdAt: Type.String({ format: 'date-time' }),
  completedAt: nullable(Type.String({ format: 'date-time' })),
  attempts: Type.Array(AttemptSchema),
});

const DeliveryParams = Type.Object({ id: Type.String({ pattern: '^dlv_[0-9a-z]{26}$' }) });

const view = (d: Delivery) => ({ ...d, event: d.eventType });

export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { outbox } = app.services.webhooks;

  app.get(
    '/webhooks/deliveries',
    {
      schema: {
        tags: ['Webhooks'],
        summary: 'List webhook deliveries, newest first, with their attempts',
        security: [{ partnerKey: [] }],
        querystring: Type.Object(
          { ...PageQuery, status: Type.Optional(DeliveryStatusSchema) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(DeliverySchema), nextCursor: NextCursor }),
          ...problemResponses(400, 401, 429),
        },
      },
    },
    async (request) => {
      const { items, nextCursor } = listPage(request.query, (window) =>
        outbox.list(partnerId(request), { ...window, status: request.query.status }),
      );
      return { items: items.map(view), nextCursor };
    },
  );

  app.get(
    '/webhooks/deliveries/:id',
    {
      schema: {
        tags: ['Webhooks'],
        summary: 'Get one delivery with its attempts',
        security: [{ partnerKey: [] }],
        params: DeliveryParams,
        response: { 200: DeliverySchema, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const delivery = outbox.get(partnerId(request), request.params.id);
      if (!delivery) throw notFound(request.params.id);
      return view(delivery);
    },
  );

  app.post(
    '/webhooks/deliveries/:id/replay',
    {
      schema: {
        tags: ['Webhooks'],
        summary: 'Replay a delivery',
        description:
          'Sends the same event (same `id`, same body, fresh signature) again as a new delivery with its own attempts and retries, to the URL the event would go to now.',
        security: [{ partnerKey: [] }],
        params: DeliveryParams,
        response: { 202: DeliverySchema, ...problemResponses(400, 401, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const result = outbox.replay(partnerId(request), request.params.id);
      if (result.ok) {
        request.log.info(
          { deliveryId: result.delivery.id, replayOf: request.params.id },
          'webhook delivery replayed',
        );
        return reply.code(202).send(view(result.delivery));
      }
      switch (result.code) {
        case 'delivery_not_found':
          throw notFound(request.params.id);
        case 'delivery_in_progress':
          throw Problem.conflict(
            result.code,
            'This delivery is still being attempted; replay it once it has succeeded or failed.',
          );
        case 'webhook_url_not_set':
          throw Problem.conflict(result.code, 'Set `webhookUrl` in PATCH /api/partner/settings first.');
      }
    },
  );

  app.post(
    '/webhooks/test',
    {
      schema: {
        tags: ['Webhooks'],
        summary: 'Send a webhook.test event',
        description:
          'Queues a signed `webhook.test` event to your webhook URL, delivered and retried like any other. Without a webhook URL the delivery is recorded as skipped.',
        security: [{ partnerKey: [] }],
        response: { 202: DeliverySchema, ...problemResponses(401, 429) },
      },
    },
    async (request, reply) => {
      const id = partnerId(request);
      const { deliveryId } = outbox.enqueue(id, 'webhook.test', {
        message: 'Test event from FaxSeal: your endpoint is wired up.',
      });
      return reply.code(202).send(view(outbox.get(id, deliveryId)!));
    },
  );
};

function notFound(id: string): Problem {
  return Problem.notFound('delivery_not_found', `No webhook delivery ${id}.`);
}
