// The operator's admin API (the desktop console uses it): DID pool, partners (list, suspend,
// reinstate) and key limits. Registered in the composition root's operator scope; each route
// declares its operator permission.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { operatorOf } from '../http/plugins/operator-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { KeyRateLimitPatchSchema, KeyRateLimitSchema } from '../keys/key-schema.ts';
import { importDidCsv } from '../numbers/did-import.ts';
import { DidImportResultSchema, DidListQuerySchema, DidListSchema } from '../numbers/did-schema.ts';
import { PartnerListSchema, PartnerSchema, SuspensionSchema } from '../partners/partner-schema.ts';

const MAX_CSV_BYTES = 5 * 1024 * 1024;

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { dids, partners, apiKeys, audit, clock, webhooks } = app.services;

  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  app.get(
    '/dids',
    {
      config: { operatorPermission: 'admin:read' },
      schema: {
        tags: ['Admin'],
        summary: 'List DIDs in the pool',
        querystring: DidListQuerySchema,
        response: { 200: DidListSchema, ...problemResponses(400, 401) },
      },
    },
    async (request) => ({
      items: dids.list(
        request.query.status,
        request.query.limit ?? 200,
        request.query.after,
        request.query.q?.replace(/\D/g, ''),
      ),
      stock: dids.stock(),
    }),
  );

  app.post(
    '/dids/import',
    {
      config: { operatorPermission: 'admin:write' },
      schema: {
        tags: ['Admin'],
        summary: 'Import DIDs from CSV',
        description:
          'Body: text/csv whose first column holds US numbers in any common format; a header row is allowed.',
        consumes: ['text/csv'],
        body: Type.String({ maxLength: MAX_CSV_BYTES }),
        response: { 200: DidImportResultSchema, ...problemResponses(400, 401, 403, 415) },
      },
    },
    async (request) => {
      const operator = operatorOf(request);
      const result = importDidCsv(dids, request.body, `import:${operator.username}`);
      request.log.info({ imported: result.imported, skipped: result.skipped.length }, 'DIDs imported');
      app.services.audit.record({
        actorType: 'operator',
        actorId: operator.id,
        action: 'dids.imported',
        details: { imported: result.imported, skipped: result.skipped.length },
      });
      return result;
    },
  );

  app.get(
    '/partners',
    {
      config: { operatorPermission: 'audit:read' },
      schema: {
        tags: ['Admin'],
        summary: 'List partners',
        response: { 200: PartnerListSchema, ...problemResponses(401) },
      },
    },
    async () => ({ items: partners.list() }),
  );

  for (const action of ['suspend', 'reinstate'] as const) {
    app.post(
      `/partners/:id/${action}`,
      {
        config: { operatorPermission: 'admin:write' },
        // The reason is optional, so a bare POST (no body, no content type) is a valid call.
        preValidation: async (request) => {
          request.body ??= {};
        },
        schema: {
          tags: ['Admin'],
          summary: action === 'suspend' ? 'Suspend a partner' : 'Reinstate a suspended partner',
          description:
            action === 'suspend'
              ? "The partner's keys and its members' sessions get 403 `partner_suspended` at once; its webhooks wait (pending, not failed); its inbound faxes are still received and kept."
              : 'Keys and sessions work again and the webhooks that waited are delivered.',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          body: SuspensionSchema,
          response: { 200: PartnerSchema, ...problemResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const partner = partners.get(id);
        if (!partner) throw Problem.notFound('partner_not_found', `No partner ${id}.`);
        const suspending = action === 'suspend';
        const changed = partners.setSuspended(
          id,
          suspending ? { at: clock.now().toISOString(), reason: request.body.reason ?? null } : null,
        );
        if (!changed)
          throw Problem.conflict(
            suspending ? 'partner_already_suspended' : 'partner_not_suspended',
            `Partner ${id} is ${partner.status}.`,
          );
        audit.record({
          actorType: 'operator',
          actorId: operatorOf(request).id,
          partnerId: id,
          action: suspending ? 'partner.suspended' : 'partner.reinstated',
          targetType: 'partner',
          targetId: id,
          details: suspending ? { reason: request.body.reason ?? null } : {},
        });
        request.log.info({ partnerId: id }, suspending ? 'partner suspended' : 'partner reinstated');
        if (!suspending) webhooks.dispatcher.wake();
        return partners.get(id)!;
      },
    );
  }

  app.patch(
    '/keys/:id',
    {
      config: { operatorPermission: 'admin:write' },
      schema: {
        tags: ['Admin'],
        summary: "Set a partner key's rate limit",
        description:
          'null restores the appliance default (60/min). Used for load tests and trusted integrations.',
        params: Type.Object({ id: Type.String() }),
        body: KeyRateLimitPatchSchema,
        response: { 200: KeyRateLimitSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      if (!apiKeys.setRateLimit(request.params.id, request.body.rateLimitPerMinute)) {
        throw Problem.notFound('key_not_found', `No key ${request.params.id}.`);
      }
      return { id: request.params.id, rateLimitPerMinute: request.body.rateLimitPerMinute };
    },
  );
};
