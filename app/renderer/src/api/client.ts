// A thin typed HTTP client for the FaxSeal API. Every error the server sends is RFC 9457
// problem+json with a stable `code`; it becomes an ApiProblem the pages can show field by field.

export interface FieldError {
  /** JSON pointer into the request, e.g. `/body/extractionSchema/dob/type`. */
  field: string;
  message: string;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: FieldError[] = [],
    readonly body: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'ApiProblem';
  }

  /** Field errors under a JSON pointer prefix, e.g. `/body/extractionSchema`. */
  errorsUnder(prefix: string): FieldError[] {
    return this.errors.filter((e) => e.field === prefix || e.field.startsWith(`${prefix}/`));
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as-is with `contentType` (e.g. a CSV file). */
  text?: string;
  contentType?: string;
  /** Sent as multipart/form-data (a PDF upload). */
  form?: FormData;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** How requests prove who they are: a bearer key, or the session cookie with its CSRF token. */
export interface ApiAuth {
  token?: string | null;
  /** Sent on state-changing requests made with the session cookie. */
  csrfToken?: string | null;
  /** The organisation a person acts for (`x-faxseal-partner`). */
  partnerId?: string | null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class ApiClient {
  private readonly auth: ApiAuth;

  constructor(
    /** '' in a browser (same origin), `/servers/<profileId>` in the desktop console. */
    readonly baseUrl: string,
    auth: ApiAuth | string | null,
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
  ) {
    this.auth = typeof auth === 'string' || auth === null ? { token: auth } : auth;
  }

  /** The headers that authenticate a request (also for event streams and downloads). */
  authHeaders(method = 'GET'): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.auth.token) headers.authorization = `Bearer ${this.auth.token}`;
    if (this.auth.csrfToken && !SAFE_METHODS.has(method)) headers['x-csrf-token'] = this.auth.csrfToken;
    if (this.auth.partnerId) headers['x-faxseal-partner'] = this.auth.partnerId;
    return headers;
  }

  url(path: string, query?: RequestOptions['query']): string {
    return this.baseUrl + path + queryString(query);
  }

  /** A binary answer (page image, PDF) as a Blob; errors as ApiProblem like every other call. */
  async blob(path: string, options: RequestOptions = {}): Promise<Blob> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path, options.query), {
        method: 'GET',
        headers: this.authHeaders('GET'),
        credentials: 'same-origin',
      });
    } catch (error) {
      throw new ApiProblem(0, 'network_error', 'The server did not answer', (error as Error).message);
    }
    if (response.ok) return response.blob();
    const text = await response.text();
    throw toProblem(response.status, parseJson(text), text);
  }

  /** Opens an answer that streams (server-sent events). */
  async stream(path: string, signal: AbortSignal): Promise<Response> {
    const response = await this.fetchImpl(this.url(path), {
      method: 'GET',
      headers: { ...this.authHeaders('GET'), accept: 'text/event-stream' },
      credentials: 'same-origin',
      signal,
    });
    if (!response.ok) {
      const text = await response.text();
      throw toProblem(response.status, parseJson(text), text);
    }
    return response;
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }
  put<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, options);
  }
  post<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, options);
  }
  patch<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, options);
  }
  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.send<T>(method, path, options)).body;
  }

  /** Like request, with the status code (e.g. 201 created against 200 already there). */
  async send<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      ...this.authHeaders(method),
    };
    let body: string | FormData | undefined;
    if (options.form !== undefined) {
      body = options.form;
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.text !== undefined) {
      body = options.text;
      headers['content-type'] = options.contentType ?? 'text/plain';
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path, options.query), {
        method,
        headers,
        body,
        credentials: 'same-origin',
      });
    } catch (error) {
      throw new ApiProblem(0, 'network_error', 'The server did not answer', (error as Error).message);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (response.ok) return { status: response.status, body: parsed as T };
    throw toProblem(response.status, parsed, text);
  }
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toProblem(status: number, parsed: unknown, text: string): ApiProblem {
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    typeof (parsed as { code?: unknown }).code === 'string'
  ) {
    const body = parsed as Record<string, unknown>;
    const errors = Array.isArray(body.errors) ? body.errors.filter(isFieldError) : [];
    return new ApiProblem(
      status,
      body.code as string,
      typeof body.title === 'string' ? body.title : `HTTP ${status}`,
      typeof body.detail === 'string' ? body.detail : undefined,
      errors,
      body,
    );
  }
  // Not one of ours (a proxy's HTML error page, say): keep a short excerpt for the message.
  return new ApiProblem(status, `http_${status}`, `HTTP ${status}`, text.slice(0, 200) || undefined);
}

function isFieldError(value: unknown): value is FieldError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.field === 'string' && typeof v.message === 'string';
}
