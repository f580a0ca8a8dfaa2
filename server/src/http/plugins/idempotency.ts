// `Idempotency-Key` on mutations: the first response to a key is stored for 24 h and replayed for
// repeats; the same key with a different request is refused, and a repeat that arrives while the
// first is still running gets 409 rather than a second side effect.

import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IdempotencyRepository } from '../idempotency-repository.ts';
import { Problem } from '../problem.ts';

const RETENTION_MS = 24 * 60 * 60 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { scope: string; key: string } | null;
  }
}

/** Adds idempotency to the POST/PATCH/DELETE routes of `scope`; `scopeOf` names whose keys they are. */
export function enableIdempotency(
  scope: FastifyInstance,
  scopeOf: (request: FastifyRequest) => string,
): void {
  const { clock } = scope.services;
  const records = new IdempotencyRepository(scope.services.db, scope.services.masterKey);
  scope.decorateRequest('idempotency', null);

  scope.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (key === undefined || !['POST', 'PATCH', 'DELETE'].includes(request.method)) return;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw Problem.validation([
        { field: '/header/idempotency-key', message: 'must be 1-255 visible ASCII characters' },
      ]);
    }
    const owner = scopeOf(request);
    const requestHash = createHash('sha256')
      .update(
        `${request.method} ${request.routeOptions.url}\n${JSON.stringify(request.params)}\n${JSON.stringify(request.body ?? null)}`,
      )
      .digest('hex');
    const now = clock.now();
    records.deleteOlderThan(new Date(now.getTime() - RETENTION_MS).toISOString());
    if (records.claim(owner, key, requestHash, now.toISOString())) {
      request.idempotency = { scope: owner, key };
      return;
    }
    const record = records.get(owner, key)!;
    if (record.requestHash !== requestHash) {
      throw new Problem(
        422,
        'idempotency_key_reused',
        'Idempotency key reused',
        'This Idempotency-Key was used with a different request in the last 24 hours.',
      );
    }
    if (record.statusCode === null) {
      throw Problem.conflict(
        'idempotency_in_progress',
        'A request with this Idempotency-Key is still being processed.',
      );
    }
    return reply
      .code(record.statusCode)
      .header('idempotent-replayed', 'true')
      .type(record.responseType)
      .send(record.responseBody);
  });

  scope.addHook('onSend', async (request, reply, payload) => {
    const idem = request.idempotency;
    if (!idem) return payload;
    request.idempotency = null;
    if (reply.statusCode >= 500) {
      // The first attempt failed on our side: let the client retry with the same key.
      records.release(idem.scope, idem.key);
    } else {
      records.complete(idem.scope, idem.key, {
        statusCode: reply.statusCode,
        body: typeof payload === 'string' ? payload : '',
        contentType: String(reply.getHeader('content-type') ?? 'application/json'),
      });
    }
    return payload;
  });
}
