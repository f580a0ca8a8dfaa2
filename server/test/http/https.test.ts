// HTTPS from FAXSEAL_TLS_CERT and FAXSEAL_TLS_KEY (issue 15, "Also build"): a certificate made in
// the test with Debian's openssl, served over loopback; HSTS only over TLS; the public URL defaults
// to https; a wrong key, an unreadable file or half a pair stops start-up with a message naming it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { InvalidConfigError, loadConfig } from '../../src/config/config.ts';
import { startTestAppliance, type TestAppliance, tempDataDir } from '../support/test-appliance.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'faxseal-tls-'));
const certFile = path.join(dir, 'cert.pem');
const keyFile = path.join(dir, 'key.pem');
const otherKeyFile = path.join(dir, 'other-key.pem');
let ca: Buffer;
let app: TestAppliance;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

before(async () => {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=faxseal.test',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', otherKeyFile);
  ca = readFileSync(certFile);
  app = await startTestAppliance({ tlsCert: certFile, tlsKey: keyFile });
});
after(async () => {
  await app?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

/** One request over TLS that trusts only the test's certificate. */
function request(
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${app.httpUrl}${urlPath}`,
      { method, ca, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : null }),
        );
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

test('the API answers over HTTPS with HSTS, and the public URL is https', async () => {
  assert.match(app.httpUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(app.config.publicUrl, /^https:\/\//);
  const health = await request('GET', '/healthz');
  assert.equal(health.status, 200);
  assert.equal(health.headers['strict-transport-security'], 'max-age=31536000');

  // A whole partner flow over TLS: apply, verify, call the API with the key.
  const applied = await request('POST', '/partners/apply', { companyName: 'TLS Co', email: 'ops@tls.test' });
  assert.equal(applied.status, 202);
  const email = app.services.emails.sentTo('ops@tls.test')[0];
  assert.match(email.text, /https:\/\//, 'the emailed link is https');
  const token = /token=([\w-]+)/.exec(email.text)![1];
  const verified = await request('GET', `/partners/verify?token=${token}`);
  assert.equal(verified.status, 200);
  const problem = await request('GET', '/api/partner/numbers/nobody');
  assert.equal(problem.status, 401);
  assert.equal(problem.headers['strict-transport-security'], 'max-age=31536000', 'problems carry HSTS too');
});

test('plain http on the HTTPS port gets no answer, and an untrusted client refuses the certificate', async () => {
  const plain = app.httpUrl.replace('https:', 'http:');
  await assert.rejects(fetch(`${plain}/healthz`));
  await assert.rejects(fetch(`${app.httpUrl}/healthz`), 'fetch without the test CA refuses the certificate');
});

test('without TLS there is no HSTS header', async () => {
  const plain = await startTestAppliance();
  try {
    const res = await fetch(`${plain.httpUrl}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('strict-transport-security'), null);
  } finally {
    await plain.shutdown();
  }
});

test('start-up refuses a key that is not the certificate’s, an unreadable file, or not a certificate', async () => {
  const notPem = path.join(dir, 'not.pem');
  writeFileSync(notPem, 'hello\n');
  const cases: [Record<string, string>, RegExp][] = [
    [
      { tlsCert: certFile, tlsKey: otherKeyFile },
      /FAXSEAL_TLS_KEY: .*other-key\.pem is not the private key of the certificate/,
    ],
    [
      { tlsCert: path.join(dir, 'missing.pem'), tlsKey: keyFile },
      /FAXSEAL_TLS_CERT: cannot read .*missing\.pem/,
    ],
    [{ tlsCert: notPem, tlsKey: keyFile }, /FAXSEAL_TLS_CERT: .*not\.pem is not a PEM certificate/],
    [
      { tlsCert: certFile, tlsKey: notPem },
      /FAXSEAL_TLS_KEY: .*not\.pem is not an unencrypted PEM private key/,
    ],
  ];
  for (const [overrides, message] of cases) {
    const dataDir = tempDataDir('tls-refused');
    try {
      await assert.rejects(startTestAppliance(overrides, { dataDir }), (err: Error) => {
        assert.ok(err instanceof InvalidConfigError, String(err));
        assert.match(err.message, message);
        return true;
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  assert.throws(
    () => loadConfig({ FAXSEAL_TLS_CERT: certFile }),
    /FAXSEAL_TLS_CERT and FAXSEAL_TLS_KEY go together/,
  );
});
