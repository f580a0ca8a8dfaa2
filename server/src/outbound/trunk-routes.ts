// Trunk administration for the operator console: CRUD (secrets write-only), live status (registration
// and last OPTIONS) and a test call. Registered in the composition root's operator scope.

import { isIP } from 'node:net';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireOperatorWrite } from '../http/plugins/operator-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { isUniqueViolation } from '../storage/database.ts';
import {
  TestCallSchema,
  TrunkFields,
  TrunkSchema,
  TrunkStatusSchema,
} from '../telephony/trunks/trunk-schema.ts';
import { classifySipFailure } from './failure-code.ts';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

function checkCidrs(list: string[] | undefined): void {
  const bad = (list ?? []).flatMap((entry, i) => {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const max = family === 6 ? 128 : 32;
    const ok =
      family !== 0 &&
      extra === undefined &&
      (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max));
    return ok ? [] : [{ field: `/body/allowedIps/${i}`, message: 'must be an IP address or CIDR' }];
  });
  if (bad.length > 0) throw Problem.validation(bad);
}

export const trunkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { trunks, outbound } = app.services;
  const find = (id: string) => {
    const trunk = trunks.get(id);
    if (!trunk) throw Problem.notFound('trunk_not_found', `No trunk ${id}.`);
    return trunk;
  };
  const nameTaken = (err: unknown) =>
    isUniqueViolation(err, 'trunks', 'name')
      ? Problem.conflict('trunk_name_taken', 'Another trunk has this name.')
      : err;

  app.get(
    '/trunks',
    {
      schema: {
        tags: ['Admin'],
        summary: 'List SIP trunks',
        security: [{ adminToken: [] }],
        response: { 200: Type.Object({ items: Type.Array(TrunkSchema) }), ...problemResponses(401) },
      },
    },
    async () => ({ items: trunks.list() }),
  );

  app.post(
    '/trunks',
    {
      preHandler: requireOperatorWrite,
      schema: {
        tags: ['Admin'],
        summary: 'Create a SIP trunk',
        security: [{ adminToken: [] }],
        body: Type.Object(
          {
            ...TrunkFields,
            port: Type.Optional(TrunkFields.port),
            transport: Type.Optional(TrunkFields.transport),
            username: Type.Optional(TrunkFields.username),
            password: Type.Optional(TrunkFields.password),
            allowedIps: Type.Optional(TrunkFields.allowedIps),
            outbound: Type.Optional(TrunkFields.outbound),
            codecs: Type.Optional(TrunkFields.codecs),
            t38: Type.Optional(TrunkFields.t38),
          },
          { additionalProperties: false },
        ),
        response: { 201: TrunkSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      checkCidrs(b.allowedIps);
      if (b.mode === 'register' && !b.username)
        throw Problem.validation([{ field: '/body/username', message: 'is required for a register trunk' }]);
      try {
        const trunk = trunks.create({
          name: b.name,
          mode: b.mode,
          host: b.host,
          port: b.port ?? 5060,
          transport: b.transport ?? 'udp',
          username: b.username ?? null,
          password: b.password ?? null,
          allowedIps: b.allowedIps ?? [],
          outbound: b.outbound ?? true,
          codecs: b.codecs ?? ['pcmu', 'pcma'],
          t38: b.t38 ?? true,
        });
        outbound.monitor?.sync();
        request.log.info({ trunkId: trunk.id }, 'trunk created');
        return reply.code(201).send(trunk);
      } catch (err) {
        throw nameTaken(err);
      }
    },
  );

  app.get(
    '/trunks/:id',
    {
      schema: {
        tags: ['Admin'],
        summary: 'One SIP trunk',
        security: [{ adminToken: [] }],
        params: IdParams,
        response: { 200: TrunkSchema, ...problemResponses(401, 404) },
      },
    },
    async (request) => find(request.params.id),
  );

  app.patch(
    '/trunks/:id',
    {
      preHandler: requireOperatorWrite,
      schema: {
        tags: ['Admin'],
        summary: 'Change a SIP trunk',
        description: 'Only the fields sent change; `password: null` removes the password.',
        security: [{ adminToken: [] }],
        params: IdParams,
        body: Type.Partial(Type.Object(TrunkFields), { additionalProperties: false, minProperties: 1 }),
        response: { 200: TrunkSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      find(request.params.id);
      checkCidrs(request.body.allowedIps);
      try {
        const trunk = trunks.update(request.params.id, request.body)!;
        outbound.monitor?.sync();
        request.log.info({ trunkId: trunk.id, fields: Object.keys(request.body) }, 'trunk changed');
        return trunk;
      } catch (err) {
        throw nameTaken(err);
      }
    },
  );

  app.delete(
    '/trunks/:id',
    {
      preHandler: requireOperatorWrite,
      schema: {
        tags: ['Admin'],
        summary: 'Delete a SIP trunk',
        description: 'Refused (409) while DIDs or faxes refer to it.',
        security: [{ adminToken: [] }],
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const result = trunks.delete(request.params.id);
      if (result === 'not_found') throw Problem.notFound('trunk_not_found', `No trunk ${request.params.id}.`);
      if (result === 'in_use')
        throw Problem.conflict(
          'trunk_in_use',
          'DIDs or faxes refer to this trunk; move or disable it instead.',
        );
      outbound.monitor?.sync();
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/trunks/:id/status',
    {
      schema: {
        tags: ['Admin'],
        summary: 'Registration state and last OPTIONS answer',
        description: '`?probe=true` sends an OPTIONS now and waits for its answer.',
        security: [{ adminToken: [] }],
        params: IdParams,
        querystring: Type.Object({ probe: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: TrunkStatusSchema, ...problemResponses(401, 404, 503) },
      },
    },
    async (request) => {
      const trunk = find(request.params.id);
      const monitor = outbound.monitor;
      if (!monitor) throw new Problem(503, 'telephony_not_running', 'Telephony is not running');
      if (request.query.probe) await monitor.probe(trunk);
      return monitor.status(trunk.id);
    },
  );

  app.post(
    '/trunks/:id/test-call',
    {
      preHandler: requireOperatorWrite,
      schema: {
        tags: ['Admin'],
        summary: 'Place a test call through the trunk',
        description:
          "INVITE to `to` with the trunk's offer; an answered call is hung up at once. Reports the SIP outcome and how a fax would have failed.",
        security: [{ adminToken: [] }],
        params: IdParams,
        body: Type.Object(
          {
            to: Type.String({ pattern: '^\\+[1-9]\\d{6,14}$', description: 'E.164' }),
            from: Type.Optional(Type.String({ pattern: '^\\+[1-9]\\d{6,14}$' })),
            ringTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 120 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: TestCallSchema,
          ...problemResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) => {
      const trunk = find(request.params.id);
      const placer = outbound.placer;
      if (!placer) throw new Problem(503, 'telephony_not_running', 'Telephony is not running');
      const password = trunk.username ? trunks.password(trunk.id) : null;
      const started = performance.now();
      const result = await placer.probe({
        ref: `test-${Date.now()}`,
        target: { host: trunk.host, port: trunk.port, transport: trunk.transport },
        credentials: trunk.username && password ? { username: trunk.username, password } : undefined,
        from: request.body.from ?? '+15555550100',
        to: request.body.to,
        t38: trunk.t38,
        codecs: trunk.codecs,
        ringTimeoutMs: (request.body.ringTimeoutSeconds ?? 30) * 1000,
      });
      return {
        answered: result.answered,
        status: result.status,
        reason: result.reason,
        failureCode:
          result.answered || !result.cause
            ? null
            : classifySipFailure({ ...result, cause: result.cause }).code,
        durationMs: Math.round(performance.now() - started),
      };
    },
  );
};
