// Partner API keys: list, create (the secret is returned once) and revoke. A partner may hold
// several live keys, which is how rotation works: create the new key, deploy it, revoke the old.
// A key may be narrowed to scopes, and never holds more than the person or key that created it.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { auditActor, partnerCaller, partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { PARTNER_PERMISSIONS, type PartnerPermission } from '../team/partner-permissions.ts';
import type { ApiKeyRecord } from './api-key-repository.ts';
import {
  ApiKeyListSchema,
  ApiKeySchema,
  CreateApiKeySchema,
  CreatedApiKeySchema,
  KeyIdParamsSchema,
} from './key-schema.ts';

const developers = { permission: 'developers:manage' as const };

export const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Who created or revoked which key goes to the audit trail (the acting key may be another one).
  const audit = (request: FastifyRequest, action: 'key.created' | 'key.revoked', key: ApiKeyRecord) =>
    app.services.audit.record({
      ...auditActor(request),
      action,
      targetType: 'api_key',
      targetId: key.id,
      ...(action === 'key.created' ? { details: { scopes: key.scopes } } : {}),
    });

  app.get(
    '/keys',
    {
      config: developers,
      schema: {
        tags: ['Keys'],
        summary: 'List API keys',
        response: { 200: ApiKeyListSchema, ...problemResponses(401, 403, 429) },
      },
    },
    async (request) => ({ items: app.services.apiKeys.list(partnerId(request)) }),
  );

  app.post(
    '/keys',
    {
      config: developers,
      schema: {
        tags: ['Keys'],
        summary: 'Create an API key',
        description:
          'The response carries the whole key once; only a hash is stored. `scopes` narrows it; without them the key holds whatever its creator holds.',
        body: CreateApiKeySchema,
        response: { 201: CreatedApiKeySchema, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const held = partnerCaller(request).permissions;
      const asked = request.body?.scopes;
      const beyond = asked?.find((scope) => !held.includes(scope));
      if (beyond)
        throw Problem.forbidden(beyond, `A key cannot hold \`${beyond}\`: you do not hold it yourself.`);
      const scopes: PartnerPermission[] | null =
        asked ?? (held.length === PARTNER_PERMISSIONS.length ? null : [...held]);
      const { key, secret } = app.services.apiKeys.create(
        partnerId(request),
        request.body?.name ?? 'API key',
        scopes,
      );
      request.log.info({ keyId: key.id }, 'partner key created');
      audit(request, 'key.created', key);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ...key, apiKey: secret });
    },
  );

  app.delete(
    '/keys/:id',
    {
      config: developers,
      schema: {
        tags: ['Keys'],
        summary: 'Revoke an API key (takes effect at once)',
        params: KeyIdParamsSchema,
        response: { 200: ApiKeySchema, ...problemResponses(401, 403, 404, 429) },
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
