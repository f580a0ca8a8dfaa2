// Fax numbers per external user: provision (idempotent per user), list, get and release. The
// partner's externalUserId is the only identity their users have here (shadow users).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { ExternalUserId, NextCursor, PageQuery } from '../http/schema.ts';
import type { FaxNumber } from './number-repository.ts';
import { TIERS } from './tiers.ts';

export const NumberSchema = Type.Object({
  id: Type.String(),
  externalUserId: Type.String(),
  number: Type.String({ description: 'E.164, e.g. +12125550123' }),
  tier: Type.Union([Type.Literal('personal'), Type.Literal('business')]),
  status: Type.Union([Type.Literal('active'), Type.Literal('released')]),
  inboundPagesPerMonth: Type.Integer({ description: 'Page allowance of the tier' }),
  maxRetentionDays: Type.Integer({ description: 'Longest retention the tier allows' }),
  createdAt: Type.String({ format: 'date-time' }),
  releasedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const view = (n: FaxNumber) => ({
  id: n.id,
  externalUserId: n.externalUserId,
  number: n.number,
  tier: n.tier,
  status: n.status,
  inboundPagesPerMonth: TIERS[n.tier].inboundPagesPerMonth,
  maxRetentionDays: TIERS[n.tier].maxRetentionDays,
  createdAt: n.createdAt,
  releasedAt: n.releasedAt,
});

const UserParams = Type.Object({ externalUserId: ExternalUserId });

export const numberRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { numbers } = app.services;

  app.post(
    '/numbers',
    {
      schema: {
        tags: ['Numbers'],
        summary: 'Provision a fax number for a user',
        description:
          'Creates the shadow user on first use and assigns a dedicated DID. Repeating the call for a user who already has an active number returns that number with 200.',
        security: [{ partnerKey: [] }],
        body: Type.Object(
          {
            externalUserId: ExternalUserId,
            tier: Type.Union([Type.Literal('personal'), Type.Literal('business')], {
              description:
                'personal: $2.50/month, 200 pages, 60-day retention; business: $7.50/month, 1,000 pages, 180 days',
            }),
            areaCode: Type.Optional(
              Type.String({ pattern: '^[2-9][0-9]{2}$', description: 'Preferred US area code' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: NumberSchema,
          201: NumberSchema,
          ...problemResponses(400, 401, 409, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const { externalUserId, tier, areaCode } = request.body;
      const { number, created } = numbers.provision(partnerId(request), externalUserId, tier, areaCode);
      if (created) request.log.info({ numberId: number.id, tier }, 'number provisioned');
      return reply.code(created ? 201 : 200).send(view(number));
    },
  );

  app.get(
    '/numbers',
    {
      schema: {
        tags: ['Numbers'],
        summary: 'List numbers, newest first',
        security: [{ partnerKey: [] }],
        querystring: Type.Object(
          {
            ...PageQuery,
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('released')])),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(NumberSchema), nextCursor: NextCursor }),
          ...problemResponses(400, 401, 429),
        },
      },
    },
    async (request) => {
      const { items, nextCursor } = listPage(request.query, (window) =>
        numbers.list(partnerId(request), { ...window, status: request.query.status }),
      );
      return { items: items.map(view), nextCursor };
    },
  );

  app.get(
    '/numbers/:externalUserId',
    {
      schema: {
        tags: ['Numbers'],
        summary: "Get a user's active number",
        security: [{ partnerKey: [] }],
        params: UserParams,
        response: { 200: NumberSchema, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const number = numbers.activeFor(partnerId(request), request.params.externalUserId);
      if (!number) throw notFound(request.params.externalUserId);
      return view(number);
    },
  );

  app.delete(
    '/numbers/:externalUserId',
    {
      schema: {
        tags: ['Numbers'],
        summary: "Release a user's number",
        description:
          'Inbound calls to the number stop at once. The DID is quarantined before it can go to anyone else; billing stops after the current month.',
        security: [{ partnerKey: [] }],
        params: UserParams,
        response: { 200: NumberSchema, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const number = numbers.release(partnerId(request), request.params.externalUserId);
      if (!number) throw notFound(request.params.externalUserId);
      request.log.info({ numberId: number.id }, 'number released');
      return view(number);
    },
  );
};

function notFound(externalUserId: string): Problem {
  return Problem.notFound('number_not_found', `User ${JSON.stringify(externalUserId)} has no active number.`);
}
