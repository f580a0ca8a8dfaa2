// Partner API authentication: a partner key (`Authorization: Bearer sk_partner_…`, server to
// server) or a member's session cookie with `x-faxseal-partner: ptr_…` (the portal). A refused
// credential counts against the address's failure budget. Then the partner must not be suspended
// and the caller must hold the permission the route declares.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEvent } from '../../audit/audit-log.ts';
import type { ApiKeyRecord } from '../../keys/api-key-repository.ts';
import type { SessionRecord } from '../../people/session-repository.ts';
import type { Services } from '../../services.ts';
import {
  PARTNER_PERMISSIONS,
  type PartnerPermission,
  type PartnerRole,
  ROLE_PERMISSIONS,
} from '../../team/partner-permissions.ts';
import { Problem } from '../problem.ts';
import { authenticateSessionCookie, headerValue } from './session-cookie.ts';

export type PartnerCaller =
  | { kind: 'key'; partnerId: string; key: ApiKeyRecord; permissions: readonly PartnerPermission[] }
  | {
      kind: 'member';
      partnerId: string;
      accountId: string;
      role: PartnerRole;
      session: SessionRecord;
      permissions: readonly PartnerPermission[];
    };

declare module 'fastify' {
  interface FastifyRequest {
    /** The key of a key-authenticated request (null for a member's session). */
    apiKey: ApiKeyRecord | null;
    partnerCaller: PartnerCaller | null;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const m = header.match(/^Bearer\s+(\S+)$/i);
  return m ? m[1] : null;
}

/** Adds the onRequest hook to `scope` that authenticates, refuses suspended partners and checks the route's permission. */
export function requirePartnerCaller(scope: FastifyInstance): void {
  scope.decorateRequest('apiKey', null);
  scope.decorateRequest('partnerCaller', null);
  scope.decorateRequest('personSession', null);
  scope.addHook('onRequest', async (request, reply) => {
    const { authFailures } = scope;
    authFailures.refuseIfExhausted(request);
    let caller: PartnerCaller;
    try {
      caller = resolveCaller(scope.services, request, reply);
    } catch (error) {
      throw error instanceof Problem && error.status === 401 ? authFailures.failed(request, error) : error;
    }
    request.partnerCaller = caller;
    request.apiKey = caller.kind === 'key' ? caller.key : null;
    if (scope.services.partners.get(caller.partnerId)?.status === 'suspended') {
      throw new Problem(
        403,
        'partner_suspended',
        'Partner suspended',
        'This partner account is suspended by the appliance operator; inbound faxes are still received and kept.',
      );
    }
    const permission = request.routeOptions.config.permission;
    if (!permission) throw new Error(`${request.routeOptions.url} declares no permission`);
    if (!caller.permissions.includes(permission)) throw refusal(caller, permission);
  });
}

function resolveCaller(services: Services, request: FastifyRequest, reply: FastifyReply): PartnerCaller {
  const token = bearerToken(request);
  if (token) {
    const key = services.apiKeys.authenticate(token);
    if (!key) throw Problem.unauthorized('This key is unknown or has been revoked.');
    return { kind: 'key', partnerId: key.partnerId, key, permissions: key.scopes ?? PARTNER_PERMISSIONS };
  }
  const cookie = authenticateSessionCookie(request, reply, services.sessions, 'account');
  if (!cookie)
    throw Problem.unauthorized(
      'Send your partner key as `Authorization: Bearer sk_partner_…`, or sign in to the portal.',
    );
  request.personSession = cookie;
  const accountId = cookie.record.subjectId;
  const memberships = services.memberships.ofAccount(accountId);
  const asked = headerValue(request, 'x-faxseal-partner');
  const membership = asked
    ? memberships.find((m) => m.partnerId === asked)
    : memberships.length === 1
      ? memberships[0]
      : undefined;
  if (!membership) {
    if (!asked && memberships.length > 1)
      throw new Problem(
        400,
        'partner_required',
        'Which partner?',
        'You belong to several partners: name one in `x-faxseal-partner`.',
        {
          partnerIds: memberships.map((m) => m.partnerId),
        },
      );
    // The same answer whether the partner exists or not.
    throw new Problem(
      403,
      'not_a_member',
      'Not a member',
      `Your account is not a member of ${asked ?? 'any partner'}.`,
    );
  }
  return {
    kind: 'member',
    partnerId: membership.partnerId,
    accountId,
    role: membership.role,
    session: cookie.record,
    permissions: ROLE_PERMISSIONS[membership.role],
  };
}

function refusal(caller: PartnerCaller, permission: PartnerPermission): Problem {
  return Problem.forbidden(
    permission,
    caller.kind === 'key'
      ? `This key was created without the \`${permission}\` scope.`
      : `The ${caller.role} role does not include \`${permission}\`.`,
  );
}

/** The caller of a request in the partner scope. */
export function partnerCaller(request: FastifyRequest): PartnerCaller {
  if (!request.partnerCaller) throw new Error('partnerCaller() used outside the partner scope');
  return request.partnerCaller;
}

/** The partner the request acts for (only inside the scope guarded by requirePartnerCaller). */
export function partnerId(request: FastifyRequest): string {
  return partnerCaller(request).partnerId;
}

/** Who did it, for the audit trail: the key, or the person (and the session they used). */
export function auditActor(request: FastifyRequest): Pick<AuditEvent, 'actorType' | 'actorId' | 'partnerId'> {
  const caller = partnerCaller(request);
  return caller.kind === 'key'
    ? { actorType: 'partner_key', actorId: caller.key.id, partnerId: caller.partnerId }
    : { actorType: 'portal_account', actorId: caller.accountId, partnerId: caller.partnerId };
}

/** A stable rate-limit bucket: the key, or the person's session (a browser never spends a key's budget). */
export function rateLimitBucket(request: FastifyRequest): string {
  const caller = request.partnerCaller;
  if (!caller) return `ip:${request.ip}`;
  return caller.kind === 'key' ? caller.key.id : caller.session.id;
}
