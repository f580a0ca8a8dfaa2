// How the API reads JSON request bodies: an empty body is no body (action endpoints called with
// `curl -X POST -H 'content-type: application/json'`), and nesting deeper than MAX_JSON_DEPTH is
// refused before parsing, so no recursive walk of a body (hashing, validation) can run out of stack.

import type { FastifyInstance } from 'fastify';
import { Problem } from './problem.ts';

/** Deepest nesting of objects and arrays a request body may have; the deepest real body is ~15. */
export const MAX_JSON_DEPTH = 64;

export function installJsonBodyParser(app: FastifyInstance): void {
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text === '') return done(null, undefined);
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      return done(
        new Problem(
          400,
          'json_too_deep',
          'JSON nested too deeply',
          `The body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`,
        ),
      );
    }
    jsonParser(request, text, done);
  });
}

/** The deepest bracket nesting in `text`, brackets inside strings not counted (any text, valid or not). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}
