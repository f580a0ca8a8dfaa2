// The partner's view of webhook delivery: the delivery log with every attempt, replay of a delivery
// (same event id, fresh attempt cycle), and a `webhook.test` event to check an endpoint.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { auditActor, partnerCaller, partnerId } from '../http/plugins/partner-auth.ts';
import { problemResponses } from '../http/problem.ts';
import { Page, PageQuery } from '../http/schema.ts';
import {
  DeliveryRequestSchema,
  DeliverySchema,
  DeliveryStatusSchema,
  type WebhookHealth,
  WebhookHealthSchema,
} from './delivery-schema.ts';
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

  app.get(
    '/webhooks/deliveries/:id/request',
    {
      config: { permission: 'developers:manage' },
      schema: {
        tags: ['Webhooks'],
        summary: 'The request a delivery sends: the event body as signed',
        description:
          'Fax content (`ocrText`, `extractedData`, `evidence`) is withheld unless the caller may read the inbox.',
        security: [{ partnerKey: [] }],
        params: DeliveryParams,
        response: { 200: DeliveryRequestSchema, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const id = partnerId(request);
      const delivery = deliveries.get(id, request.params.id);
      const raw = delivery && deliveries.requestBody(id, request.params.id);
      if (!delivery || raw === null) throw deliveryNotFound(request.params.id);
      const body = JSON.parse(raw) as Record<string, unknown>;
      // The delivery log is a developer's page; the fax content in a request body is the inbox's.
      const withhold = !partnerCaller(request).permissions.includes('inbox:read');
      if (withhold) for (const field of ['ocrText', 'extractedData', 'evidence']) delete body[field];
      else if ('ocrText' in body)
        app.services.audit.record({
          ...auditActor(request),
          action: 'fax.content_read',
          targetType: 'fax',
          targetId: typeof body.faxId === 'string' ? body.faxId : undefined,
          details: { via: 'delivery_request', deliveryId: delivery.id },
        });
      return { deliveryId: delivery.id, url: delivery.url, body, contentWithheld: withhold };
    },
  );

  app.get(
    '/webhooks/health',
    {
      config: { permission: 'usage:read' },
      schema: {
        tags: ['Webhooks'],
        summary: 'Is the webhook working: last success, failing and retrying deliveries',
        security: [{ partnerKey: [] }],
        response: { 200: WebhookHealthSchema, ...problemResponses(401, 429) },
      },
    },
    async (request): Promise<WebhookHealth> => {
      const id = partnerId(request);
      const webhookUrl = app.services.settings.get(id).webhookUrl;
      const weekAgo = new Date(app.services.clock.now().getTime() - 7 * 86_400_000).toISOString();
      const health = deliveries.health(id, weekAgo);
      const failingNow =
        health.retrying > 0 ||
        (health.lastFailureAt !== null && (health.lastSuccessAt ?? '') < health.lastFailureAt);
      const state = !webhookUrl
        ? 'not_configured'
        : failingNow
          ? 'failing'
          : health.lastSuccessAt
            ? 'healthy'
            : 'no_deliveries_yet';
      return { webhookUrl, state, ...health };
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
