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
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export class ApiClient {
  constructor(
    /** '' in a browser (same origin), `/servers/<profileId>` in the desktop console. */
    private readonly baseUrl: string,
    private readonly token: string | null,
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
  ) {}

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
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
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.text !== undefined) {
      body = options.text;
      headers['content-type'] = options.contentType ?? 'text/plain';
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path + queryString(options.query), {
        method,
        headers,
        body,
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
