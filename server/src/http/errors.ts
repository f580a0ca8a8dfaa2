// Turns every error into problem+json: Problems keep their status and code, DomainErrors get the
// status of their kind, schema validation failures list each offending field, Fastify's own client
// errors (router, parser, plugins, even the HTTP parser's) get a stable code, and anything
// unexpected is logged and becomes a plain 500.

import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain-error.ts';
import { isDatabaseUnavailable } from '../storage/database.ts';
import { type FieldError, Problem } from './problem.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

const CONTEXTS: Record<string, string> = {
  querystring: 'query',
  body: 'body',
  params: 'path',
  headers: 'header',
};

export function fieldErrorsFromAjv(errors: AjvError[], context: string): FieldError[] {
  const base = `/${CONTEXTS[context] ?? context}`;
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    let field = base + e.instancePath;
    let message = e.message ?? 'is not valid';
    if (e.keyword === 'required') {
      field += `/${String(e.params.missingProperty)}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      field += `/${String(e.params.additionalProperty)}`;
      message = 'is not an accepted field';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    }
    // anyOf/oneOf branches repeat the same field; one line per field and message is enough.
    const key = `${field}|${message}`;
    if (seen.has(key) || e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    seen.add(key);
    out.push({ field, message });
  }
  return out;
}

/** Turns any error a request raised into the Problem it is answered with (logging the unexpected). */
export function toProblem(error: unknown, request: FastifyRequest): Problem {
  if (error instanceof Problem) {
    if (error.status >= 500) request.log.error({ err: error }, error.code);
    return error;
  }
  if (error instanceof DomainError) return Problem.fromDomain(error);
  const fe = error as FastifyError;
  if (fe.validation) {
    return Problem.validation(
      fieldErrorsFromAjv(fe.validation as unknown as AjvError[], fe.validationContext ?? 'body'),
    );
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: (error as Error).message }, 'database unavailable');
    return databaseUnavailable();
  }
  if (fe.statusCode === 429) return new Problem(429, 'rate_limited', 'Too many requests', fe.message);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's and its plugins' own client errors (bad JSON, wrong content type, body too large…).
    const [code, title] = clientError(fe.code, fe.statusCode);
    return new Problem(fe.statusCode, code, title, fe.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return new Problem(
    500,
    'internal_error',
    'Internal server error',
    `Request ${request.id} failed; it is logged.`,
  );
}

/** Seconds a client is asked to wait while the database is away (a PostgreSQL restart takes a few). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * The answer while the shared database is out of reach. A write whose transaction was cut short is
 * rolled back; one whose COMMIT was in flight may have landed: retry with the same Idempotency-Key.
 */
export function databaseUnavailable(): Problem {
  return new Problem(
    503,
    'database_unavailable',
    'The database is unavailable',
    'The appliance cannot reach its database right now; nothing was acknowledged. Retry after the Retry-After seconds (with the same Idempotency-Key for a POST).',
    {},
    { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
  );
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply
    .status(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send(problem.body(reply.request.url.split('?')[0]));
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => sendProblem(reply, toProblem(error, request)));

  app.setNotFoundHandler((request, reply) => {
    const problem = Problem.notFound(
      'route_not_found',
      `No route ${request.method} ${request.url.split('?')[0]}`,
    );
    reply.status(404).type('application/problem+json').send(problem.body());
  });
}

/**
 * Fastify's `frameworkErrors`: the router's refusals (a path that is not valid percent-encoding, a
 * path parameter over maxParamLength) arrive here before any route, not at the error handler.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  sendProblem(reply, toProblem(error, request));
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refused (a malformed request line or
 * header, headers over the size limit, a request that took too long) never become requests, so the
 * problem+json is written to the socket by hand, and the connection closed.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const [code, title] = clientError(undefined, status);
  const body = JSON.stringify(
    new Problem(
      status,
      code,
      title,
      'The HTTP request could not be parsed; the connection is closed.',
    ).body(),
  );
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Stable codes for the client errors Fastify, its router and plugins raise themselves. */
const CLIENT_ERROR_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_BAD_URL: 'bad_url',
  FST_INVALID_JSON_FIELD_ERROR: 'invalid_multipart',
  FST_PROTO_VIOLATION: 'invalid_multipart',
  FST_MP_PREMATURE_CLOSE: 'invalid_multipart',
};

/** The code and title each client-error status gets when the error's own code is not listed above. */
const CLIENT_ERROR_STATUSES: Record<number, [string, string]> = {
  400: ['bad_request', 'Bad request'],
  404: ['not_found', 'Not found'],
  405: ['method_not_allowed', 'Method not allowed'],
  406: ['not_acceptable', 'Not acceptable'],
  408: ['request_timeout', 'Request timeout'],
  411: ['length_required', 'Length required'],
  413: ['payload_too_large', 'Payload too large'],
  414: ['uri_too_long', 'URI too long'],
  415: ['unsupported_media_type', 'Unsupported media type'],
  431: ['headers_too_large', 'Request header fields too large'],
};

function clientError(errorCode: string | undefined, status: number): [string, string] {
  const [byStatus, title] = CLIENT_ERROR_STATUSES[status] ?? CLIENT_ERROR_STATUSES[400];
  return [(errorCode && CLIENT_ERROR_CODES[errorCode]) || byStatus, title];
}
