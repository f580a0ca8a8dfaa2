// Operator API authentication: `Authorization: Bearer sk_admin_…`. The composition root guards the
// whole /api/admin scope with requireOperator; write routes add requireOperatorWrite (auditors read).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Operator } from '../../admin/operator-repository.ts';
import { Problem } from '../problem.ts';
import { bearerToken } from './partner-auth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    operator: Operator | null;
  }
}

/** Adds an onRequest hook to `scope` that requires a live operator token. */
export function requireOperator(scope: FastifyInstance): void {
  scope.decorateRequest('operator', null);
  scope.addHook('onRequest', async (request) => {
    scope.authFailures.refuseIfExhausted(request);
    const token = bearerToken(request);
    const operator = token ? scope.services.operators.authenticateToken(token) : null;
    if (!operator)
      throw scope.authFailures.failed(
        request,
        Problem.unauthorized('Send an operator token as `Authorization: Bearer sk_admin_…`.'),
      );
    request.operator = operator;
  });
}

/** The operator the request acts for (only inside the scope guarded by requireOperator). */
export function operatorOf(request: FastifyRequest): Operator {
  if (!request.operator) throw new Error('operatorOf() used outside the operator scope');
  return request.operator;
}

/**
 * `preHandler` of every admin route that changes something: auditors have read-only access. It runs
 * after schema validation, so a malformed request still gets its 400 first.
 */
export async function requireOperatorWrite(request: FastifyRequest): Promise<void> {
  if (operatorOf(request).role === 'auditor') {
    throw Problem.forbidden('admin:write', 'Auditors have read-only access.');
  }
}
