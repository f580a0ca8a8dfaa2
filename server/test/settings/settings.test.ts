import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  expectProblem,
  ManualClock,
  startTestAppliance,
  type TestAppliance,
} from '../support/test-appliance.ts';

let app: TestAppliance;
const clock = new ManualClock();
before(async () => {
  app = await startTestAppliance({ rateLimitPerMinute: 10_000 }, { clock });
});
after(() => app.shutdown());

const patch = (key: string, body: unknown) => app.call('PATCH', '/api/partner/settings', { key, body });

test('new partners read defaults: no webhook, no schema, 30-day retention capped by tier', async () => {
  const { apiKey } = await app.onboardPartner();
  const res = await app.call('GET', '/api/partner/settings', { key: apiKey });
  assert.deepEqual(
    { ...res.body, updatedAt: undefined },
    {
      webhookUrl: null,
      extractionSchema: null,
      retentionDays: 30,
      reviewThreshold: 0.8,
      retentionCaps: { personal: 60, business: 180 },
      webhookSecretConfigured: false,
      updatedAt: undefined,
    },
  );
});

test('reviewThreshold is a 0–1 setting: kept when valid, refused with a validation problem when not', async () => {
  const { apiKey } = await app.onboardPartner();
  const ok = await app.call('PATCH', '/api/partner/settings', {
    key: apiKey,
    body: { reviewThreshold: 0.65 },
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.reviewThreshold, 0.65);
  const read = await app.call('GET', '/api/partner/settings', { key: apiKey });
  assert.equal(read.body.reviewThreshold, 0.65);
  const bad = await app.call('PATCH', '/api/partner/settings', {
    key: apiKey,
    body: { reviewThreshold: 1.5 },
  });
  assert.equal(bad.status, 400);
});

test('extraction schema problems are each named by path', async () => {
  const { apiKey } = await app.onboardPartner();
  const deep = {
    type: 'object',
    properties: {
      l2: {
        type: 'object',
        properties: {
          l3: {
            type: 'object',
            properties: {
              l4: {
                type: 'object',
                properties: { l5: { type: 'object', properties: { l6: { type: 'string' } } } },
              },
            },
          },
        },
      },
    },
  };
  const res = await patch(apiKey, {
    extractionSchema: {
      dob: { type: 'date' },
      '1st': { type: 'string' },
      tags: { type: 'array', items: { type: 'widget' } },
      patient: { type: 'object' },
      note: { type: 'string', format: 'x' },
      l1: deep,
    },
  });
  const problem = expectProblem(res, 400, 'invalid_schema');
  const fields = problem.errors.map((e: { field: string }) => e.field);
  assert.deepEqual(fields.sort(), [
    '/body/extractionSchema/1st',
    '/body/extractionSchema/dob/type',
    '/body/extractionSchema/l1/properties/l2/properties/l3/properties/l4/properties/l5/properties/l6',
    '/body/extractionSchema/note/format',
    '/body/extractionSchema/patient/properties',
    '/body/extractionSchema/tags/items/type',
  ]);
  assert.match(
    problem.errors.find((e: { field: string }) => e.field.endsWith('dob/type')).message,
    /unknown type "date"/,
  );

  const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, { type: 'string' }]));
  const tooMany = expectProblem(await patch(apiKey, { extractionSchema: many }), 400, 'invalid_schema');
  assert.match(tooMany.errors[0].message, /101 fields: at most 100/);

  expectProblem(await patch(apiKey, { extractionSchema: [1, 2] }), 400, 'invalid_schema');
  // Nothing was saved by the refused writes.
  assert.equal((await app.call('GET', '/api/partner/settings', { key: apiKey })).body.extractionSchema, null);
});

test('a valid nested schema round-trips exactly', async () => {
  const { apiKey } = await app.onboardPartner();
  const schema = {
    patientName: { type: 'string', description: 'Full name' },
    dob: { type: 'string' },
    insured: { type: 'boolean' },
    medications: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, doseMg: { type: 'number' } } },
    },
    provider: { type: 'object', properties: { npi: { type: 'string' }, fax: { type: 'string' } } },
  };
  assert.equal((await patch(apiKey, { extractionSchema: schema })).status, 200);
  assert.deepEqual(
    (await app.call('GET', '/api/partner/settings', { key: apiKey })).body.extractionSchema,
    schema,
  );
});

