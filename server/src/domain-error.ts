// Expected failures of the domain, as values with a stable code: repositories and services throw
// them, and only the edges turn them into something else (http/errors.ts into problem+json, the CLI
// into a message and an exit code). Domain code never imports http/.

/** What kind of refusal this is; the HTTP edge maps each kind to one status. */
export type DomainErrorKind =
  | 'invalid' // 400: the input is wrong (with field errors when there are fields to name)
  | 'unauthorized' // 401: credentials missing or not accepted
  | 'payment_required' // 402: credits or billing stand in the way
  | 'forbidden' // 403: the caller may not do this
  | 'not_found' // 404
  | 'conflict' // 409: the current state does not allow it
  | 'gone' // 410: it existed and is no longer usable (used or expired links)
  | 'too_large' // 413
  | 'unsupported_media_type' // 415: the document is not of a type we accept
  | 'unprocessable' // 422: well-formed, but refers to something unusable
  | 'rate_limited' // 429: too many attempts; `extra.retryAfterSeconds` says when to try again
  | 'unavailable'; // 503: a part of the appliance is not running

/** One offending input field, as a JSON pointer into the request (`/body/to`, `/query/limit`). */
export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** Stable machine code, e.g. `number_not_found`, `insufficient_credits`. */
    readonly code: string,
    /** Short human title, the same for every occurrence of the code. */
    readonly title: string,
    /** What happened this time and what to do about it. */
    readonly detail?: string,
    /** Extra members of the error body (`errors`, `permission`, `areaCodes`…). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'DomainError';
  }

  /** Invalid input naming every offending field. */
  static invalid(errors: FieldError[], detail?: string, code = 'validation_failed'): DomainError {
    return new DomainError(
      'invalid',
      code,
      'The request is not valid',
      detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      { errors },
    );
  }

  static notFound(code: string, detail: string): DomainError {
    return new DomainError('not_found', code, 'Not found', detail);
  }

  static conflict(code: string, detail: string, extra: Record<string, unknown> = {}): DomainError {
    return new DomainError('conflict', code, 'Conflict', detail, extra);
  }

  static forbidden(permission: string, detail: string): DomainError {
    return new DomainError('forbidden', 'forbidden', 'Permission denied', detail, { permission });
  }
}
