// Credits over HTTP: the partner's balance and credit log, and the operator's grant/adjust endpoint
// (registered in the composition root's operator scope).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { operatorOf } from '../http/plugins/operator-auth.ts';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { LOW_BALANCE_THRESHOLD } from './credit-ledger.ts';
import {
  CreditBalanceSchema,
  CreditEntryPageSchema,
  CreditGrantResultSchema,
  CreditGrantSchema,
  CreditLogQuerySchema,
} from './credit-schema.ts';

export const partnerCreditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { credits } = app.services;

  app.get(
    '/credits',
    {
      config: { permission: 'credits:balance' },
      schema: {
        tags: ['Credits'],
        summary: 'Credit balance',
        response: { 200: CreditBalanceSchema, ...problemResponses(401, 429) },
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
      config: { permission: 'credits:read' },
      schema: {
        tags: ['Credits'],
        summary: 'Credit log, newest first',
        description: 'Every change to the balance with its reason and the balance after it. Append-only.',
        querystring: CreditLogQuerySchema,
        response: { 200: CreditEntryPageSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) =>
      listPage(request.query, (window) =>
        credits.log(partnerId(request), { ...window, faxId: request.query.faxId }),
      ),
  );
};

/** `POST /api/admin/partners/{id}/credits`, in the operator scope. */
export const adminCreditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { credits, partners } = app.services;

  app.post(
    '/partners/:id/credits',
    {
      config: { operatorPermission: 'admin:write' },
      schema: {
        tags: ['Admin'],
        summary: "Grant or adjust a partner's credits",
        description:
          'A positive amount grants credits, a negative one takes them back (never below zero). The reason and note are kept in the credit log.',
        params: Type.Object({ id: Type.String() }),
        body: CreditGrantSchema,
        response: { 201: CreditGrantResultSchema, ...problemResponses(400, 401, 403, 404, 409) },
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
      return reply.code(201).send({ balance: result.balance, entry: result.entry });
    },
  );
};
