// Infinity cannot reach a route: JSON.parse reads 1e999 as Infinity, ajv's coercion turns "1e999"
// or "Infinity" (query, path or a body string) into it, and ajv passes it through every integer
// schema (it skips minimum and maximum for non-finite numbers): `limit=1e999` reached SQLite.

import type { FastifyInstance } from 'fastify';
import { Problem } from './problem.ts';

/** The path of the first non-finite number in `value` (bodies are at most MAX_JSON_DEPTH deep), or null. */
export function nonFinitePath(value: unknown, path = ''): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return null;
  for (const [key, item] of Object.entries(value)) {
    const found = nonFinitePath(item, `${path}/${key}`);
    if (found !== null) return found;
  }
  return null;
}

/** Refuses a request whose validated (and coerced) query, path or body holds ±Infinity. */
export function installNonFiniteGuard(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    for (const [context, values] of [
      ['query', request.query],
      ['path', request.params],
      ['body', request.body],
    ] as const) {
      const found = nonFinitePath(values);
      if (found !== null)
        throw Problem.validation([{ field: `/${context}${found}`, message: 'must be a finite number' }]);
    }
  });
}
