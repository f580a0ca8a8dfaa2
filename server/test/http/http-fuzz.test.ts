// Seeded HTTP fuzzing over every operation of the OpenAPI document: malformed JSON, wrong types,
// huge and deep values, bad encodings, odd methods, paths, queries and headers. Whatever arrives,
// the answer is never a 5xx, and every 4xx is problem+json whose `status` is the response's.
// FAXSEAL_FUZZ_SEED and FAXSEAL_FUZZ_CASES (per operation) reproduce or widen a run.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Rng, seededRandom } from '../../../scripts/fixtures/seeded-random.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

const SEED = Number(process.env.FAXSEAL_FUZZ_SEED ?? 0x15fa);
const CASES_PER_OPERATION = Number(process.env.FAXSEAL_FUZZ_CASES ?? 24);

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
}

interface Operation {
  method: string;
  path: string;
  security: 'partner' | 'operator' | 'none';
  parameters: { in: string; name: string; schema: JsonSchema }[];
  body: { contentTypes: string[]; schema: JsonSchema | null } | null;
}

interface FuzzRequest {
  kind: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

let app: TestAppliance;
let partnerKey: string;
let operatorToken: string;
let operations: Operation[];
/** What the appliance logged at error level: a failure names the error behind its 500. */
const errorLines: string[] = [];

before(async () => {
  // Budgets out of the way: the fuzz must reach the routes, not the rate limiters.
  app = await startTestAppliance(
    { rateLimitPerMinute: 1_000_000, authFailuresPerMinute: 1_000_000, logLevel: 'error' },
    { logDestination: { write: (line: string) => errorLines.push(line) } },
  );
  ({ apiKey: partnerKey } = await app.onboardPartner());
  operatorToken = app.firstRunOperator!.token;
  const provisioned = await app.call('POST', '/api/partner/numbers', {
    key: partnerKey,
    body: { externalUserId: 'fuzz-user', tier: 'personal' },
  });
  assert.equal(provisioned.status, 201, provisioned.text);
  const spec = (await app.call('GET', '/docs/json')).body;
  operations = [];
  for (const [path, methods] of Object.entries<Record<string, any>>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const scheme = Object.keys(op.security?.[0] ?? {})[0];
      const content = op.requestBody?.content ?? null;
      operations.push({
        method: method.toUpperCase(),
        path,
        security: scheme === 'partnerKey' ? 'partner' : scheme === 'adminToken' ? 'operator' : 'none',
        parameters: op.parameters ?? [],
        body: content
          ? {
              contentTypes: Object.keys(content),
              schema: content['application/json']?.schema ?? null,
            }
          : null,
      });
    }
  }
});
after(() => app.shutdown());

// ---- hostile material ----

const deep = (depth: number, array: boolean): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = array ? [value] : { a: value };
  return value;
};

const HOSTILE_VALUES: (() => unknown)[] = [
  () => null,
  () => true,
  () => -1,
  () => 0,
  () => 1e308,
  () => -1e308,
  () => 2 ** 53 + 1,
  () => 0.5,
  () => '',
  () => ' ',
  () => '\u0000',
  () => '\ud800',
  () => '😀'.repeat(500),
  () => 'x'.repeat(70_000),
  () => '../../../../etc/passwd',
  () => "' OR 1=1 --",
  () => '<script>alert(1)</script>',
  () => '2016-12-31T23:59:60Z',
  () => '+275760-09-13T00:00:00.001Z',
  () => '0000-00-00T00:00:00Z',
  () => 'NaN',
  () => '1e999',
  () => 'http://[::ffff:0:127.0.0.1]/hook',
  () => 'https://fuzz.invalid/doc.pdf',
  () => [],
  () => Array(5000).fill('a'),
  () => ({}),
  () => ({ __proto__: { polluted: true } }),
  () => JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  () => deep(40, true),
  () => deep(63, false),
  () => deep(200, true),
];