test('retentionDays and webhookUrl are validated with the field named', async () => {
  const { apiKey } = await app.onboardPartner();
  const tooLong = expectProblem(await patch(apiKey, { retentionDays: 181 }), 400, 'validation_failed');
  assert.equal(tooLong.errors[0].field, '/body/retentionDays');
  const zero = expectProblem(await patch(apiKey, { retentionDays: 0 }), 400, 'validation_failed');
  assert.equal(zero.errors[0].field, '/body/retentionDays');
  for (const url of ['not a url', 'ftp://x.test/', 'https://user:pw@x.test/']) {
    const bad = expectProblem(await patch(apiKey, { webhookUrl: url }), 400, 'validation_failed');
    assert.equal(bad.errors[0].field, '/body/webhookUrl');
  }
  const unknown = expectProblem(
    await patch(apiKey, { webhookURL: 'https://x.test' }),
    400,
    'validation_failed',
  );
  assert.equal(unknown.errors[0].field, '/body/webhookURL');
  const ok = await patch(apiKey, { retentionDays: 180 });
  assert.equal(ok.body.retentionDays, 180);
});

test('the webhook secret is created by the first write, returned once, and rotated with a 24 h overlap', async () => {
  const { apiKey, partnerId } = await app.onboardPartner();
  const first = await patch(apiKey, { webhookUrl: 'https://hooks.example.test/in' });
  const original = first.body.webhookSecret;
  assert.match(original, /^whsec_/);
  const second = await patch(apiKey, { retentionDays: 10 });
  assert.equal(second.body.webhookSecret, undefined);

  const rotated = await app.call('POST', '/api/partner/settings/webhook-secret', { key: apiKey });
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.body.webhookSecret, original);
  const expires = Date.parse(rotated.body.previousSecretExpiresAt);
  assert.equal(expires - clock.now().getTime(), 24 * 3600 * 1000);
  assert.deepEqual(
    app.services.webhookSecrets.active(partnerId).map((s) => s.secret),
    [rotated.body.webhookSecret, original],
  );
  clock.advanceMinutes(24 * 60 + 1);
  assert.deepEqual(
    app.services.webhookSecrets.active(partnerId).map((s) => s.secret),
    [rotated.body.webhookSecret],
  );
  // At rest the secret is sealed, not stored as-is.
  const rows = JSON.stringify(
    app.services.db.prepare('SELECT * FROM webhook_secrets WHERE partner_id = ?').all(partnerId),
  );
  assert.ok(!rows.includes(original));
});

test("one partner's settings are invisible to another", async () => {
  const a = await app.onboardPartner();
  const b = await app.onboardPartner();
  await patch(a.apiKey, { webhookUrl: 'https://a.example.test/hook', retentionDays: 7 });
  const readB = await app.call('GET', '/api/partner/settings', { key: b.apiKey });
  assert.equal(readB.body.webhookUrl, null);
  assert.equal(readB.body.retentionDays, 30);
});

test('a schema saves before any webhook exists, and webhookUrl null (or "") removes the webhook', async () => {
  const { apiKey } = await app.onboardPartner();
  const first = await patch(apiKey, { webhookUrl: null, extractionSchema: { dob: { type: 'string' } } });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.webhookUrl, null);
  assert.deepEqual(first.body.extractionSchema, { dob: { type: 'string' } });

  assert.equal((await patch(apiKey, { webhookUrl: 'https://hooks.example.com/fax' })).status, 200);
  const removed = await patch(apiKey, { webhookUrl: null });
  assert.equal(removed.status, 200, removed.text);
  assert.equal(removed.body.webhookUrl, null);

  await patch(apiKey, { webhookUrl: 'https://hooks.example.com/fax' });
  const emptied = await patch(apiKey, { webhookUrl: '' });
  assert.equal(emptied.status, 200, emptied.text);
  assert.equal((await app.call('GET', '/api/partner/settings', { key: apiKey })).body.webhookUrl, null);
});
