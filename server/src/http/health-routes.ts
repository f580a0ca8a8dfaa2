// Liveness (`/healthz`: the process answers), readiness (`/readyz`: the database answers and is
// migrated) and Prometheus metrics (`/metrics`).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listMigrations, schemaVersion } from '../storage/database.ts';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Health'],
        summary: 'Liveness',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Health'],
        summary: 'Readiness: database reachable and migrated',
        response: {
          200: Type.Object({ status: Type.String(), schemaVersion: Type.Integer() }),
          503: Type.Object({ status: Type.String(), schemaVersion: Type.Integer(), detail: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      const latest = listMigrations().at(-1)?.version ?? 0;
      const current = schemaVersion(app.services.db);
      if (current < latest) {
        return reply.code(503).send({
          status: 'not_ready',
          schemaVersion: current,
          detail: `migrations pending up to ${latest}`,
        });
      }
      return { status: 'ready', schemaVersion: current };
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'public' },
      schema: { tags: ['Health'], summary: 'Prometheus metrics', hide: false },
    },
    async (_request, reply) => {
      reply.type(app.metrics.registry.contentType);
      return app.metrics.registry.metrics();
    },
  );
};
