// Partner input that used to answer 500 (issue 15, item 3), and Fastify's own refusals that were
// not problem+json: every case is a 4xx problem+json with a stable code.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { MAX_JSON_DEPTH } from '../../src/http/json-body.ts';
import { expectProblem, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

let app: TestAppliance;
let key: string;

before(async () => {
  app = await startTestAppliance();
  ({ apiKey: key } = await app.onboardPartner());
});
after(() => app.shutdown());

/** Writes `request` on a raw socket (what fetch refuses to send) and reads the answer until close. */
function rawRequest(request: string): Promise<{ status: number; type: string; body: any }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(app.httpUrl).port), '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, body] = data.split('\r\n\r\n');
      resolve({
        status: Number(head.split(' ')[1]),
        type: /content-type: ([^\r]+)/i.exec(head)?.[1] ?? '',
        body: JSON.parse(body),
      });
    });
  });
}

test('inbox?since= with a leap second reads it as the next minute', async () => {
  const res = await app.call('GET', '/api/partner/inbox?since=2016-12-31T23:59:60Z', { key });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.items, []);
  const until = await app.call('GET', '/api/partner/inbox?until=2016-12-31T23:59:60.5%2B00:00', { key });
  assert.equal(until.status, 200, until.text);
});

test('inbox?q= with a NUL (or any control character) is invalid_query', async () => {
  for (const q of ['a%00b', '%00', 'x%1by', 'diab%7F*']) {
    const body = expectProblem(
      await app.call('GET', `/api/partner/inbox?q=${q}`, { key }),
      400,
      'invalid_query',
    );
    assert.equal(body.errors[0].field, '/query/q');
  }
});

test('a 50,000-deep JSON body with Idempotency-Key is json_too_deep, and takes no key', async () => {
  const deepObject = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
  const deepArray = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
  for (const [path, body] of [
    ['/api/partner/settings/webhook-secret', deepObject],
    ['/api/partner/keys', deepArray],
    ['/api/partner/webhooks/test', deepArray],
  ]) {
    const headers = { 'idempotency-key': `deep-${path}` };
    expectProblem(await app.call('POST', path, { key, body, headers }), 400, 'json_too_deep');
    // The key was never claimed: the same key with a good body goes through.
    const good = await app.call('POST', path, { key, body: path === '/api/partner/keys' ? {} : '', headers });
    assert.ok(good.status < 300, `${path}: ${good.text}`);
  }
  // As deep as MAX_JSON_DEPTH is still read (and then judged by the route's schema).
  const deepest = `{"name":"d","x":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`;
  expectProblem(
    await app.call('POST', '/api/partner/keys', { key, body: deepest }),
    400,
    'validation_failed',
  );
  // Brackets inside strings are text, not nesting.
  const name = '['.repeat(100);
  const created = await app.call('POST', '/api/partner/keys', { key, body: { name } });
  assert.equal(created.status, 201, created.text);
});

test('multipart with no boundary, cut short, or a boundary over 256 characters is invalid_multipart', async () => {
  const send = (contentType: string, body: string) =>
    app.call('POST', '/api/partner/fax', { key, body, headers: { 'content-type': contentType } });
  const field = (boundary: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="to"\r\n\r\n+12125550123\r\n--${boundary}--\r\n`;
  expectProblem(await send('multipart/form-data', field('XX')), 400, 'invalid_multipart');
  expectProblem(
    await send(
      'multipart/form-data; boundary=XX',
      '--XX\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4 cut',
    ),
    400,
    'invalid_multipart',
  );
  const long = 'b'.repeat(300);
  expectProblem(await send(`multipart/form-data; boundary=${long}`, field(long)), 400, 'invalid_multipart');
  // A well-formed multipart request still reaches the route's own checks.
  const ok = await send('multipart/form-data; boundary=XX', field('XX'));
  expectProblem(ok, 400, 'validation_failed');
});

test('usage?month= outside the years 2000-2999 is refused; a real month answers', async () => {
  for (const month of ['0026-12', '1999-12', '3000-01', '2026-13', '2026-1'])
    expectProblem(
      await app.call('GET', `/api/partner/usage?month=${month}`, { key }),
      400,
      'validation_failed',
    );
  const res = await app.call('GET', '/api/partner/usage?month=2026-12', { key });
  assert.equal(res.status, 200);
  assert.equal(res.body.month, '2026-12');
});

test("Fastify's own refusals are problem+json with stable codes", async () => {
  expectProblem(
    await app.call('GET', `/api/partner/faxes/${'a'.repeat(1000)}`, { key }),
    414,
    'uri_too_long',
  );
  expectProblem(await app.call('GET', '/api/partner/faxes/%E0%A4%A', { key }), 400, 'bad_url');
  expectProblem(await app.call('GET', '/api/partner/numbers/%zz', { key }), 400, 'bad_url');
  expectProblem(
    await app.call('POST', '/partners/apply', { body: 'x'.repeat(2_000_000) }),
    413,
    'payload_too_large',
  );
  expectProblem(
    await app.call('POST', '/api/partner/keys', {
      key,
      body: '{}',
      headers: { 'content-type': 'application/xml' },
    }),
    415,
    'unsupported_media_type',
  );
  // What Node's HTTP parser refuses never becomes a request: the answer is written on the socket.
  const badLine = await rawRequest('GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(badLine.status, 400);
  assert.match(badLine.type, /^application\/problem\+json/);
  assert.equal(badLine.body.code, 'bad_request');
  const bigHeaders = await rawRequest(
    `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  );
  assert.equal(bigHeaders.status, 431);
  assert.equal(bigHeaders.body.code, 'headers_too_large');
  const twoLengths = await rawRequest(
    'POST /partners/apply HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
  );
  assert.equal(twoLengths.status, 400);
  assert.equal(twoLengths.body.code, 'bad_request');
});

test('a number that reads as Infinity (query, or a JSON body) is validation_failed, never reaches SQL', async () => {
  for (const limit of ['1e999', 'Infinity', '-1e999']) {
    const res = await app.call('GET', `/api/partner/inbox?limit=${limit}`, { key });
    expectProblem(res, 400, 'validation_failed');
  }
  const res = await app.call('POST', '/api/partner/numbers', {
    key,
    body: '{"externalUserId":"inf-user","tier":"personal","extra":1e999}',
    headers: { 'content-type': 'application/json' },
  });
  assert.ok(res.status >= 400 && res.status < 500, `${res.status}`);
});
