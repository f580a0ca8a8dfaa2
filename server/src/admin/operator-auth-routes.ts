// /api/admin/auth: operators signing in to the console and managing themselves — session, password
// (a one-time password must be replaced first), second factor, sessions and their own sk_admin_
// tokens. Sign-in is public; the rest is `access: 'self'` for any operator role.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { AcceptedSchema, PasswordChangeSchema } from '../accounts/account-schema.ts';
import { operatorOf } from '../http/plugins/operator-auth.ts';
import { sessionCookieToken, setSessionCookie } from '../http/plugins/session-cookie.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { selfServiceRoutes } from '../http/self-service-routes.ts';
import { OPERATOR_ROLE_PERMISSIONS } from './operator-permissions.ts';
import {
  CreatedOperatorTokenSchema,
  CreateOperatorTokenSchema,
  OperatorSignedInSchema,
  OperatorSignInSchema,
  OperatorTokenListSchema,
  OperatorTokenSchema,
  TokenIdParamsSchema,
} from './operator-schema.ts';
import { operatorSubject } from './operator-sign-in.ts';

const TAG = 'Console sign-in';
const self = { access: 'self' as const };

export const operatorAuthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { operatorSignIn, operators, sessions, secondFactors, audit } = app.services;
  const tokenAudit = (request: FastifyRequest, action: string, tokenId: string) =>
    audit.record({
      actorType: 'operator',
      actorId: operatorOf(request).id,
      action,
      targetType: 'operator_token',
      targetId: tokenId,
    });

  app.post(
    '/auth/sign-in',
    {
      config: { access: 'public' },
      schema: {
        tags: [TAG],
        summary: 'Sign in to the console with username and password (and a TOTP code when enabled)',
        description:
          'Sets the `faxseal_admin_session` cookie (HttpOnly, SameSite=Lax, Secure on HTTPS) and returns the CSRF token. After a one-time password every other route answers 403 `password_change_required` until POST /api/admin/auth/password.',
        body: OperatorSignInSchema,
        response: { 200: OperatorSignedInSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { operator, started } = await operatorSignIn.signIn(request.body, {
        ip: request.ip,
        userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
      });
      const previous = sessionCookieToken(request, 'operator');
      const previousSession = previous ? sessions.resolve(previous, 'operator') : null;
      if (previousSession)
        sessions.revoke(operatorSubject(previousSession.subjectId), previousSession.id, 'replaced');
      setSessionCookie(reply, request, 'operator', started);
      reply.header('cache-control', 'no-store');
      return {
        operator,
        permissions: [...OPERATOR_ROLE_PERMISSIONS[operator.role]],
        twoFactorEnabled: secondFactors.isEnabled(operatorSubject(operator.id)),
        csrfToken: started.csrfToken,
        session: {
          id: started.session.id,
          expiresAt: started.session.expiresAt,
          idleMinutes: sessions.policy.idleMinutes,
        },
      };
    },
  );

  app.get(
    '/auth/session',
    {
      config: self,
      schema: {
        tags: [TAG],
        summary: 'The signed-in operator, their permissions and the CSRF token',
        response: { 200: OperatorSignedInSchema, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const cookie = request.personSession;
      if (!cookie) throw Problem.notFound('no_session', 'This request was made with a token, not a session.');
      const operator = operatorOf(request);
      reply.header('cache-control', 'no-store');
      return {
        operator,
        permissions: [...OPERATOR_ROLE_PERMISSIONS[operator.role]],
        twoFactorEnabled: secondFactors.isEnabled(operatorSubject(operator.id)),
        csrfToken: sessions.csrfFor(cookie.token),
        session: {
          id: cookie.record.id,
          expiresAt: cookie.record.expiresAt,
          idleMinutes: sessions.policy.idleMinutes,
        },
      };
    },
  );

  app.post(
    '/auth/password',
    {
      config: self,
      schema: {
        tags: [TAG],
        summary: 'Set your own password (your other sessions end)',
        body: PasswordChangeSchema,
        response: { 200: AcceptedSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      await operatorSignIn.changePassword(
        operatorOf(request),
        request.body.currentPassword,
        request.body.newPassword,
        request.personSession?.record.id ?? null,
      );
      return { status: 'accepted' as const };
    },
  );

  await app.register(selfServiceRoutes, {
    prefix: '/auth',
    tag: TAG,
    subject: (request) => operatorSubject(operatorOf(request).id),
    actorType: 'operator',
    totpLabel: (request) => operatorOf(request).username,
    passwordHash: (request) => operators.passwordHash(operatorOf(request).id),
  });

  app.get(
    '/auth/tokens',
    {
      config: self,
      schema: {
        tags: [TAG],
        summary: 'Your sk_admin_ tokens',
        response: { 200: OperatorTokenListSchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => ({ items: operators.tokens(operatorOf(request).id) }),
  );

  app.post(
    '/auth/tokens',
    {
      config: self,
      schema: {
        tags: [TAG],
        summary: 'Create an sk_admin_ token (shown once) for scripts',
        body: CreateOperatorTokenSchema,
        response: { 201: CreatedOperatorTokenSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { token, record } = operators.issueToken(operatorOf(request).id, request.body.name);
      tokenAudit(request, 'operator_token.created', record.id);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ...record, token });
    },
  );

  app.delete(
    '/auth/tokens/:id',
    {
      config: self,
      schema: {
        tags: [TAG],
        summary: 'Revoke one of your tokens (takes effect at once)',
        params: TokenIdParamsSchema,
        response: { 200: OperatorTokenSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const token = operators.revokeToken(operatorOf(request).id, request.params.id);
      if (!token) throw Problem.notFound('token_not_found', `No token ${request.params.id} of yours.`);
      tokenAudit(request, 'operator_token.revoked', token.id);
      return token;
    },
  );
};
