import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import {
  signWebhook,
  verifyFaxsealSignature,
  verifyStandardSignature,
} from '../../src/webhooks/webhook-signature.ts';

interface Vector {
  name: string;
  secrets: string[];
  id: string;
  timestamp: number;
  body: string;
  expected: Record<string, string>;
}

const { vectors } = JSON.parse(
  readFileSync(new URL('./signature-vectors.json', import.meta.url), 'utf8'),
) as {
  vectors: Vector[];
};

const SECRET = 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const OTHER_SECRET = 'whsec_ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=';
const now = () => Math.floor(Date.now() / 1000);

test('signWebhook reproduces every test vector exactly', () => {
  assert.ok(vectors.length >= 3);
  for (const v of vectors) {
    assert.deepEqual(
      signWebhook({ id: v.id, timestamp: v.timestamp, body: v.body, secrets: v.secrets }),
      v.expected,
      v.name,
    );
  }
});

test('the vectors verify with our helpers and with the standardwebhooks library, secret by secret', () => {
  for (const v of vectors) {
    for (const secret of v.secrets) {
      const options = { now: v.timestamp };
      assert.ok(
        verifyFaxsealSignature(v.expected['x-faxseal-signature'], v.body, secret, options).ok,
        v.name,
      );
      assert.ok(verifyStandardSignature(v.expected, v.body, secret, options).ok, v.name);
      // The library checks the timestamp against the wall clock, so compare its signature directly.
      const librarySignature = new Webhook(secret).sign(v.id, new Date(v.timestamp * 1000), v.body);
      assert.ok(v.expected['webhook-signature'].split(' ').includes(librarySignature), v.name);
    }
  }
});

test('the standardwebhooks library verifies a fresh signature, including both during rotation', () => {
  const body = JSON.stringify({ id: 'evt_x', event: 'webhook.test', createdAt: new Date().toISOString() });
  const headers = signWebhook({ id: 'evt_x', timestamp: now(), body, secrets: [OTHER_SECRET, SECRET] });
  assert.deepEqual(new Webhook(SECRET).verify(body, { ...headers }), JSON.parse(body));
  assert.deepEqual(new Webhook(OTHER_SECRET).verify(body, { ...headers }), JSON.parse(body));
  assert.throws(() => new Webhook(SECRET).verify(`${body} `, { ...headers }));
});

test('our verify helpers reject a tampered body, a timestamp older than 300 s and a wrong secret', () => {
  const body = '{"id":"evt_1","event":"webhook.test"}';
  const fresh = signWebhook({ id: 'evt_1', timestamp: now(), body, secrets: [SECRET] });
  assert.deepEqual(verifyFaxsealSignature(fresh['x-faxseal-signature'], body, SECRET), {
    ok: true,
    timestamp: Number(fresh['webhook-timestamp']),
  });
  assert.ok(verifyStandardSignature(fresh, body, SECRET).ok);

  const tampered = body.replace('test', 'tost');
  assert.deepEqual(verifyFaxsealSignature(fresh['x-faxseal-signature'], tampered, SECRET), {
    ok: false,
    reason: 'no_matching_signature',
  });
  assert.deepEqual(verifyStandardSignature(fresh, tampered, SECRET), {
    ok: false,
    reason: 'no_matching_signature',
  });

  const old = signWebhook({ id: 'evt_1', timestamp: now() - 301, body, secrets: [SECRET] });
  assert.deepEqual(verifyFaxsealSignature(old['x-faxseal-signature'], body, SECRET), {
    ok: false,
    reason: 'timestamp_out_of_tolerance',
  });
  assert.deepEqual(verifyStandardSignature(old, body, SECRET), {
    ok: false,
    reason: 'timestamp_out_of_tolerance',
  });
  assert.throws(() => new Webhook(SECRET).verify(body, { ...old }), /too old/);

  assert.deepEqual(verifyFaxsealSignature(fresh['x-faxseal-signature'], body, OTHER_SECRET), {
    ok: false,
    reason: 'no_matching_signature',
  });
  assert.deepEqual(verifyStandardSignature(fresh, body, OTHER_SECRET), {
    ok: false,
    reason: 'no_matching_signature',
  });

  for (const header of [undefined, '', 't=abc,v1=00', `t=${now()}`, 'v1=00']) {
    assert.deepEqual(verifyFaxsealSignature(header, body, SECRET), { ok: false, reason: 'malformed_header' });
  }
});
