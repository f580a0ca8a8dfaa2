// Admin view of extraction: the GGUF models in models/ (catalog entries and stray files, with their
// checksum status) and the provider this appliance runs, with its settings (secrets hidden).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { problemResponses } from '../http/problem.ts';
import { modelStoreFor, resolveActiveProvider } from './active-provider.ts';
import type { ModelListing } from './model-catalog.ts';
import { ModelsSchema } from './model-schema.ts';

export const modelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/models',
    {
      config: { operatorPermission: 'admin:read' },
      schema: {
        tags: ['Admin'],
        summary: 'Extraction models and the active provider',
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
          200: ModelsSchema,
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
