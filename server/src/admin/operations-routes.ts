// The operator console's live views: who is signed in and with which permissions, the work queues
// and worker pools, the fax calls on the line (a snapshot and a server-sent event stream), and one
// partner in detail.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { operatorOf } from '../http/plugins/operator-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { QueuesSchema } from '../jobs/queue-schema.ts';
import { OperatorAccessSchema } from '../partners/access-schema.ts';
import { type LiveCall, LiveCallListSchema } from '../telephony/live-call-schema.ts';
import { PartnerDetailSchema } from './operations-schema.ts';
import { OPERATOR_ROLE_PERMISSIONS } from './operator-permissions.ts';

/** A comment line every so often keeps proxies from closing an idle event stream. */
const HEARTBEAT_MS = 15_000;

export const operationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { jobs, liveCalls, partners, credits, apiKeys, numbers, config } = app.services;

  app.get(
    '/me',
    {
      // Any signed-in operator, by token or session, may ask what they may do.
      config: { access: 'self' },
      schema: {
        tags: ['Admin'],
        summary: 'The signed-in operator, their role and permissions',
        security: [{ adminToken: [] }],
        response: { 200: OperatorAccessSchema, ...problemResponses(401) },
      },
    },
    async (request) => {
      const operator = operatorOf(request);
      return {
        operator: { id: operator.id, username: operator.username, role: operator.role },
        permissions: [...OPERATOR_ROLE_PERMISSIONS[operator.role]],
      };
    },
  );

  app.get(
    '/queues',
    {
      config: { operatorPermission: 'admin:read' },
      schema: {
        tags: ['Admin'],
        summary: 'Jobs by kind and state, the longest wait, and the OCR and extraction pools',
        security: [{ adminToken: [] }],
        response: { 200: QueuesSchema, ...problemResponses(401, 403) },
      },
    },
    async () => {
      const byKind = new Map<
        string,
        {
          kind: string;
          queued: number;
          running: number;
          done: number;
          failed: number;
          oldestWaitingSince: string | null;
        }
      >();
      for (const row of jobs.stats()) {
        const entry = byKind.get(row.kind) ?? {
          kind: row.kind,
          queued: 0,
          running: 0,
          done: 0,
          failed: 0,
          oldestWaitingSince: null,
        };
        entry[row.status as 'queued' | 'running' | 'done' | 'failed'] = row.count;
        byKind.set(row.kind, entry);
      }
      for (const { kind, since } of jobs.oldestWaiting()) {
        const entry = byKind.get(kind);
        if (entry) entry.oldestWaitingSince = since;
      }
      const { pipeline, extraction } = app.services.running;
      const extractRunning = byKind.get('fax.extract')?.running ?? 0;
      return {
        jobs: [...byKind.values()],
        pools: {
          ocr: pipeline?.ocrStats() ?? null,
          extraction: extraction
            ? { provider: extraction.active.name, chosen: extraction.active.chosen, running: extractRunning }
            : null,
        },
        webhooks: { unfinished: app.services.webhooks.deliveries.countUnfinished() },
        at: app.services.clock.now().toISOString(),
      };
    },
  );

  app.get(
    '/calls',
    {
      config: { operatorPermission: 'admin:read' },
      schema: {
        tags: ['Admin'],
        summary: 'Fax calls in progress and those ended in the last two minutes',
        security: [{ adminToken: [] }],
        response: { 200: LiveCallListSchema, ...problemResponses(401, 403) },
      },
    },
    async () => ({ items: liveCalls.list() }),
  );

  app.get(
    '/calls/stream',
    {
      config: { operatorPermission: 'admin:read' },
      schema: {
        tags: ['Admin'],
        summary: 'Live calls as server-sent events',
        description:
          'text/event-stream: a `snapshot` event with every call listed by GET /calls, then a `call` event (one LiveCall as JSON) at each change: start, phase B, each page, the end.',
        security: [{ adminToken: [] }],
        response: {
          200: Type.Unsafe({ type: 'string', description: 'text/event-stream' }),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-request-id': request.id,
        // Nginx and the like must pass events through as they come.
        'x-accel-buffering': 'no',
      });
      const send = (event: string, data: unknown) =>
        out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('snapshot', { items: liveCalls.list() });
      const onCall = (call: LiveCall) => send('call', call);
      liveCalls.on('call', onCall);
      const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const end = () => {
        clearInterval(heartbeat);
        liveCalls.off('call', onCall);
      };
      request.raw.on('close', end);
      out.on('close', end);
    },
  );

  app.get(
    '/partners/:id',
    {
      config: { operatorPermission: 'admin:read' },
      schema: {
        tags: ['Admin'],
        summary: 'One partner: status, credits, numbers by tier, keys and their rate limits',
        security: [{ adminToken: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: PartnerDetailSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const partner = partners.get(request.params.id);
      if (!partner) throw Problem.notFound('partner_not_found', `No partner ${request.params.id}.`);
      return {
        partner,
        creditBalance: credits.balance(partner.id),
        activeNumbers: numbers.activeByTier(partner.id),
        keys: apiKeys.list(partner.id),
        defaultRateLimitPerMinute: config.rateLimitPerMinute,
      };
    },
  );
};
