// /api/auth: portal people signing in and managing themselves (API.md "People"). Sign-in, reset
// and invite links are public; the rest needs the portal session cookie (and its CSRF token on
// writes). Registered in the composition root behind a per-address rate limit.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  authenticateSessionCookie,
  sessionCookieToken,
  setSessionCookie,
} from '../http/plugins/session-cookie.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { selfServiceRoutes } from '../http/self-service-routes.ts';
import type { StartedSession } from '../people/sessions.ts';
import { InviteAcceptedSchema, InviteAcceptSchema } from '../team/team-schema.ts';
import type { AccountRecord } from './account-repository.ts';
import {
  AcceptedSchema,
  AccountSchema,
  EmailChangeSchema,
  EmailVerifySchema,
  PasswordChangeSchema,
  PasswordResetConfirmSchema,
  PasswordResetRequestSchema,
  type SignedIn,
  SignedInSchema,
  SignInSchema,
} from './account-schema.ts';
import { accountSubject } from './portal-accounts.ts';

const TAG = 'Portal sign-in';
const publicAccess = { access: 'public' as const };
const self = { access: 'self' as const };

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { portalAccounts, accounts, sessions, team } = app.services;

  app.decorateRequest('personSession', null);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.access !== 'self') return;
    const cookie = authenticateSessionCookie(request, reply, sessions, 'account');
    if (!cookie) throw Problem.unauthorized('Sign in first: POST /api/auth/sign-in.');
    request.personSession = cookie;
  });

  const accountOf = (request: FastifyRequest): AccountRecord =>
    accounts.get(request.personSession!.record.subjectId)!;
  const client = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
  });
  const signedIn = (
    account: AccountRecord,
    session: StartedSession['session'],
    csrfToken: string,
  ): SignedIn => ({
    account: portalAccounts.view(account),
    memberships: portalAccounts.memberships(account.id),
    csrfToken,
    session: { id: session.id, expiresAt: session.expiresAt, idleMinutes: sessions.policy.idleMinutes },
  });
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  app.post(
    '/sign-in',
    {
      config: publicAccess,
      schema: {
        tags: [TAG],
        summary: 'Sign in with email and password (and a TOTP code when enabled)',
        description:
          'Sets the `faxseal_session` cookie (HttpOnly, SameSite=Lax, Secure on HTTPS) and returns the CSRF token to send as `x-csrf-token` on writes. A wrong password and an unknown email get the same 401 `invalid_credentials`; repeated failures lock the email (and the address) for a while: 429 `sign_in_locked` with Retry-After.',
        body: SignInSchema,
        response: { 200: SignedInSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { account, started } = await portalAccounts.signIn(request.body, client(request));
      // Rotation: a session the browser already had ends; the new one has a new id and secret.
      const previous = sessionCookieToken(request, 'account');
      const previousSession = previous ? sessions.resolve(previous, 'account') : null;
      if (previousSession)
        sessions.revoke(accountSubject(previousSession.subjectId), previousSession.id, 'replaced');
      setSessionCookie(reply, request, 'account', started);
      noStore(reply);
      return signedIn(account, started.session, started.csrfToken);
    },
  );

  app.get(
    '/session',
    {
      config: self,
      schema: {
        tags: [TAG],
        summary: 'The signed-in person, their partners and the CSRF token',
        response: { 200: SignedInSchema, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const { record, token } = request.personSession!;
      noStore(reply);
      return signedIn(accountOf(request), record, sessions.csrfFor(token));
    },
  );

  await app.register(selfServiceRoutes, {
    tag: TAG,
    subject: (request) => accountSubject(request.personSession!.record.subjectId),
    actorType: 'portal_account',
    totpLabel: (request) => accountOf(request).email,
    passwordHash: (request) => accountOf(request).passwordHash,
  });

  app.post(
    '/password-reset',
    {
      config: publicAccess,
      schema: {
        tags: [TAG],
        summary: 'Email a password reset link',
        description:
          'Always 202, whether or not an account has this email. The link (`/partner/reset-password?token=…`) works once and expires.',
        body: PasswordResetRequestSchema,
        response: { 202: AcceptedSchema, ...problemResponses(400, 429) },
      },
    },
    async (request, reply) => {
      portalAccounts.requestPasswordReset(request.body.email, client(request));
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/password-reset/confirm',
    {
      config: publicAccess,
      schema: {
        tags: [TAG],
        summary: 'Set a new password with the emailed token',
        description:
          'Also sets the owner’s first password (the link from partner verification). Every session of the account ends and a sign-in lockout is lifted.',
        body: PasswordResetConfirmSchema,
        response: { 200: AcceptedSchema, ...problemResponses(400, 410, 429) },
      },
    },
    async (request) => {
      await portalAccounts.confirmPasswordReset(request.body.token, request.body.password);
      return { status: 'accepted' as const };
    },
  );

  app.post(
    '/password',
    {
      config: self,
      schema: {
        tags: [TAG],
        summary: 'Change your password (your other sessions end)',
        body: PasswordChangeSchema,
        response: { 200: AcceptedSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { record } = request.personSession!;
      await portalAccounts.changePassword(
        record.subjectId,
        request.body.currentPassword,
        request.body.newPassword,
        record.id,
      );
      return { status: 'accepted' as const };
    },
  );

  app.post(
    '/email',
    {
      config: self,
      schema: {
        tags: [TAG],
        summary: 'Change your sign-in email',
        description:
          'Sends a confirmation link (`/partner/verify-email?token=…`) to the new address; the email changes when it is followed.',
        body: EmailChangeSchema,
        response: { 202: AcceptedSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      await portalAccounts.requestEmailChange(
        request.personSession!.record.subjectId,
        request.body.email,
        request.body.password,
      );
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/verify-email',
    {
      config: publicAccess,
      schema: {
        tags: [TAG],
        summary: 'Confirm a new email with the emailed token',
        body: EmailVerifySchema,
        response: { 200: AccountSchema, ...problemResponses(400, 409, 410, 429) },
      },
    },
    async (request) => portalAccounts.view(portalAccounts.confirmEmailChange(request.body.token)),
  );

  app.post(
    '/invites/accept',
    {
      config: publicAccess,
      schema: {
        tags: [TAG],
        summary: 'Accept a team invite',
        description:
          'Joins the existing account of the invited email, or creates it with `password`. Then sign in as usual.',
        body: InviteAcceptSchema,
        response: { 200: InviteAcceptedSchema, ...problemResponses(400, 409, 410, 429) },
      },
    },
    async (request) => team.acceptInvite(request.body.token, request.body.password),
  );

  app.delete(
    '/memberships/:partnerId',
    {
      config: self,
      schema: {
        tags: [TAG],
        summary: 'Leave a partner’s team',
        description: 'The last owner cannot leave: transfer ownership first.',
        params: Type.Object({ partnerId: Type.String({ pattern: '^ptr_[0-9a-z]{26}$' }) }),
        response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      team.leave(request.personSession!.record.subjectId, request.params.partnerId);
      return reply.code(204).send(null);
    },
  );
};
