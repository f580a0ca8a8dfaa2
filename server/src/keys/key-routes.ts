// Partner API keys: list, create (the secret is returned once) and revoke. A partner may hold
// several live keys, which is how rotation works: create the new key, deploy it, revoke the old.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import type { ApiKey } from './api-key-repository.ts';

const KeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it' }),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const view = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
});

export const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/keys',
    {
      schema: {
        tags: ['Keys'],
        summary: 'List API keys',
        security: [{ partnerKey: [] }],
        response: { 200: Type.Object({ items: Type.Array(KeySchema) }), ...problemResponses(401, 429) },
      },
    },
    async (request) => ({ items: app.services.apiKeys.list(partnerId(request)).map(view) }),
  );

  app.post(
    '/keys',
    {
      schema: {
        tags: ['Keys'],
        summary: 'Create an API key',
        description: 'The response carries the whole key once; only a hash is stored.',
        security: [{ partnerKey: [] }],
        body: Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ ...KeySchema.properties, apiKey: Type.String({ description: 'Shown once' }) }),
          ...problemResponses(400, 401, 429),
        },
      },
    },
    async (request, reply) => {
      const { key, secret } = app.services.apiKeys.create(
        partnerId(request),
        request.body?.name ?? 'API key',
      );
      request.log.info({ keyId: key.id }, 'partner key created');
      app.services.audit.record({
        actorType: 'partner_key',
        actorId: request.apiKey!.id,
        partnerId: key.partnerId,
        action: 'key.created',
        targetType: 'api_key',
        targetId: key.id,
      });
      return reply.code(201).send({ ...view(key), apiKey: secret });
    },
  );

  app.delete(
    '/keys/:id',
    {
      schema: {
        tags: ['Keys'],
        summary: 'Revoke an API key (takes effect at once)',
        security: [{ partnerKey: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: KeySchema, ...problemResponses(401, 404, 429) },
      },
    },
    async (request) => {
      const key = app.services.apiKeys.revoke(partnerId(request), request.params.id);
      if (!key) throw Problem.notFound('key_not_found', `No key ${request.params.id} in this account.`);
      request.log.info({ keyId: key.id }, 'partner key revoked');
      app.services.audit.record({
        actorType: 'partner_key',
        actorId: request.apiKey!.id,
        partnerId: key.partnerId,
        action: 'key.revoked',
        targetType: 'api_key',
        targetId: key.id,
      });
      return view(key);
    },
  );
};
