import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { verifyFaxsealSignature } from '../../src/webhooks/webhook-signature.ts';
import { expectProblem, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';
import { type Receiver, type ReceiverHandler, startReceiver } from './receiver.ts';

let app: TestAppliance;
const receivers: Receiver[] = [];

before(async () => {
  app = await startTestAppliance({
    urlAllowlist: ['127.0.0.1'],
    webhookRetrySchedule: [0.05, 0.05, 0.05],
    rateLimitPerMinute: 100_000, // the tests poll the delivery log
  });
});
after(async () => {
  await app.shutdown();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(handler?: ReceiverHandler): Promise<Receiver> {
  const r = await startReceiver(handler);
  receivers.push(r);
  return r;
}

/** A partner whose webhook URL is `url`; returns its key and signing secret. */
async function partnerWithWebhook(url: string) {
  const { apiKey, partnerId } = await app.onboardPartner();
  const patched = await app.call('PATCH', '/api/partner/settings', {
    key: apiKey,
    body: { webhookUrl: url },
  });
  assert.equal(patched.status, 200, patched.text);
  return { apiKey, partnerId, secret: patched.body.webhookSecret as string };
}

async function sendTest(apiKey: string) {
  const res = await app.call('POST', '/api/partner/webhooks/test', { key: apiKey });
  assert.equal(res.status, 202, res.text);
  return res.body;
}

async function settled(apiKey: string, deliveryId: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await app.call('GET', `/api/partner/webhooks/deliveries/${deliveryId}`, { key: apiKey });
    assert.equal(res.status, 200, res.text);
    if (['succeeded', 'failed', 'skipped'].includes(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`delivery ${deliveryId} still ${res.body.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a test event is delivered first time, signed both ways, and logged with its attempt', async () => {
  const r = await receiver();
  const { apiKey, secret } = await partnerWithWebhook(r.url);
  const queued = await sendTest(apiKey);
  assert.equal(queued.event, 'webhook.test');
  assert.match(queued.eventId, /^evt_/);

  const done = await settled(apiKey, queued.id);
  assert.equal(done.status, 'succeeded');
  assert.equal(done.attemptCount, 1);
  assert.equal(done.attempts.length, 1);
  assert.equal(done.attempts[0].statusCode, 200);
  assert.equal(done.attempts[0].responseExcerpt, 'ok');
  assert.equal(typeof done.attempts[0].latencyMs, 'number');

  const [hit] = r.received;
  assert.equal(hit.headers['webhook-id'], queued.eventId);
  assert.equal(hit.headers['content-type'], 'application/json');
  const body = JSON.parse(hit.body);
  assert.deepEqual(Object.keys(body).slice(0, 3), ['id', 'event', 'createdAt']);
  assert.equal(body.id, queued.eventId);
  assert.ok(verifyFaxsealSignature(hit.headers['x-faxseal-signature'] as string, hit.body, secret).ok);
  assert.deepEqual(new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>), body);
});

test('a 500 is retried on schedule and the retry succeeds with the same event id', async () => {
  const r = await receiver((w) => ({ status: w.attemptForEvent === 1 ? 500 : 204, body: 'boom' }));
  const { apiKey } = await partnerWithWebhook(r.url);
  const queued = await sendTest(apiKey);
  const done = await settled(apiKey, queued.id);
  assert.equal(done.status, 'succeeded');
  assert.deepEqual(
    done.attempts.map((a: { statusCode: number }) => a.statusCode),
    [500, 204],
  );
  assert.match(done.attempts[0].error, /HTTP 500/);
  assert.equal(done.attempts[0].responseExcerpt, 'boom');
  assert.deepEqual(
    r.received.map((w) => w.headers['webhook-id']),
    [queued.eventId, queued.eventId],
  );
  assert.deepEqual(
    r.received.map((w) => w.headers['x-faxseal-attempt']),
    ['1', '2'],
  );
});

test('a receiver that sleeps 11 s is a failed attempt (timeout) and the retry goes on', async () => {
  const r = await receiver((w) =>
    w.attemptForEvent === 1 ? { status: 200, delayMs: 11_000 } : { status: 200 },
  );
  const { apiKey } = await partnerWithWebhook(r.url);
  const queued = await sendTest(apiKey);
  const done = await settled(apiKey, queued.id, 30_000);
  assert.equal(done.status, 'succeeded');
  assert.equal(done.attempts.length, 2);
  assert.equal(done.attempts[0].statusCode, null);
  assert.match(done.attempts[0].error, /^timeout/);
  assert.equal(done.attempts[1].statusCode, 200);
});

test('when every attempt fails the delivery ends failed; replay then succeeds with the same event id', async () => {
  let healthy = false;
  const r = await receiver(() => ({ status: healthy ? 200 : 503 }));
  const { apiKey } = await partnerWithWebhook(r.url);
  const queued = await sendTest(apiKey);
  const failed = await settled(apiKey, queued.id);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.attemptCount, 4, 'first attempt and three retries');
  assert.equal(failed.nextAttemptAt, null);
  assert.equal(failed.lastStatusCode, 503);

  const listed = await app.call('GET', '/api/partner/webhooks/deliveries?status=failed', { key: apiKey });
  assert.deepEqual(
    listed.body.items.map((d: { id: string }) => d.id),
    [queued.id],
  );
  assert.equal(listed.body.items[0].attempts.length, 4);

  healthy = true;
  const replay = await app.call('POST', `/api/partner/webhooks/deliveries/${queued.id}/replay`, {
    key: apiKey,
  });
  assert.equal(replay.status, 202, replay.text);
  assert.equal(replay.body.eventId, queued.eventId);
  assert.equal(replay.body.replayOf, queued.id);
  const replayed = await settled(apiKey, replay.body.id);
  assert.equal(replayed.status, 'succeeded');
  assert.equal(r.received.at(-1)!.headers['webhook-id'], queued.eventId);
  assert.ok(
    r.received.every((w) => w.body === r.received[0].body),
    'the same bytes on every attempt',
  );

  const all = await app.call('GET', '/api/partner/webhooks/deliveries?limit=1', { key: apiKey });
  assert.equal(all.body.items[0].id, replay.body.id, 'newest first');
  const next = await app.call(
    'GET',
    `/api/partner/webhooks/deliveries?limit=1&cursor=${all.body.nextCursor}`,
    { key: apiKey },
  );
  assert.equal(next.body.items[0].id, queued.id);
});

test('during secret rotation both secrets sign, so a receiver holding either verifies', async () => {
  const r = await receiver();
  const { apiKey, secret: oldSecret } = await partnerWithWebhook(r.url);
  const rotated = await app.call('POST', '/api/partner/settings/webhook-secret', { key: apiKey });
  const newSecret = rotated.body.webhookSecret as string;
  const queued = await sendTest(apiKey);
  assert.equal((await settled(apiKey, queued.id)).status, 'succeeded');
  const [hit] = r.received;
  assert.equal((hit.headers['x-faxseal-signature'] as string).split(',').length, 3, 't= and two v1=');
  assert.equal((hit.headers['webhook-signature'] as string).split(' ').length, 2);
  for (const secret of [oldSecret, newSecret]) {
    assert.ok(verifyFaxsealSignature(hit.headers['x-faxseal-signature'] as string, hit.body, secret).ok);
    assert.ok(new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>));
  }
});

test('without a webhook URL the event is stored and its delivery skipped (no_endpoint)', async () => {
  const { apiKey } = await app.onboardPartner();
  const queued = await sendTest(apiKey);
  assert.equal(queued.status, 'skipped');
  assert.equal(queued.reason, 'no_endpoint');
  assert.equal(queued.url, null);
  expectProblem(
    await app.call('POST', `/api/partner/webhooks/deliveries/${queued.id}/replay`, { key: apiKey }),
    409,
    'webhook_url_not_set',
  );
});

test('a callbackUrl wins over the webhook URL', async () => {
  const main = await receiver();
  const callback = await receiver();
  const { partnerId, apiKey } = await partnerWithWebhook(main.url);
  const { outbox } = app.services.webhooks;
  const { deliveryId, eventId } = app.services.db.transaction(() =>
    outbox.enqueue(
      partnerId,
      'fax.delivered',
      {
        externalUserId: 'u1',
        faxId: 'fax_x',
        from: '+12125550100',
        to: '+13105550123',
        pages: 1,
        status: 'delivered',
      },
      { callbackUrl: callback.url },
    ),
  )();
  assert.equal((await settled(apiKey, deliveryId)).status, 'succeeded');
  assert.equal(callback.received.length, 1);
  assert.equal(callback.received[0].headers['webhook-id'], eventId);
  assert.equal(main.received.length, 0);
});

test('an event enqueued in a transaction that rolls back is never sent', async () => {
  const r = await receiver();
  const { partnerId, apiKey } = await partnerWithWebhook(r.url);
  assert.throws(() =>
    app.services.db.transaction(() => {
      app.services.webhooks.outbox.enqueue(partnerId, 'webhook.test', { message: 'rolled back' });
      throw new Error('state change failed');
    })(),
  );
  const committed = await sendTest(apiKey);
  await settled(apiKey, committed.id);
  const listed = await app.call('GET', '/api/partner/webhooks/deliveries', { key: apiKey });
  assert.equal(listed.body.items.length, 1);
  assert.equal(r.received.length, 1);
});

test('partners only see their own deliveries; unknown ids and bad queries are problems', async () => {
  const r = await receiver();
  const a = await partnerWithWebhook(r.url);
  const b = await app.onboardPartner();
  const queued = await sendTest(a.apiKey);
  expectProblem(
    await app.call('GET', `/api/partner/webhooks/deliveries/${queued.id}`, { key: b.apiKey }),
    404,
    'delivery_not_found',
  );
  expectProblem(
    await app.call('POST', `/api/partner/webhooks/deliveries/${queued.id}/replay`, { key: b.apiKey }),
    404,
    'delivery_not_found',
  );
  expectProblem(
    await app.call('GET', '/api/partner/webhooks/deliveries/nope', { key: a.apiKey }),
    400,
    'validation_failed',
  );
  expectProblem(
    await app.call('GET', '/api/partner/webhooks/deliveries?status=lost', { key: a.apiKey }),
    400,
    'validation_failed',
  );
  expectProblem(await app.call('GET', '/api/partner/webhooks/deliveries', {}), 401, 'unauthorized');
  assert.equal(
    (await app.call('GET', '/api/partner/webhooks/deliveries', { key: b.apiKey })).body.items.length,
    0,
  );
});

test('the webhook metrics are exported', async () => {
  const res = await fetch(`${app.httpUrl}/metrics`);
  const text = await res.text();
  assert.match(text, /faxseal_webhook_attempts_total\{result="success"\}/);
  assert.match(text, /faxseal_webhook_deliveries_total\{outcome="failed"\}/);
  assert.match(text, /faxseal_webhook_deliveries_unfinished/);
});
