// Liveness (`/healthz`: the process answers), readiness (`/readyz`: the database answers and is
// migrated) and Prometheus metrics (`/metrics`).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { NODE_ROLES } from '../config/config.ts';
import { isDatabaseUnavailable, listMigrations, schemaVersion } from '../storage/database.ts';
import { DATABASE_RETRY_AFTER_SECONDS } from './errors.ts';
import { literals } from './schema.ts';

/** Which node answered, for load balancers and operators looking at a cluster. */
const NodeIdentity = Type.Object({
  name: Type.String(),
  roles: Type.Array(literals(...NODE_ROLES)),
  /** The singleton roles this node runs now (month close, retention purge, trunk registration). */
  singletons: Type.Array(Type.String()),
});

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const identity = () => ({
    name: app.services.config.nodeName,
    roles: app.services.config.nodeRoles,
    singletons: app.services.running.singletons?.held() ?? [],
  });

  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Health'],
        summary: 'Liveness',
        response: { 200: Type.Object({ status: Type.Literal('ok'), node: NodeIdentity }) },
      },
    },
    async () => ({ status: 'ok' as const, node: identity() }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Health'],
        summary: 'Readiness: database reachable and migrated',
        response: {
          200: Type.Object({ status: Type.String(), schemaVersion: Type.Integer(), node: NodeIdentity }),
          503: Type.Object({
            status: Type.String(),
            schemaVersion: Type.Integer(),
            detail: Type.String(),
            node: NodeIdentity,
          }),
        },
      },
    },
    async (_request, reply) => {
      const latest = listMigrations().at(-1)?.version ?? 0;
      let current: number;
      try {
        current = schemaVersion(app.services.db);
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        // A load balancer takes the node out of rotation until its database answers again.
        return reply
          .code(503)
          .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
          .send({ status: 'not_ready', schemaVersion: 0, detail: 'database unreachable', node: identity() });
      }
      if (current < latest) {
        return reply.code(503).send({
          status: 'not_ready',
          schemaVersion: current,
          detail: `migrations pending up to ${latest}`,
          node: identity(),
        });
      }
      return { status: 'ready', schemaVersion: current, node: identity() };
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