const MALFORMED_BODIES = [
  '{',
  '{"a":',
  '[1,2',
  'nul',
  '{"a":1}}',
  '{"a":1} trailing',
  '\u0000',
  '\ufeff{}',
  '1e999',
  '"a string"',
  'true',
  '[]',
  '{"a":1,"a":2}',
  '{"\\ud800":1}',
  '{"a":"\\u0000"}',
  '{"a":"\\x41"}',
  `{"a":"${'\\'.repeat(9)}"}`,
  '{"a":01}',
  '{a:1}',
  "{'a':1}",
];

const BAD_BYTES = [
  Buffer.from([0xff, 0xfe, 0xfd]),
  Buffer.from([0xc0, 0x80]), // overlong NUL
  Buffer.from([0xed, 0xa0, 0x80]), // UTF-8 encoded surrogate
  Buffer.from([0xf4, 0x90, 0x80, 0x80]), // past U+10FFFF
  Buffer.from([0xe2, 0x82]), // cut sequence
];

const PATH_VALUES = [
  '%zz',
  '%',
  '%00',
  '%C0%80',
  '%ED%A0%80',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  'a'.repeat(150),
  'a'.repeat(5000),
  '%E2%80%AE',
  '%20',
  '😀',
  "'%20OR%201=1",
  'fax_00000000000000000000000000',
  'fuzz-user',
];

const QUERY_VALUES = [
  '%zz',
  '%',
  '%00',
  '%C0%80',
  '%ED%A0%80',
  'a'.repeat(7000),
  '-1',
  '0',
  '1e999',
  '99999999999999999999',
  'true',
  '2016-12-31T23:59:60Z',
  '0026-12',
  '2026-12',
  '"unbalanced',
  'a%20AND%20(b',
  'NOT',
  '*',
  '%22%22',
  'bG9s',
  'fuzz-user',
];

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  `multipart/form-data; boundary=${'b'.repeat(300)}`,
  'multipart/form-data; boundary=fuzz',
  'application/json; charset=latin1',
  'application/json; charset=utf-16le',
  'application/json, text/plain',
  '*/*',
  'application/problem+json',
  'text/csv',
  'application/octet-stream',
  'application/json; boundary=x; charset',
];

const ODD_HEADERS: ((rng: Rng) => Record<string, string>)[] = [
  () => ({ 'idempotency-key': 'k'.repeat(300) }),
  () => ({ 'idempotency-key': 'with space' }),
  () => ({ 'idempotency-key': 'ключ' }),
  (rng) => ({ 'idempotency-key': `fuzz-${Math.floor(rng() * 4)}` }),
  () => ({ accept: 'application/xml' }),
  () => ({ accept: 'text/html;q=0.1, */*;q=0' }),
  () => ({ 'x-request-id': 'r'.repeat(5000) }),
  () => ({ 'x-request-id': '../\u00ff' }),
  () => ({ range: 'bytes=abc' }),
  () => ({ range: 'bytes=99999999999999999999-' }),
  () => ({ range: 'bytes=5-1,0-0,-0' }),
  () => ({ 'content-encoding': 'gzip' }),
  () => ({ 'accept-encoding': 'br;q=2, gzip;q=nan' }),
  () => ({ 'accept-version': '999' }),
  () => ({ 'x-forwarded-for': '127.0.0.1, ::1' }),
  () => ({ cookie: `a=${'b'.repeat(4000)}` }),
];

const AUTH_VARIANTS = [
  'Bearer',
  'Bearer  a b',
  'Basic Zm9vOmJhcg==',
  'Bearer sk_partner_',
  'Bearer \u00ff',
  '',
];

// ---- generation ----

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];

/** A value that fits `schema` as far as a generator without the pattern can tell. */
function sample(schema: JsonSchema | undefined, name: string, rng: Rng): unknown {
  if (!schema) return 'fuzz';
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return pick(rng, schema.enum);
  if (schema.anyOf) return sample(pick(rng, schema.anyOf), name, rng);
  const type = Array.isArray(schema.type) ? pick(rng, schema.type) : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(schema.properties ?? {}))
        if (schema.required?.includes(key) || rng() < 0.5) out[key] = sample(sub, key, rng);
      return out;
    }
    case 'array':
      return [sample(schema.items, name, rng)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return rng() < 0.5;
    case 'null':
      return null;
    default:
      if (schema.format === 'date-time') return new Date(0).toISOString();
      if (/externalUserId/.test(name)) return 'fuzz-user';
      if (/^(to|from)$/.test(name)) return '+12125550123';
      if (/url/i.test(name)) return 'https://fuzz.invalid/hook';
      return 'fuzz';
  }
}

