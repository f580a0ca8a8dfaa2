// Cross-cutting API conventions: auth, key revocation, rate limits, idempotency, problem+json for
// every kind of bad input, docs, health and metrics, and secrets kept out of logs.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectProblem, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

let app: TestAppliance;
const logLines: string[] = [];

before(async () => {
  app = await startTestAppliance(
    { logLevel: 'info' },
    { logDestination: { write: (l: string) => logLines.push(l) } },
  );
});
after(() => app.shutdown());

test('requests without a key, with a malformed or unknown key are refused with 401', async () => {
  expectProblem(await app.call('GET', '/api/partner/numbers'), 401, 'unauthorized');
  expectProblem(
    await app.call('GET', '/api/partner/numbers', { headers: { authorization: 'Basic abc' } }),
    401,
    'unauthorized',
  );
  const res = await app.call('GET', '/api/partner/numbers', { key: 'sk_partner_doesnotexist' });
  expectProblem(res, 401, 'unauthorized');
  assert.equal(res.headers.get('www-authenticate'), 'Bearer');
});

test('keys: several live keys; a revoked key fails at once', async () => {
  const { apiKey } = await app.onboardPartner();
  const created = await app.call('POST', '/api/partner/keys', { key: apiKey, body: { name: 'CI deploy' } });
  assert.equal(created.status, 201);
  const second = created.body.apiKey;
  assert.equal((await app.call('GET', '/api/partner/numbers', { key: second })).status, 200);
  const listed = await app.call('GET', '/api/partner/keys', { key: apiKey });
  assert.equal(listed.body.items.length, 2);
  assert.ok(listed.body.items.every((k: Record<string, unknown>) => !('apiKey' in k)));
  const revoked = await app.call('DELETE', `/api/partner/keys/${created.body.id}`, { key: apiKey });
  assert.ok(revoked.body.revokedAt);
  expectProblem(await app.call('GET', '/api/partner/numbers', { key: second }), 401, 'unauthorized');
  assert.equal((await app.call('GET', '/api/partner/numbers', { key: apiKey })).status, 200);
  // Another partner cannot revoke this partner's key.
  const other = await app.onboardPartner();
  const firstKeyId = listed.body.items.find((k: { name: string }) => k.name === 'Default key').id;
  expectProblem(
    await app.call('DELETE', `/api/partner/keys/${firstKeyId}`, { key: other.apiKey }),
    404,
    'key_not_found',
  );
});

test('the 61st request in a minute gets 429 with Retry-After; other keys are unaffected', async () => {
  const { apiKey } = await app.onboardPartner();
  const statuses: number[] = [];
  let last = await app.call('GET', '/api/partner/numbers', { key: apiKey });
  statuses.push(last.status);
  assert.equal(last.headers.get('ratelimit-limit'), '60');
  assert.equal(last.headers.get('ratelimit-remaining'), '59');
  assert.ok(Number(last.headers.get('ratelimit-reset')) > 0);
  for (let i = 2; i <= 61; i++) {
    last = await app.call('GET', '/api/partner/numbers', { key: apiKey });
    statuses.push(last.status);
  }
  assert.deepEqual(statuses.slice(0, 60), Array(60).fill(200));
  expectProblem(last, 429, 'rate_limited');
  assert.ok(Number(last.headers.get('retry-after')) > 0);
  const other = await app.onboardPartner();
  assert.equal((await app.call('GET', '/api/partner/numbers', { key: other.apiKey })).status, 200);
});

test('a repeated Idempotency-Key returns the first response; a different request with it is refused', async () => {
  const { apiKey } = await app.onboardPartner();
  const headers = { 'idempotency-key': 'order-7781' };
  const first = await app.call('POST', '/api/partner/keys', { key: apiKey, headers, body: { name: 'once' } });
  const again = await app.call('POST', '/api/partner/keys', { key: apiKey, headers, body: { name: 'once' } });
  assert.equal(first.status, 201);
  assert.equal(again.status, 201);
  assert.deepEqual(again.body, first.body);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal((await app.call('GET', '/api/partner/keys', { key: apiKey })).body.items.length, 2);
  expectProblem(
    await app.call('POST', '/api/partner/keys', { key: apiKey, headers, body: { name: 'twice' } }),
    422,
    'idempotency_key_reused',
  );
  // Keys are per partner: another partner may use the same key string.
  const other = await app.onboardPartner();
  assert.equal(
    (await app.call('POST', '/api/partner/keys', { key: other.apiKey, headers, body: { name: 'once' } }))
      .status,
    201,
  );
});

