// Fax numbers per external user: provision (idempotent per user), list, get and release. The
// partner's externalUserId is the only identity their users have here (shadow users).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listPage } from '../http/pagination.ts';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import {
  FaxNumberPageSchema,
  FaxNumberSchema,
  NumberListQuerySchema,
  NumberUserParamsSchema,
  ProvisionNumberSchema,
} from './number-schema.ts';

export const numberRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { numbers } = app.services;

  app.post(
    '/numbers',
    {
      config: { permission: 'numbers:manage' },
      schema: {
        tags: ['Numbers'],
        summary: 'Provision a fax number for a user',
        description:
          'Creates the shadow user on first use and assigns a dedicated DID. Repeating the call for a user who already has an active number returns that number with 200.',
        body: ProvisionNumberSchema,
        response: {
          200: FaxNumberSchema,
          201: FaxNumberSchema,
          ...problemResponses(400, 401, 409, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const { externalUserId, tier, areaCode } = request.body;
      const { number, created } = numbers.provision(partnerId(request), externalUserId, tier, areaCode);
      if (created) request.log.info({ numberId: number.id, tier }, 'number provisioned');
      return reply.code(created ? 201 : 200).send(number);
    },
  );

  app.get(
    '/numbers',
    {
      config: { permission: 'numbers:read' },
      schema: {
        tags: ['Numbers'],
        summary: 'List numbers, newest first',
        querystring: NumberListQuerySchema,
        response: { 200: FaxNumberPageSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) =>
      listPage(request.query, (window) =>
        numbers.list(partnerId(request), { ...window, status: request.query.status, q: request.query.q }),
      ),
  );

  app.get(
    '/numbers/:externalUserId',
    {
      config: { permission: 'numbers:read' },
      schema: {
        tags: ['Numbers'],
        summary: "Get a user's active number",
        params: NumberUserParamsSchema,
        response: { 200: FaxNumberSchema, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const number = numbers.activeFor(partnerId(request), request.params.externalUserId);
      if (!number) throw notFound(request.params.externalUserId);
      return number;
    },
  );

  app.delete(
    '/numbers/:externalUserId',
    {
      config: { permission: 'numbers:manage' },
      schema: {
        tags: ['Numbers'],
        summary: "Release a user's number",
        description:
          'Inbound calls to the number stop at once. The DID is quarantined before it can go to anyone else; billing stops after the current month.',
        params: NumberUserParamsSchema,
        response: { 200: FaxNumberSchema, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const number = numbers.release(partnerId(request), request.params.externalUserId);
      if (!number) throw notFound(request.params.externalUserId);
      request.log.info({ numberId: number.id }, 'number released');
      return number;
    },
  );
};

function notFound(externalUserId: string): Problem {
  return Problem.notFound('number_not_found', `User ${JSON.stringify(externalUserId)} has no active number.`);
}