/** Replaces one value somewhere in `value` (or `value` itself) with `replacement`. */
function mutateOne(value: unknown, replacement: unknown, rng: Rng): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value) && rng() < 0.8) {
    const keys = Object.keys(value);
    const target = keys.length > 0 && rng() < 0.8 ? pick(rng, keys) : `extra${Math.floor(rng() * 9)}`;
    return { ...value, [target]: mutateOne((value as Record<string, unknown>)[target], replacement, rng) };
  }
  return replacement;
}

function fillPath(op: Operation, rng: Rng, hostile: boolean): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    hostile
      ? pick(rng, PATH_VALUES)
      : name === 'externalUserId'
        ? 'fuzz-user'
        : `fuzz_${Math.floor(rng() * 1e6)}`,
  );
}

function query(op: Operation, rng: Rng): string {
  const params = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const names = [...params, 'unknown', 'limit', 'cursor', '__proto__', 'q[]', 'a'.repeat(300)];
  const parts: string[] = [];
  const count = 1 + Math.floor(rng() * 4);
  for (let i = 0; i < count; i++) parts.push(`${pick(rng, names)}=${pick(rng, QUERY_VALUES)}`);
  if (rng() < 0.2) parts.push(parts[0]); // a repeated parameter becomes an array
  return `?${parts.join('&')}`;
}

