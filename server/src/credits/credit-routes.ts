// Credits over HTTP: the partner's balance and credit log, and the operator's grant/adjust endpoint
// (registered in the composition root's operator scope).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { operatorOf, requireOperatorWrite } from '../http/plugins/operator-auth.ts';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { NextCursor, nullable, PageQuery } from '../http/schema.ts';
import { type CreditEntry, LOW_BALANCE_THRESHOLD } from './credit-ledger.ts';

const BalanceSchema = Type.Object({
  balance: Type.Integer({ description: 'Credits available; 1 credit sends 1 page' }),
  lowBalanceThreshold: Type.Integer({
    description: 'Below this a low-balance email is sent (once per crossing)',
  }),
});

export const CreditEntrySchema = Type.Object({
  id: Type.String(),
  amount: Type.Integer({ description: 'Signed: reservations negative, grants and refunds positive' }),
  balanceAfter: Type.Integer(),
  reason: Type.Union(
    [
      Type.Literal('grant'),
      Type.Literal('adjustment'),
      Type.Literal('purchase'),
      Type.Literal('fax_reservation'),
      Type.Literal('fax_refund'),
    ],
    {
      description:
        'fax_reservation: 1 credit per page at submission; fax_refund: pages not sent, at settlement',
    },
  ),
  faxId: nullable(Type.String()),
  note: nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});

const entryView = (e: CreditEntry) => ({
  id: e.id,
  amount: e.amount,
  balanceAfter: e.balanceAfter,
  reason: e.reason,
  faxId: e.faxId,
  note: e.note,
  createdAt: e.createdAt,
});

export const partnerCreditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { credits } = app.services;

  app.get(
    '/credits',
    {
      schema: {
        tags: ['Credits'],
        summary: 'Credit balance',
        security: [{ partnerKey: [] }],
        response: { 200: BalanceSchema, ...problemResponses(401, 429) },
      },
    },
    async (request) => ({
      balance: credits.balance(partnerId(request)),
      lowBalanceThreshold: LOW_BALANCE_THRESHOLD,
    }),
  );

  app.get(
    '/credits/log',
    {
      schema: {
        tags: ['Credits'],
        summary: 'Credit log, newest first',
        description: 'Every change to the balance with its reason and the balance after it. Append-only.',
        security: [{ partnerKey: [] }],
        querystring: Type.Object(
          { ...PageQuery, faxId: Type.Optional(Type.String({ maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(CreditEntrySchema), nextCursor: NextCursor }),
          ...problemResponses(400, 401, 429),
        },
      },
    },
    async (request) => {
      const { items, nextCursor } = listPage(request.query, (window) =>
        credits.log(partnerId(request), { ...window, faxId: request.query.faxId }),
      );
      return { items: items.map(entryView), nextCursor };
    },
  );
};

/** `POST /api/admin/partners/{id}/credits`, in the operator scope. */
export const adminCreditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { credits, partners } = app.services;

  app.post(
    '/partners/:id/credits',
    {
      preHandler: requireOperatorWrite,
      schema: {
        tags: ['Admin'],
        summary: "Grant or adjust a partner's credits",
        description:
          'A positive amount grants credits, a negative one takes them back (never below zero). The reason and note are kept in the credit log.',
        security: [{ adminToken: [] }],
        params: Type.Object({ id: Type.String() }),
        body: Type.Object(
          {
            amount: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, description: 'Not zero' }),
            reason: Type.Optional(Type.Union([Type.Literal('grant'), Type.Literal('adjustment')])),
            note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ balance: Type.Integer(), entry: CreditEntrySchema }),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      if (!partners.get(request.params.id))
        throw Problem.notFound('partner_not_found', `No partner ${request.params.id}.`);
      const { amount, note } = request.body;
      if (amount === 0) throw Problem.validation([{ field: '/body/amount', message: 'must not be 0' }]);
      const result = credits.apply({
        partnerId: request.params.id,
        amount,
        reason: request.body.reason ?? (amount > 0 ? 'grant' : 'adjustment'),
        note: note ?? null,
        actor: `operator:${operatorOf(request).username}`,
      });
      if (!result.ok) {
        throw Problem.conflict(
          'insufficient_credits',
          `The balance is ${result.balance}; taking ${result.required} would make it negative.`,
          { balance: result.balance },
        );
      }
      request.log.info({ partnerId: request.params.id, amount }, 'credits adjusted by an operator');
      return reply.code(201).send({ balance: result.balance, entry: entryView(result.entry) });
    },
  );
};
