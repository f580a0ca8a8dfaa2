import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiClient, ApiProblem, type FetchLike } from './client.ts';

function fakeFetch(status: number, body: string, seen: { url?: string; init?: RequestInit } = {}): FetchLike {
  return async (url, init) => {
    seen.url = url;
    seen.init = init;
    return new Response(body, { status });
  };
}

test('sends the bearer token, JSON bodies and the query, and returns the parsed body', async () => {
  const seen: { url?: string; init?: RequestInit } = {};
  const client = new ApiClient('/servers/p1', 'sk_partner_abc', fakeFetch(201, '{"id":"num_1"}', seen));
  const result = await client.send<{ id: string }>('POST', '/api/partner/numbers', {
    json: { tier: 'personal' },
    query: { limit: 5, cursor: undefined },
  });
  assert.deepEqual(result, { status: 201, body: { id: 'num_1' } });
  assert.equal(seen.url, '/servers/p1/api/partner/numbers?limit=5');
  const headers = seen.init?.headers as Record<string, string>;
  assert.equal(headers.authorization, 'Bearer sk_partner_abc');
  assert.equal(headers['content-type'], 'application/json');
  assert.equal(seen.init?.body, '{"tier":"personal"}');
});

test('turns problem+json into an ApiProblem with its field errors', async () => {
  const body = JSON.stringify({
    type: 'https://faxseal.dev/problems/invalid-schema',
    title: 'The extraction schema is not valid',
    status: 400,
    code: 'invalid_schema',
    detail: '/body/extractionSchema/dob/type: unknown type',
    errors: [
      { field: '/body/extractionSchema/dob/type', message: 'unknown type "date"' },
      { field: '/body/webhookUrl', message: 'must be an absolute http(s) URL' },
      { nonsense: true },
    ],
  });
  const client = new ApiClient('', 'sk_partner_abc', fakeFetch(400, body));
  const problem = await client.patch('/api/partner/settings', { json: {} }).then(
    () => assert.fail('expected a problem'),
    (error: unknown) => error as ApiProblem,
  );
  assert.ok(problem instanceof ApiProblem);
  assert.equal(problem.status, 400);
  assert.equal(problem.code, 'invalid_schema');
  assert.equal(problem.errors.length, 2);
  assert.deepEqual(
    problem.errorsUnder('/body/extractionSchema').map((e) => e.message),
    ['unknown type "date"'],
  );
});

test('reports non-problem failures and network errors with stable codes', async () => {
  const proxy = new ApiClient('', null, fakeFetch(502, '<html>Bad gateway</html>'));
  await assert.rejects(proxy.get('/api/admin/dids'), { code: 'http_502', status: 502 });
  const down = new ApiClient('', null, async () => {
    throw new TypeError('Failed to fetch');
  });
  await assert.rejects(down.get('/api/admin/dids'), { code: 'network_error', status: 0 });
});