function caseFor(op: Operation, rng: Rng): FuzzRequest {
  const headers: Record<string, string> = {};
  if (op.security === 'partner') headers.authorization = `Bearer ${partnerKey}`;
  if (op.security === 'operator') headers.authorization = `Bearer ${operatorToken}`;
  const request: FuzzRequest = { kind: '', method: op.method, url: fillPath(op, rng, false), headers };
  const bodySample = () => JSON.stringify(sample(op.body?.schema ?? { type: 'object' }, 'body', rng));
  const withJson = (body: string | Buffer) => {
    request.body = body;
    headers['content-type'] = 'application/json';
  };
  const kinds = [
    'malformed',
    'wrong_type',
    'huge',
    'deep',
    'encoding',
    'query',
    'path',
    'headers',
    'method',
    'auth',
  ];
  request.kind = pick(rng, kinds);
  const hasBody = !['GET', 'HEAD'].includes(op.method);
  switch (request.kind) {
    case 'malformed':
      if (hasBody) withJson(pick(rng, MALFORMED_BODIES));
      else request.url += query(op, rng);
      break;
    case 'wrong_type':
    case 'huge':
    case 'deep': {
      const pool =
        request.kind === 'huge'
          ? HOSTILE_VALUES.slice(12, 14).concat(HOSTILE_VALUES.slice(25, 26))
          : request.kind === 'deep'
            ? HOSTILE_VALUES.slice(-3)
            : HOSTILE_VALUES;
      const body = mutateOne(
        sample(op.body?.schema ?? { type: 'object' }, 'body', rng),
        pick(rng, pool)(),
        rng,
      );
      if (hasBody) withJson(JSON.stringify(body));
      else request.url += query(op, rng);
      break;
    }
    case 'encoding': {
      if (hasBody) {
        const text = bodySample();
        const at = text.indexOf('"', 2) > 0 ? text.indexOf('"', 2) : 1;
        withJson(
          Buffer.concat([Buffer.from(text.slice(0, at)), pick(rng, BAD_BYTES), Buffer.from(text.slice(at))]),
        );
        if (rng() < 0.3) request.body = Buffer.from(text, 'utf16le');
      } else {
        request.url += `?q=${pick(rng, ['%C0%80', '%ED%A0%80', '%FF%FE', '%F4%90%80%80', '%E2%82'])}`;
      }
      break;
    }
    case 'query':
      request.url += query(op, rng);
      break;
    case 'path':
      request.url = fillPath(op, rng, true);
      if (!op.path.includes('{')) request.url += `/${pick(rng, PATH_VALUES)}`;
      break;
    case 'headers':
      Object.assign(headers, pick(rng, ODD_HEADERS)(rng));
      if (hasBody) {
        request.body =
          rng() < 0.5
            ? bodySample()
            : `--fuzz\r\nContent-Disposition: form-data; name="to"\r\n\r\n1\r\n--fuzz--\r\n`;
        headers['content-type'] = pick(rng, CONTENT_TYPES);
      }
      break;
    case 'method':
      request.method = pick(rng, ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
      if (!['GET', 'HEAD'].includes(request.method) && rng() < 0.5) withJson(bodySample());
      break;
    case 'auth':
      headers.authorization = pick(rng, AUTH_VARIANTS);
      if (hasBody) withJson(bodySample());
      break;
  }
  return request;
}

/** Answers by status (0: fetch would not send it), printed with the result. */
const statuses = new Map<number, number>();

async function send(request: FuzzRequest): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(app.httpUrl + request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
  } catch (err) {
    // fetch refused to send it (a header value it will not encode): nothing reached the server.
    if (err instanceof TypeError && !/fetch failed/.test(err.message)) {
      statuses.set(0, (statuses.get(0) ?? 0) + 1);
      return null;
    }
    return `no answer: ${(err as Error).cause ?? err}`;
  }
  const text = await res.text();
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  if (res.status >= 500) {
    const id = res.headers.get('x-request-id');
    const logged = errorLines.find((line) => id && line.includes(id));
    const err = logged ? JSON.parse(logged).err : null;
    return `${res.status}: ${err ? `${err.type}: ${err.message} ${String(err.stack).split('\n')[1]?.trim()}` : text.slice(0, 300)}`;
  }
  if (res.status < 400) return null;
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) return `${res.status} as ${type}: ${text.slice(0, 200)}`;
  if (request.method === 'HEAD') return null;
  let body: { status?: number; code?: string; type?: string; title?: string };
  try {
    body = JSON.parse(text);
  } catch {
    return `${res.status} problem+json that is not JSON: ${text.slice(0, 200)}`;
  }
  if (body.status !== res.status || !/^[a-z][a-z0-9_]*$/.test(body.code ?? '') || !body.type || !body.title)
    return `${res.status} with a malformed problem: ${text.slice(0, 200)}`;
  return null;
}

test(`fuzzing every OpenAPI operation (seed ${SEED}, ${CASES_PER_OPERATION} cases each): no 5xx, every 4xx problem+json`, async (t) => {
  assert.ok(operations.length >= 40, `the OpenAPI document lists ${operations.length} operations`);
  const rng = seededRandom(SEED);
  const failures: string[] = [];
  let sent = 0;
  for (const op of operations) {
    for (let i = 0; i < CASES_PER_OPERATION; i++) {
      const request = caseFor(op, rng);
      const failure = await send(request);
      sent++;
      if (failure) {
        const shownUrl = request.url.length > 120 ? `${request.url.slice(0, 120)}…` : request.url;
        const body = request.body === undefined ? '' : ` ${String(request.body).slice(0, 160)}`;
        failures.push(
          `${op.method} ${op.path} [${request.kind}] ${request.method} ${shownUrl}${body}: ${failure}`,
        );
      }
    }
  }
  // The appliance is still up and answering after all of it.
  assert.equal((await fetch(`${app.httpUrl}/healthz`)).status, 200);
  assert.ok(sent >= operations.length * CASES_PER_OPERATION);
  const byStatus = [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status || 'unsent'}: ${n}`);
  t.diagnostic(`${sent} requests over ${operations.length} operations; answers ${byStatus.join(', ')}`);
  // Most requests reach a route's own checks, not only the framework's.
  assert.ok((statuses.get(0) ?? 0) < sent / 10, 'fetch sent nearly every request');
  assert.deepEqual(
    failures,
    [],
    `${failures.length} of ${sent} requests (seed ${SEED}):\n${failures.join('\n')}`,
  );
});
