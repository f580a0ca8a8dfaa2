// The routes a signed-in person uses on themselves, the same for portal accounts (/api/auth) and
// operators (/api/admin/auth): sign-out, sign-out everywhere, the sessions list with revoke, and
// the TOTP second factor. Each file that mounts them says who "the person" is.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  RecoveryCodesSchema,
  TotpCodeSchema,
  TotpDisableSchema,
  TotpSetupSchema,
  TotpStatusSchema,
} from '../accounts/account-schema.ts';
import type { AuditEvent } from '../audit/audit-log.ts';
import { DomainError } from '../domain-error.ts';
import { verifyPassword } from '../people/password.ts';
import { SessionIdParamsSchema, SessionListSchema, SignedOutSchema } from '../people/session-schema.ts';
import type { Subject } from '../people/subject.ts';
import { clearSessionCookie } from './plugins/session-cookie.ts';
import { Problem, problemResponses } from './problem.ts';

export interface SelfServiceOptions {
  tag: string;
  /** Whose sessions and second factor the request manages. */
  subject: (request: FastifyRequest) => Subject;
  /** The audit actor of the person. */
  actorType: AuditEvent['actorType'];
  /** Shown in the authenticator app next to "FaxSeal". */
  totpLabel: (request: FastifyRequest) => string;
  passwordHash: (request: FastifyRequest) => string | null;
}

const self = { access: 'self' as const };

export const selfServiceRoutes: FastifyPluginAsyncTypebox<SelfServiceOptions> = async (app, options) => {
  const { sessions, secondFactors, audit } = app.services;
  const { tag, subject } = options;
  const record = (request: FastifyRequest, action: string, details: Record<string, unknown> = {}) =>
    audit.record({ actorType: options.actorType, actorId: subject(request).id, action, details });
  const currentSessionId = (request: FastifyRequest) => request.personSession?.record.id ?? null;

  app.post(
    '/sign-out',
    {
      config: self,
      schema: {
        tags: [tag],
        summary: 'Sign out (this session)',
        response: { 200: SignedOutSchema, ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const id = currentSessionId(request);
      const ended = id && sessions.revoke(subject(request), id, 'signed_out') ? 1 : 0;
      clearSessionCookie(reply, request, subject(request).type);
      record(request, 'auth.signed_out', { sessionId: id });
      return { signedOut: ended };
    },
  );

  app.post(
    '/sign-out-everywhere',
    {
      config: self,
      schema: {
        tags: [tag],
        summary: 'Sign out of every session, this one included',
        response: { 200: SignedOutSchema, ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const ended = sessions.revokeAll(subject(request), 'signed_out_everywhere');
      clearSessionCookie(reply, request, subject(request).type);
      record(request, 'auth.signed_out_everywhere', { sessions: ended });
      return { signedOut: ended };
    },
  );

  app.get(
    '/sessions',
    {
      config: self,
      schema: {
        tags: [tag],
        summary: 'Where you are signed in',
        response: { 200: SessionListSchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => ({ items: sessions.list(subject(request), currentSessionId(request)) }),
  );

  app.delete(
    '/sessions/:id',
    {
      config: self,
      schema: {
        tags: [tag],
        summary: 'End one of your sessions',
        params: SessionIdParamsSchema,
        response: { 200: SignedOutSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      if (!sessions.revoke(subject(request), request.params.id, 'revoked'))
        throw Problem.notFound('session_not_found', `No live session ${request.params.id} of yours.`);
      record(request, 'auth.session_revoked', { sessionId: request.params.id });
      return { signedOut: 1 };
    },
  );

  app.get(
    '/totp',
    {
      config: self,
      schema: {
        tags: [tag],
        summary: 'Whether the TOTP second factor is on',
        response: { 200: TotpStatusSchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => secondFactors.status(subject(request)),
  );

  app.post(
    '/totp/setup',
    {
      config: self,
      schema: {
        tags: [tag],
        summary: 'Start enrolling an authenticator app',
        description:
          'Returns a new secret; nothing changes until a code from it is confirmed with POST …/totp/enable.',
        response: { 200: TotpSetupSchema, ...problemResponses(401, 403, 409) },
      },
    },
    async (request) => secondFactors.begin(subject(request), options.totpLabel(request)),
  );

  app.post(
    '/totp/enable',
    {
      config: self,
      schema: {
        tags: [tag],
        summary: 'Confirm the first code: the second factor is on from now',
        body: TotpCodeSchema,
        response: { 200: RecoveryCodesSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request) => {
      const recoveryCodes = secondFactors.confirm(subject(request), request.body.code);
      record(request, 'auth.totp_enabled');
      return { recoveryCodes };
    },
  );

  app.post(
    '/totp/recovery-codes',
    {
      config: self,
      schema: {
        tags: [tag],
        summary: 'Replace the recovery codes (the old ones stop working)',
        body: TotpCodeSchema,
        response: { 200: RecoveryCodesSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request) => {
      if (!secondFactors.verify(subject(request), request.body.code)) throw invalidCode();
      const recoveryCodes = secondFactors.regenerateRecoveryCodes(subject(request));
      record(request, 'auth.recovery_codes_replaced');
      return { recoveryCodes };
    },
  );

  app.post(
    '/totp/disable',
    {
      config: self,
      schema: {
        tags: [tag],
        summary: 'Turn the second factor off (password and a current code)',
        body: TotpDisableSchema,
        response: { 200: TotpStatusSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const password = await verifyPassword(request.body.password, options.passwordHash(request));
      if (!password.ok)
        throw DomainError.invalid(
          [{ field: '/body/password', message: 'is not your password' }],
          undefined,
          'invalid_password',
        );
      if (!secondFactors.verify(subject(request), request.body.code)) throw invalidCode();
      secondFactors.disable(subject(request));
      record(request, 'auth.totp_disabled');
      return secondFactors.status(subject(request));
    },
  );
};

const invalidCode = () =>
  DomainError.invalid(
    [{ field: '/body/code', message: 'is wrong or was already used' }],
    undefined,
    'invalid_totp',
  );
