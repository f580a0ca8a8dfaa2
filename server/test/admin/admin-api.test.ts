import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectProblem, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

let app: TestAppliance;
let admin: string;
before(async () => {
  app = await startTestAppliance();
  admin = app.firstRunOperator!.token;
});
after(() => app.shutdown());

test('the first start creates a superadmin whose token works on the admin API', async () => {
  assert.equal(app.firstRunOperator!.operator.role, 'superadmin');
  const res = await app.call('GET', '/api/admin/dids?status=available&limit=5', { key: admin });
  assert.equal(res.status, 200);
  assert.equal(res.body.items.length, 5);
  assert.deepEqual(
    res.body.stock.map((s: { areaCode: string }) => s.areaCode),
    ['212', '312', '415', '617', '737'],
  );
  assert.ok(res.body.stock.every((s: { available: number }) => s.available === 100));
});

test('partner keys do not open the admin API, nor admin tokens the partner API', async () => {
  const { apiKey } = await app.onboardPartner();
  expectProblem(await app.call('GET', '/api/admin/dids', { key: apiKey }), 401, 'unauthorized');
  expectProblem(await app.call('GET', '/api/partner/numbers', { key: admin }), 401, 'unauthorized');
});

test('DIDs import from CSV in any common format; bad rows, repeats and pooled numbers are reported per line', async () => {
  const csv =
    'number,carrier\n(503) 555-0142,acme\n+1 503 555 0143,acme\n15035550144\n503-555-0142\nnot-a-number\n011-555-0100\n';
  const res = await app.call('POST', '/api/admin/dids/import', {
    key: admin,
    body: csv,
    headers: { 'content-type': 'text/csv' },
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.imported, 3);
  assert.deepEqual(res.body.skipped, [
    { line: 5, value: '503-555-0142', reason: 'repeats line 2' },
    { line: 6, value: 'not-a-number', reason: 'not a valid US number' },
    { line: 7, value: '011-555-0100', reason: 'not a valid US number' },
  ]);
  // Imported again with one new number: the pooled ones are named line by line.
  const again = await app.call('POST', '/api/admin/dids/import', {
    key: admin,
    body: '5035550143\n5035550145\n',
    headers: { 'content-type': 'text/csv' },
  });
  assert.equal(again.body.imported, 1);
  assert.deepEqual(again.body.skipped, [{ line: 1, value: '5035550143', reason: 'already in the pool' }]);
  const listed = await app.call('GET', '/api/admin/dids?after=%2B15035550000&limit=10', { key: admin });
  assert.deepEqual(
    listed.body.items
      .filter((d: { areaCode: string }) => d.areaCode === '503')
      .map((d: { number: string }) => d.number),
    ['+15035550142', '+15035550143', '+15035550144', '+15035550145'],
  );
  // Imported DIDs are provisionable at once.
  const { apiKey } = await app.onboardPartner();
  const n = await app.call('POST', '/api/partner/numbers', {
    key: apiKey,
    body: { externalUserId: 'pdx', tier: 'personal', areaCode: '503' },
  });
  assert.equal(n.body.number, '+15035550142');
});

test('auditors may read but not write', async () => {
  const { token } = app.services.operators.create('carol', 'auditor');
  assert.equal((await app.call('GET', '/api/admin/partners', { key: token })).status, 200);
  const refused = await app.call('POST', '/api/admin/dids/import', {
    key: token,
    body: '2125550100',
    headers: { 'content-type': 'text/csv' },
  });
  assert.equal(expectProblem(refused, 403, 'forbidden').permission, 'admin:write');
});

test("an operator can lift a key's rate limit (bench keys)", async () => {
  const { apiKey, partnerId } = await app.onboardPartner();
  const keyId = app.services.apiKeys.list(partnerId)[0].id;
  const res = await app.call('PATCH', `/api/admin/keys/${keyId}`, {
    key: admin,
    body: { rateLimitPerMinute: 100_000 },
  });
  assert.equal(res.status, 200);
  const call = await app.call('GET', '/api/partner/numbers', { key: apiKey });
  assert.equal(call.headers.get('ratelimit-limit'), '100000');
});
