// Operator management for superadmins (`operators:manage`): list, create (a one-time password),
// change role, disable (every token and session ends at once) and the tokens of each operator.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { operatorOf } from '../http/plugins/operator-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import {
  CreatedOperatorSchema,
  CreateOperatorSchema,
  OperatorIdParamsSchema,
  OperatorListSchema,
  OperatorPatchSchema,
  OperatorSchema,
  OperatorTokenListSchema,
  OperatorTokenParamsSchema,
  OperatorTokenSchema,
} from './operator-schema.ts';
import { operatorSubject } from './operator-sign-in.ts';

const manage = { operatorPermission: 'operators:manage' as const };

export const operatorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { operators, sessions, audit } = app.services;
  const record = (
    request: FastifyRequest,
    action: string,
    targetId: string,
    details: Record<string, unknown> = {},
  ) =>
    audit.record({
      actorType: 'operator',
      actorId: operatorOf(request).id,
      action,
      targetType: 'operator',
      targetId,
      details,
    });
  const existing = (id: string) => {
    const operator = operators.get(id);
    if (!operator) throw Problem.notFound('operator_not_found', `No operator ${id}.`);
    return operator;
  };

  app.get(
    '/operators',
    {
      config: manage,
      schema: {
        tags: ['Admin'],
        summary: 'List operators',
        response: { 200: OperatorListSchema, ...problemResponses(401, 403) },
      },
    },
    async () => ({ items: operators.list() }),
  );

  app.post(
    '/operators',
    {
      config: manage,
      schema: {
        tags: ['Admin'],
        summary: 'Create an operator',
        description: 'Returns a one-time password (shown once) that must be changed at the first sign-in.',
        body: CreateOperatorSchema,
        response: { 201: CreatedOperatorSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      if (operators.byUsername(request.body.username))
        throw Problem.conflict('operator_exists', `An operator ${request.body.username} already exists.`);
      const { operator, password } = operators.create(request.body.username, request.body.role, {
        token: false,
      });
      record(request, 'operator.created', operator.id, { username: operator.username, role: operator.role });
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ operator, password });
    },
  );

  app.patch(
    '/operators/:id',
    {
      config: manage,
      schema: {
        tags: ['Admin'],
        summary: "Change an operator's role, or disable or enable them",
        description:
          'Disabling ends every session and revokes every token of the operator at once. The last enabled superadmin stays.',
        params: OperatorIdParamsSchema,
        body: OperatorPatchSchema,
        response: { 200: OperatorSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const target = existing(request.params.id);
      const { role, disabled } = request.body;
      const losesSuperadmin =
        target.role === 'superadmin' &&
        !target.disabledAt &&
        ((role && role !== 'superadmin') || disabled === true);
      if (
        losesSuperadmin &&
        operators.list().filter((o) => o.role === 'superadmin' && !o.disabledAt).length <= 1
      )
        throw Problem.conflict('last_superadmin', 'The appliance keeps at least one enabled superadmin.');
      if (role && role !== target.role) {
        operators.setRole(target.id, role);
        record(request, 'operator.role_changed', target.id, { from: target.role, to: role });
      }
      if (disabled !== undefined && disabled !== !!target.disabledAt) {
        operators.setDisabled(target.id, disabled);
        if (disabled) sessions.revokeAll(operatorSubject(target.id), 'operator_disabled');
        record(request, disabled ? 'operator.disabled' : 'operator.enabled', target.id);
      }
      return existing(target.id);
    },
  );

  app.get(
    '/operators/:id/tokens',
    {
      config: manage,
      schema: {
        tags: ['Admin'],
        summary: "An operator's sk_admin_ tokens",
        params: OperatorIdParamsSchema,
        response: { 200: OperatorTokenListSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ items: operators.tokens(existing(request.params.id).id) }),
  );

  app.delete(
    '/operators/:id/tokens/:tokenId',
    {
      config: manage,
      schema: {
        tags: ['Admin'],
        summary: "Revoke an operator's token",
        params: OperatorTokenParamsSchema,
        response: { 200: OperatorTokenSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const token = operators.revokeToken(existing(request.params.id).id, request.params.tokenId);
      if (!token)
        throw Problem.notFound('token_not_found', `No token ${request.params.tokenId} of this operator.`);
      audit.record({
        actorType: 'operator',
        actorId: operatorOf(request).id,
        action: 'operator_token.revoked',
        targetType: 'operator_token',
        targetId: token.id,
        details: { operatorId: request.params.id },
      });
      return token;
    },
  );
};
