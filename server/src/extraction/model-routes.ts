// Admin view of extraction: the GGUF models in models/ (catalog entries and stray files, with their
// checksum status) and the provider this appliance runs, with its settings (secrets hidden).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { problemResponses } from '../http/problem.ts';
import { nullable } from '../http/schema.ts';
import { modelStoreFor, resolveActiveProvider } from './active-provider.ts';
import type { ModelListing } from './model-catalog.ts';

const ModelSchema = Type.Object({
  id: nullable(Type.String({ description: 'Catalog id; null for a file the catalog does not list' })),
  name: Type.String(),
  file: Type.String(),
  path: Type.String(),
  status: Type.Union(
    [
      Type.Literal('verified'),
      Type.Literal('unverified'),
      Type.Literal('uncatalogued'),
      Type.Literal('checksum_mismatch'),
      Type.Literal('missing'),
    ],
    {
      description:
        'verified: sha256 matches the catalog; unverified: not hashed yet, or the catalog has no sha256; uncatalogued: present but not in the catalog; checksum_mismatch: refused by the loader; missing: in the catalog, not on disk',
    },
  ),
  sizeBytes: nullable(Type.Integer()),
  sha256: nullable(Type.String({ description: 'Hash of the file on disk, once computed' })),
  catalog: nullable(
    Type.Object({
      source: Type.String(),
      sizeBytes: Type.Integer(),
      ramBytes: Type.Integer(),
      licence: Type.String(),
      sha256: nullable(Type.String()),
      contextLength: Type.Integer(),
      recommendedFor: Type.Optional(Type.String()),
      tokensPerSecond: Type.Object({
        estimate: Type.Boolean(),
        cores2: Type.Number(),
        cores4: Type.Number(),
        cores8: Type.Number(),
        cores16: Type.Number(),
      }),
    }),
  ),
});

const ProviderSchema = Type.Object({
  name: Type.Union([Type.Literal('rules'), Type.Literal('llama'), Type.Literal('openai-compatible')]),
  chosen: Type.Union([Type.Literal('configured'), Type.Literal('automatic')], {
    description:
      'configured: FAXSEAL_EXTRACTION_PROVIDER; automatic: llama because a model is in models/, else rules (decided at start)',
  }),
  settings: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()]), {
    description: 'Model, threads, server URL…; secrets show only whether they are set',
  }),
});

export const modelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/models',
    {
      schema: {
        tags: ['Admin'],
        summary: 'Extraction models and the active provider',
        security: [{ adminToken: [] }],
        querystring: Type.Object(
          {
            verify: Type.Optional(
              Type.Boolean({
                default: false,
                description: 'Hash every present model now (slow for large files; cached afterwards)',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ provider: ProviderSchema, models: Type.Array(ModelSchema) }),
          ...problemResponses(400, 401),
        },
      },
    },
    async (request) => {
      const store = modelStoreFor(app.services.config);
      let models: ModelListing[] = store.list();
      if (request.query.verify) {
        models = await Promise.all(models.map((m) => (m.status === 'missing' ? m : store.verify(m.path))));
      }
      const { name, chosen, settings } = resolveActiveProvider(app.services.config, store);
      return { provider: { name, chosen, settings }, models };
    },
  );
};
