// Over HTTPS the session cookie is also `Secure`. The appliance's own TLS listener comes with the
// Hardening work; until then the cookie code runs here behind a real TLS server on loopback, with a
// certificate made for this run by openssl, and a real session from the appliance's session store.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { accountSubject } from '../../src/accounts/portal-accounts.ts';
import { clearSessionCookie, setSessionCookie } from '../../src/http/plugins/session-cookie.ts';
import { onboardOwner } from '../support/people.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

let app: TestAppliance;
let tls: FastifyInstance;
let certificate: Buffer;
let dir: string;

before(async () => {
  app = await startTestAppliance();
  const owner = await onboardOwner(app, 'Secure Clinic');
  const accountId = app.services.accounts.byEmail(owner.email)!.id;
  dir = mkdtempSync(path.join(os.tmpdir(), 'faxseal-tls-'));
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'].concat([
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]),
    { encoding: 'utf8' },
  );
  assert.equal(made.status, 0, made.stderr);
  certificate = readFileSync(cert);
  tls = Fastify({ https: { key: readFileSync(key), cert: certificate } });
  await tls.register(cookie);
  tls.post('/sign-in', async (request, reply) => {
    const started = app.services.sessions.start(accountSubject(accountId), {
      ip: request.ip,
      userAgent: null,
    });
    setSessionCookie(reply, request, 'account', started);
    return { ok: true };
  });
  tls.post('/sign-out', async (request, reply) => {
    clearSessionCookie(reply, request, 'account');
    return { ok: true };
  });
  await tls.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await tls?.close();
  await app.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

function post(pathname: string): Promise<string[]> {
  const { port } = tls.server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: pathname, method: 'POST', ca: certificate },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers['set-cookie'] ?? []));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('a session cookie set over HTTPS is Secure, HttpOnly and SameSite=Lax; so is its clearing', async () => {
  const [set] = await post('/sign-in');
  assert.match(set, /^faxseal_session=[\w-]{43};/);
  for (const flag of [/; Secure/, /; HttpOnly/, /; SameSite=Lax/, /; Path=\/api/]) assert.match(set, flag);
  const [cleared] = await post('/sign-out');
  assert.match(cleared, /^faxseal_session=;/);
  assert.match(cleared, /; Secure/);
});
