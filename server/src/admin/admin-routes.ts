// The operator's admin API (the desktop console uses it): DID pool, partners and key limits.
// Registered in the composition root's operator scope (`sk_admin_…` tokens); auditors may only read.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { operatorOf, requireOperatorWrite } from '../http/plugins/operator-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { KeyRateLimitPatchSchema, KeyRateLimitSchema } from '../keys/key-schema.ts';
import { importDidCsv } from '../numbers/did-import.ts';
import { DidImportResultSchema, DidListQuerySchema, DidListSchema } from '../numbers/did-schema.ts';
import { PartnerListSchema } from '../partners/partner-schema.ts';

const MAX_CSV_BYTES = 5 * 1024 * 1024;

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { dids, partners, apiKeys } = app.services;

  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  app.get(
    '/dids',
    {
      schema: {
        tags: ['Admin'],
        summary: 'List DIDs in the pool',
        security: [{ adminToken: [] }],
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
      preHandler: requireOperatorWrite,
      schema: {
        tags: ['Admin'],
        summary: 'Import DIDs from CSV',
        description:
          'Body: text/csv whose first column holds US numbers in any common format; a header row is allowed.',
        security: [{ adminToken: [] }],
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
      schema: {
        tags: ['Admin'],
        summary: 'List partners',
        security: [{ adminToken: [] }],
        response: { 200: PartnerListSchema, ...problemResponses(401) },
      },
    },
    async () => ({ items: partners.list() }),
  );

  app.patch(
    '/keys/:id',
    {
      preHandler: requireOperatorWrite,
      schema: {
        tags: ['Admin'],
        summary: "Set a partner key's rate limit",
        description:
          'null restores the appliance default (60/min). Used for load tests and trusted integrations.',
        security: [{ adminToken: [] }],
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
