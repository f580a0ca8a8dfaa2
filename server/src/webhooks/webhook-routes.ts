// The partner's view of webhook delivery: the delivery log with every attempt, replay of a delivery
// (same event id, fresh attempt cycle), and a `webhook.test` event to check an endpoint.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { problemResponses } from '../http/problem.ts';
import { Page, PageQuery } from '../http/schema.ts';
import { DeliverySchema, DeliveryStatusSchema } from './delivery-schema.ts';
import { deliveryNotFound } from './outbox.ts';

const DeliveryParams = Type.Object({ id: Type.String({ pattern: '^dlv_[0-9a-z]{26}$' }) });

export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { outbox, deliveries } = app.services.webhooks;

  app.get(
    '/webhooks/deliveries',
    {
      config: { permission: 'developers:manage' },
      schema: {
        tags: ['Webhooks'],
        summary: 'List webhook deliveries, newest first, with their attempts',
        querystring: Type.Object(
          { ...PageQuery, status: Type.Optional(DeliveryStatusSchema) },
          { additionalProperties: false },
        ),
        response: {
          200: Page(DeliverySchema),
          ...problemResponses(400, 401, 429),
        },
      },
    },
    async (request) => {
      return listPage(request.query, (window) =>
        deliveries.list(partnerId(request), { ...window, status: request.query.status }),
      );
    },
  );

  app.get(
    '/webhooks/deliveries/:id',
    {
      config: { permission: 'developers:manage' },
      schema: {
        tags: ['Webhooks'],
        summary: 'Get one delivery with its attempts',
        params: DeliveryParams,
        response: { 200: DeliverySchema, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const delivery = deliveries.get(partnerId(request), request.params.id);
      if (!delivery) throw deliveryNotFound(request.params.id);
      return delivery;
    },
  );

  app.post(
    '/webhooks/deliveries/:id/replay',
    {
      config: { permission: 'developers:manage' },
      schema: {
        tags: ['Webhooks'],
        summary: 'Replay a delivery',
        description:
          'Sends the same event (same `id`, same body, fresh signature) again as a new delivery with its own attempts and retries, to the URL the event would go to now.',
        params: DeliveryParams,
        response: { 202: DeliverySchema, ...problemResponses(400, 401, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const delivery = outbox.replay(partnerId(request), request.params.id);
      request.log.info({ deliveryId: delivery.id, replayOf: request.params.id }, 'webhook delivery replayed');
      return reply.code(202).send(delivery);
    },
  );

  app.post(
    '/webhooks/test',
    {
      config: { permission: 'developers:manage' },
      schema: {
        tags: ['Webhooks'],
        summary: 'Send a webhook.test event',
        description:
          'Queues a signed `webhook.test` event to your webhook URL, delivered and retried like any other. Without a webhook URL the delivery is recorded as skipped.',
        response: { 202: DeliverySchema, ...problemResponses(401, 429) },
      },
    },
    async (request, reply) => {
      const id = partnerId(request);
      const { deliveryId } = outbox.enqueue(id, 'webhook.test', {
        message: 'Test event from FaxSeal: your endpoint is wired up.',
      });
      return reply.code(202).send(deliveries.get(id, deliveryId)!);
    },
  );
};
