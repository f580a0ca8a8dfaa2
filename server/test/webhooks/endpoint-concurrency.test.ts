// One slow receiver cannot hold every webhook slot (issue 15 item 6): attempts in flight are capped
// per URL as well as overall. A receiver that holds every request open gets exactly its share, and
// another partner's events are delivered meanwhile. No timing: the slow receiver answers on release.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const OVERALL = 4;
const PER_ENDPOINT = 2;

let app: TestAppliance;
let fast: Receiver;
let slow: http.Server;
let slowUrl: string;
/** Requests the slow receiver holds open, answered by release(). */
const held: http.ServerResponse[] = [];
let slowReceived = 0;
let slowMostOpen = 0;

const until = async (what: string, predicate: () => boolean) => {
  const deadline = Date.now() + 60_000;
  while (!predicate()) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

before(async () => {
  fast = await startReceiver();
  slow = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      slowReceived++;
      held.push(res);
      slowMostOpen = Math.max(slowMostOpen, held.length);
    });
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow`;
  app = await startTestAppliance({
    urlAllowlist: ['127.0.0.1'],
    webhookConcurrency: OVERALL,
    webhookConcurrencyPerEndpoint: PER_ENDPOINT,
    // Far longer than the test: the slow receiver's attempts never time out on their own.
    webhookTimeoutMs: 120_000,
  });
});
after(async () => {
  for (const res of held.splice(0)) res.end('ok');
  await app.shutdown();
  await fast.close();
  await new Promise((r) => slow.close(r));
});

async function partnerWithWebhook(url: string): Promise<string> {
  const { apiKey } = await app.onboardPartner();
  const patched = await app.call('PATCH', '/api/partner/settings', {
    key: apiKey,
    body: { webhookUrl: url },
  });
  assert.equal(patched.status, 200, patched.text);
  return apiKey;
}

const sendTestEvent = async (key: string) =>
  assert.equal((await app.call('POST', '/api/partner/webhooks/test', { key })).status, 202);

test('a receiver that holds every request gets at most its per-endpoint share; others are delivered meanwhile', async () => {
  const slowKey = await partnerWithWebhook(slowUrl);
  const fastKey = await partnerWithWebhook(fast.url);
  for (let i = 0; i < 6; i++) await sendTestEvent(slowKey);
  await until(`the slow receiver holds ${PER_ENDPOINT} requests`, () => held.length === PER_ENDPOINT);

  for (let i = 0; i < 3; i++) await sendTestEvent(fastKey);
  await until('the fast receiver got its 3 events', () => fast.received.length === 3);
  // While the fast partner was served, the slow URL never got more than its share.
  assert.equal(slowReceived, PER_ENDPOINT);
  assert.equal(slowMostOpen, PER_ENDPOINT);

  // Answering frees the slots one by one; the whole backlog arrives, never above the share.
  await until('the slow backlog is delivered', () => {
    for (const res of held.splice(0)) res.end('ok');
    return slowReceived === 6;
  });
  for (const res of held.splice(0)) res.end('ok');
  assert.equal(slowMostOpen, PER_ENDPOINT);
});