test('every kind of bad input is problem+json naming the field; nothing is a 500', async () => {
  const { apiKey: key } = await app.onboardPartner();
  const badJson = await app.call('POST', '/api/partner/numbers', { key, body: '{"externalUserId": ' });
  expectProblem(badJson, 400, 'invalid_json');

  const missing = expectProblem(
    await app.call('POST', '/api/partner/numbers', { key, body: {} }),
    400,
    'validation_failed',
  );
  assert.deepEqual(missing.errors.map((e: { field: string }) => e.field).sort(), [
    '/body/externalUserId',
    '/body/tier',
  ]);

  const wrong = expectProblem(
    await app.call('POST', '/api/partner/numbers', {
      key,
      body: { externalUserId: 'has space', tier: 'gold', areaCode: '055', extra: 1 },
    }),
    400,
    'validation_failed',
  );
  const fields = wrong.errors.map((e: { field: string }) => e.field);
  for (const f of ['/body/externalUserId', '/body/tier', '/body/areaCode', '/body/extra'])
    assert.ok(fields.includes(f), `${f} named`);

  const limit = expectProblem(
    await app.call('GET', '/api/partner/numbers?limit=500', { key }),
    400,
    'validation_failed',
  );
  assert.equal(limit.errors[0].field, '/query/limit');

  const type = await app.call('POST', '/api/partner/numbers', {
    key,
    body: '<x/>',
    headers: { 'content-type': 'application/xml' },
  });
  expectProblem(type, 415, 'unsupported_media_type');

  const big = await app.call('POST', '/api/partner/numbers', {
    key,
    body: JSON.stringify({ externalUserId: 'x'.repeat(2_000_000), tier: 'personal' }),
  });
  expectProblem(big, 413, 'payload_too_large');

  const idem = await app.call('POST', '/api/partner/keys', {
    key,
    body: {},
    headers: { 'idempotency-key': 'ünïcode' },
  });
  assert.equal(expectProblem(idem, 400, 'validation_failed').errors[0].field, '/header/idempotency-key');

  expectProblem(await app.call('GET', '/api/partner/nothing-here', { key }), 404, 'route_not_found');
  expectProblem(
    await app.call('POST', '/partners/apply', { body: { companyName: '', email: 'x@y.test' } }),
    400,
    'validation_failed',
  );
});

test('OpenAPI 3.1 is generated from the route schemas and rendered at /docs', async () => {
  const spec = await app.call('GET', '/docs/json');
  assert.equal(spec.status, 200);
  assert.equal(spec.body.openapi, '3.1.0');
  for (const p of [
    '/partners/apply',
    '/partners/verify',
    '/api/partner/numbers',
    '/api/partner/numbers/{externalUserId}',
    '/api/partner/settings',
    '/api/partner/settings/webhook-secret',
    '/api/partner/keys',
  ]) {
    assert.ok(spec.body.paths[p], `${p} documented`);
  }
  const post = spec.body.paths['/api/partner/numbers'].post;
  assert.ok(post.requestBody.content['application/json'].schema.properties.externalUserId);
  assert.ok(post.responses['409'], 'error responses documented');
  const html = await app.call('GET', '/docs/');
  assert.equal(html.status, 200);
  assert.match(html.text, /swagger/i);
  assert.match(html.text, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
});

test('health, readiness and Prometheus metrics answer', async () => {
  const { status, node } = (await app.call('GET', '/healthz')).body;
  assert.equal(status, 'ok');
  assert.equal(node.name, app.config.nodeName);
  assert.deepEqual(node.roles, ['api', 'sip', 'ocr', 'extract', 'dispatch']);
  // On one SQLite file every singleton is this node's from the start; on PostgreSQL the advisory
  // locks are taken asynchronously, and only ever these.
  if (app.services.db.engine === 'sqlite')
    assert.deepEqual(node.singletons, ['billing.close-month', 'retention.purge', 'trunk.monitor']);
  for (const name of node.singletons)
    assert.ok(['billing.close-month', 'retention.purge', 'trunk.monitor'].includes(name), name);
  const ready = await app.call('GET', '/readyz');
  assert.equal(ready.body.status, 'ready');
  assert.ok(ready.body.schemaVersion >= 1);
  assert.equal(ready.body.node.name, app.config.nodeName);
  const metrics = await app.call('GET', '/metrics');
  assert.match(
    metrics.text,
    /faxseal_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/,
  );
  assert.match(metrics.text, /faxseal_process_cpu_seconds_total/);
});

test('every response carries a request id and security headers', async () => {
  const res = await app.call('GET', '/healthz', { headers: { 'x-request-id': 'trace-abc.1' } });
  assert.equal(res.headers.get('x-request-id'), 'trace-abc.1');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(res.headers.get('content-security-policy'));
});

test('keys, tokens and secrets never reach the log', async () => {
  const { apiKey } = await app.onboardPartner();
  const patched = await app.call('PATCH', '/api/partner/settings', {
    key: apiKey,
    body: { webhookUrl: 'https://h.example.test/' },
  });
  const created = await app.call('POST', '/api/partner/keys', { key: apiKey, body: {} });
  const all = logLines.join('\n');
  assert.ok(logLines.length > 10, 'requests were logged');
  assert.ok(!all.includes(apiKey), 'partner key not logged');
  assert.ok(!all.includes(created.body.apiKey), 'new key not logged');
  assert.ok(!all.includes(patched.body.webhookSecret), 'webhook secret not logged');
  assert.ok(!/token=[\w-]{20}/.test(all), 'verification tokens not logged');
});
