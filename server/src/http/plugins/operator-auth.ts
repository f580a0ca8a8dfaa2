// Operator API authentication: an `sk_admin_…` token (scripts) or the console's operator session
// cookie (with its CSRF token on writes). Each admin route declares the operator permission it
// needs (`config: { operatorPermission }`), or `access: 'self'` for an operator's own sessions,
// password, second factor and tokens, or `access: 'public'` for sign-in.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type OperatorPermission, operatorMay } from '../../admin/operator-permissions.ts';
import type { Operator } from '../../admin/operator-repository.ts';
import { Problem } from '../problem.ts';
import { bearerToken } from './partner-auth.ts';
import { authenticateSessionCookie } from './session-cookie.ts';

declare module 'fastify' {
  interface FastifyRequest {
    operator: Operator | null;
    /** The token a token-authenticated operator request used. */
    operatorTokenId: string | null;
  }
}

/** Adds the onRequest hook to `scope` that authenticates operators and checks each route's permission. */
export function requireOperator(scope: FastifyInstance): void {
  scope.decorateRequest('operator', null);
  scope.decorateRequest('operatorTokenId', null);
  scope.decorateRequest('personSession', null);
  scope.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    if (config.access === 'public') return;
    const { authFailures } = scope;
    authFailures.refuseIfExhausted(request);
    const { operators, sessions } = scope.services;
    const token = bearerToken(request);
    let operator: Operator | null = null;
    if (token) {
      const found = operators.authenticateToken(token);
      if (!found)
        throw authFailures.failed(
          request,
          Problem.unauthorized('This operator token is unknown or has been revoked.'),
        );
      operator = found.operator;
      request.operatorTokenId = found.tokenId;
    } else {
      let cookie: ReturnType<typeof authenticateSessionCookie>;
      try {
        cookie = authenticateSessionCookie(request, reply, sessions, 'operator');
      } catch (error) {
        throw error instanceof Problem && error.status === 401 ? authFailures.failed(request, error) : error;
      }
      if (!cookie)
        throw authFailures.failed(
          request,
          Problem.unauthorized('Send an operator token as `Authorization: Bearer sk_admin_…`, or sign in.'),
        );
      operator = operators.get(cookie.record.subjectId);
      if (!operator || operator.disabledAt)
        throw new Problem(401, 'session_expired', 'Session ended', 'This operator account is disabled.');
      request.personSession = cookie;
      if (operator.mustChangePassword && config.access !== 'self')
        throw new Problem(
          403,
          'password_change_required',
          'Choose a new password first',
          'You signed in with a one-time password: set your own with POST /api/admin/auth/password.',
        );
    }
    request.operator = operator;
    if (config.access === 'self') return;
    const permission = config.operatorPermission;
    if (!permission) throw new Error(`${request.routeOptions.url} declares no operatorPermission`);
    if (!operatorMay(operator.role, permission)) throw refusal(operator, permission);
  });
}

function refusal(operator: Operator, permission: OperatorPermission): Problem {
  return Problem.forbidden(permission, `The ${operator.role} role does not include \`${permission}\`.`);
}

/** The operator the request acts for (only inside the scope guarded by requireOperator). */
export function operatorOf(request: FastifyRequest): Operator {
  if (!request.operator) throw new Error('operatorOf() used outside the operator scope');
  return request.operator;
}

/**
 * Kept for routes written before `config: { operatorPermission }`: the same check as declaring
 * `admin:write`, run as a preHandler.
 */
export async function requireOperatorWrite(request: FastifyRequest): Promise<void> {
  const operator = operatorOf(request);
  if (!operatorMay(operator.role, 'admin:write')) throw refusal(operator, 'admin:write');
}
