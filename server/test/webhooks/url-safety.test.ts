import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectProblem, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from './receiver.ts';

// No allow-list here: the appliance must refuse every private destination.
let app: TestAppliance;
let receiver: Receiver;

before(async () => {
  app = await startTestAppliance({
    urlAllowlist: [],
    webhookRetrySchedule: [0.05, 0.05, 0.05],
    rateLimitPerMinute: 100_000,
  });
  receiver = await startReceiver();
});
after(async () => {
  await app.shutdown();
  await receiver.close();
});

test('PATCH settings refuses a literal private or loopback webhook URL with a field error', async () => {
  const { apiKey } = await app.onboardPartner();
  for (const url of [
    receiver.url,
    'http://10.0.0.8/hook',
    'https://[::1]/hook',
    'http://169.254.169.254/',
    'http://0x7f.1/x',
  ]) {
    const bad = expectProblem(
      await app.call('PATCH', '/api/partner/settings', { key: apiKey, body: { webhookUrl: url } }),
      400,
      'validation_failed',
    );
    assert.equal(bad.errors[0].field, '/body/webhookUrl');
    assert.match(bad.errors[0].message, /address/);
  }
});

test('a host name that resolves to 127.0.0.1 is refused on the address connected to', async () => {
  const { apiKey } = await app.onboardPartner();
  const viaName = `http://localhost:${receiver.port}/hooks/faxseal`;
  const patched = await app.call('PATCH', '/api/partner/settings', {
    key: apiKey,
    body: { webhookUrl: viaName },
  });
  assert.equal(patched.status, 200, 'a name passes the syntactic check');
  const queued = await app.call('POST', '/api/partner/webhooks/test', { key: apiKey });
  assert.equal(queued.status, 202);

  let delivery: any;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    delivery = (await app.call('GET', `/api/partner/webhooks/deliveries/${queued.body.id}`, { key: apiKey }))
      .body;
    if (delivery.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(delivery.status, 'failed');
  assert.equal(delivery.attempts.length, 4);
  for (const attempt of delivery.attempts) {
    assert.equal(attempt.statusCode, null);
    assert.match(attempt.error, /^address_refused: .*loopback/);
  }
  assert.equal(receiver.received.length, 0, 'nothing reached the loopback receiver');
});
