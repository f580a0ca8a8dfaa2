// Turns every error into problem+json: Problems keep their status and code, DomainErrors get the
// status of their kind, schema validation failures list each offending field, and anything
// unexpected is logged and becomes a plain 500.

import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError } from '../domain-error.ts';
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

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Problem | DomainError, request, reply) => {
    let problem: Problem;
    if (error instanceof Problem) {
      problem = error;
    } else if (error instanceof DomainError) {
      problem = Problem.fromDomain(error);
    } else if ((error as FastifyError).validation) {
      const fe = error as FastifyError;
      problem = Problem.validation(
        fieldErrorsFromAjv(fe.validation as unknown as AjvError[], fe.validationContext ?? 'body'),
      );
    } else if ((error as FastifyError).statusCode === 429) {
      problem = new Problem(429, 'rate_limited', 'Too many requests', (error as Error).message);
    } else if (
      (error as FastifyError).statusCode &&
      (error as FastifyError).statusCode! >= 400 &&
      (error as FastifyError).statusCode! < 500
    ) {
      // Fastify's own client errors (bad JSON, wrong content type, body too large…).
      const fe = error as FastifyError;
      problem = new Problem(
        fe.statusCode!,
        clientErrorCode(fe),
        clientErrorTitle(fe.statusCode!),
        fe.message,
      );
    } else {
      request.log.error({ err: error }, 'unhandled error');
      problem = new Problem(
        500,
        'internal_error',
        'Internal server error',
        `Request ${request.id} failed; it is logged.`,
      );
    }
    if (problem.status >= 500 && error instanceof Problem) request.log.error({ err: error }, problem.code);
    reply
      .status(problem.status)
      .headers(problem.headers)
      .type('application/problem+json')
      .send(problem.body(request.url.split('?')[0]));
  });

  app.setNotFoundHandler((request, reply) => {
    const problem = Problem.notFound(
      'route_not_found',
      `No route ${request.method} ${request.url.split('?')[0]}`,
    );
    reply.status(404).type('application/problem+json').send(problem.body());
  });
}

function clientErrorCode(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'invalid_json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return 'payload_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type';
    default:
      return 'bad_request';
  }
}

function clientErrorTitle(status: number): string {
  return status === 413 ? 'Payload too large' : status === 415 ? 'Unsupported media type' : 'Bad request';
}
