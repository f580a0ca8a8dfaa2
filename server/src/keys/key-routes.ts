// Partner API keys: list, create (the secret is returned once) and revoke. A partner may hold
// several live keys, which is how rotation works: create the new key, deploy it, revoke the old.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import type { ApiKeyRecord } from './api-key-repository.ts';
import {
  ApiKeyListSchema,
  ApiKeySchema,
  CreateApiKeySchema,
  CreatedApiKeySchema,
  KeyIdParamsSchema,
} from './key-schema.ts';

export const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Who created or revoked which key goes to the audit trail (the acting key may be another one).
  const audit = (request: FastifyRequest, action: 'key.created' | 'key.revoked', key: ApiKeyRecord) =>
    app.services.audit.record({
      actorType: 'partner_key',
      actorId: request.apiKey!.id,
      partnerId: key.partnerId,
      action,
      targetType: 'api_key',
      targetId: key.id,
    });

  app.get(
    '/keys',
    {
      schema: {
        tags: ['Keys'],
        summary: 'List API keys',
        security: [{ partnerKey: [] }],
        response: { 200: ApiKeyListSchema, ...problemResponses(401, 429) },
      },
    },
    async (request) => ({ items: app.services.apiKeys.list(partnerId(request)) }),
  );

  app.post(
    '/keys',
    {
      schema: {
        tags: ['Keys'],
        summary: 'Create an API key',
        description: 'The response carries the whole key once; only a hash is stored.',
        security: [{ partnerKey: [] }],
        body: CreateApiKeySchema,
        response: { 201: CreatedApiKeySchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { key, secret } = app.services.apiKeys.create(
        partnerId(request),
        request.body?.name ?? 'API key',
      );
      request.log.info({ keyId: key.id }, 'partner key created');
      audit(request, 'key.created', key);
      return reply.code(201).send({ ...key, apiKey: secret });
    },
  );

  app.delete(
    '/keys/:id',
    {
      schema: {
        tags: ['Keys'],
        summary: 'Revoke an API key (takes effect at once)',
        security: [{ partnerKey: [] }],
        params: KeyIdParamsSchema,
        response: { 200: ApiKeySchema, ...problemResponses(401, 404, 429) },
      },
    },
    async (request) => {
      const key = app.services.apiKeys.revoke(partnerId(request), request.params.id);
      if (!key) throw Problem.notFound('key_not_found', `No key ${request.params.id} in this account.`);
      request.log.info({ keyId: key.id }, 'partner key revoked');
      audit(request, 'key.revoked', key);
      return key;
    },
  );
};
