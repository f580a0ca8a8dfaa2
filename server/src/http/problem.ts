// RFC 9457 problem details: the one error shape every HTTP response uses. Routes and HTTP plugins
// throw Problems; domain code throws DomainErrors, which the error handler maps here by their kind;
// anything else becomes a logged 500.

import { Type } from 'typebox';
import type { DomainError, DomainErrorKind, FieldError } from '../domain-error.ts';

export type { FieldError };

const STATUS_OF_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  payment_required: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }

  static fromDomain(error: DomainError): Problem {
    const retryAfter = error.extra.retryAfterSeconds;
    const headers: Record<string, string> =
      typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {};
    return new Problem(
      STATUS_OF_KIND[error.kind],
      error.code,
      error.title,
      error.detail,
      error.extra,
      headers,
    );
  }

  static validation(errors: FieldError[], detail?: string): Problem {
    return new Problem(
      400,
      'validation_failed',
      'The request is not valid',
      detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      { errors },
    );
  }

  static notFound(code: string, detail: string): Problem {
    return new Problem(404, code, 'Not found', detail);
  }

  static unauthorized(detail: string): Problem {
    return new Problem(
      401,
      'unauthorized',
      'Authentication required',
      detail,
      {},
      { 'www-authenticate': 'Bearer' },
    );
  }

  static forbidden(permission: string, detail: string): Problem {
    return new Problem(403, 'forbidden', 'Permission denied', detail, { permission });
  }

  static conflict(code: string, detail: string, extra: Record<string, unknown> = {}): Problem {
    return new Problem(409, code, 'Conflict', detail, extra);
  }

  body(instance?: string): ProblemBody {
    return {
      type: `https://faxseal.dev/problems/${this.code.replace(/_/g, '-')}`,
      title: this.title,
      status: this.status,
      code: this.code,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...this.extra,
    };
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  [extra: string]: unknown;
}

/** Response schema for every error status: documents the shape in OpenAPI. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { additionalProperties: true },
);

/** Adds the problem responses a route can produce to its schema. */
export function problemResponses(...statuses: number[]): Record<number, typeof ProblemSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemSchema]));
}
