// The partner's team over HTTP (API.md "People"): members, invites, role changes, removal and
// ownership transfer. `team:read` lists, `team:manage` changes, `team:transfer` hands over.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { auditActor, partnerCaller, partnerId } from '../http/plugins/partner-auth.ts';
import { problemResponses } from '../http/problem.ts';
import type { TeamCaller } from './team.ts';
import {
  CreateInviteSchema,
  InviteIdParamsSchema,
  InviteListQuerySchema,
  InvitePageSchema,
  InviteSchema,
  MemberParamsSchema,
  OwnershipTransferSchema,
  RoleChangeSchema,
  TeamMemberSchema,
  TeamSchema,
} from './team-schema.ts';

export function teamCaller(request: FastifyRequest): TeamCaller {
  const caller = partnerCaller(request);
  const actor = auditActor(request);
  return {
    actorType: actor.actorType as TeamCaller['actorType'],
    actorId: actor.actorId!,
    accountId: caller.kind === 'member' ? caller.accountId : null,
    permissions: caller.permissions,
  };
}

export const teamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { team } = app.services;

  app.get(
    '/team',
    {
      config: { permission: 'team:read' },
      schema: {
        tags: ['Team'],
        summary: 'List the team: members and their roles',
        response: { 200: TeamSchema, ...problemResponses(401, 403, 429) },
      },
    },
    async (request) => ({ items: team.members(partnerId(request)) }),
  );

  app.get(
    '/team/invites',
    {
      config: { permission: 'team:read' },
      schema: {
        tags: ['Team'],
        summary: 'List invites, newest first',
        querystring: InviteListQuerySchema,
        response: { 200: InvitePageSchema, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => listPage(request.query, (window) => team.invites(partnerId(request), window)),
  );

  app.post(
    '/team/invites',
    {
      config: { permission: 'team:manage' },
      schema: {
        tags: ['Team'],
        summary: 'Invite someone by email',
        description:
          'Emails a one-time link to `/partner/invite?token=…`. Accepting it joins the existing FaxSeal account of that email, or creates one. Inviting an owner needs `team:transfer`; a pending invite of the same email is replaced.',
        body: CreateInviteSchema,
        response: { 201: InviteSchema, ...problemResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const invite = await team.invite(
        partnerId(request),
        teamCaller(request),
        request.body.email,
        request.body.role,
      );
      return reply.code(201).send(invite);
    },
  );

  app.delete(
    '/team/invites/:id',
    {
      config: { permission: 'team:manage' },
      schema: {
        tags: ['Team'],
        summary: 'Revoke a pending invite',
        params: InviteIdParamsSchema,
        response: { 200: InviteSchema, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => team.revokeInvite(partnerId(request), teamCaller(request), request.params.id),
  );

  app.patch(
    '/team/:accountId',
    {
      config: { permission: 'team:manage' },
      schema: {
        tags: ['Team'],
        summary: "Change a member's role",
        description:
          'Changing an owner, or making someone owner, needs `team:transfer` (admins cannot). The last owner stays owner.',
        params: MemberParamsSchema,
        body: RoleChangeSchema,
        response: { 200: TeamMemberSchema, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) =>
      team.changeRole(partnerId(request), teamCaller(request), request.params.accountId, request.body.role),
  );

  app.delete(
    '/team/:accountId',
    {
      config: { permission: 'team:manage' },
      schema: {
        tags: ['Team'],
        summary: 'Remove a member',
        description:
          'Their access to this partner ends at once. Removing an owner needs `team:transfer`; the last owner cannot be removed.',
        params: MemberParamsSchema,
        response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      team.remove(partnerId(request), teamCaller(request), request.params.accountId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/team/transfer-ownership',
    {
      config: { permission: 'team:transfer' },
      schema: {
        tags: ['Team'],
        summary: 'Make a member owner (the owner handing over becomes admin)',
        body: OwnershipTransferSchema,
        response: { 200: TeamSchema, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => ({
      items: team.transferOwnership(partnerId(request), teamCaller(request), request.body.accountId),
    }),
  );
};
