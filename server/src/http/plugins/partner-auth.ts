// Partner API authentication: `Authorization: Bearer sk_partner_…`. A revoked or unknown key is
// refused at once (and counted against the address's failure budget); the resolved key rides on
// the request for rate limiting and scoping.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyRecord } from '../../keys/api-key-repository.ts';
import { Problem } from '../problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyRecord | null;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const m = header.match(/^Bearer\s+(\S+)$/i);
  return m ? m[1] : null;
}

/** Adds an onRequest hook to `scope` that requires a live partner key. */
export function requirePartnerKey(scope: FastifyInstance): void {
  scope.decorateRequest('apiKey', null);
  scope.addHook('onRequest', async (request) => {
    const { authFailures } = scope;
    authFailures.refuseIfExhausted(request);
    const token = bearerToken(request);
    if (!token)
      throw authFailures.failed(
        request,
        Problem.unauthorized('Send your partner key as `Authorization: Bearer sk_partner_…`.'),
      );
    const key = scope.services.apiKeys.authenticate(token);
    if (!key)
      throw authFailures.failed(request, Problem.unauthorized('This key is unknown or has been revoked.'));
    request.apiKey = key;
  });
}

/** The partner the request acts for (only inside a scope guarded by requirePartnerKey). */
export function partnerId(request: FastifyRequest): string {
  if (!request.apiKey) throw new Error('partnerId() used outside an authenticated scope');
  return request.apiKey.partnerId;
}
