// A suspended partner (keys and sessions get 403 partner_suspended, webhooks wait and then go,
// inbound faxes are still received and kept), operator sessions (one-time password first), and
// the audit entries of one fax read through each path — key, portal session, PDF download,
// webhook delivery — readable over /api/admin/audit with the chain still verifying.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { commitInboundFax, documentPages, localUrl } from '../pipeline/inbound-fax.ts';
import { type Owner, onboardOwner, PASSWORD, signIn } from '../support/people.ts';
import { expectProblem, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

let app: TestAppliance;
let owner: Owner;
let receiver: http.Server;
const received: { event: string; faxId: string }[] = [];
let admin: string;

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body);
      received.push({ event: parsed.event, faxId: parsed.faxId });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  app = await startTestAppliance({
    urlAllowlist: ['127.0.0.0/8'],
    ocrPoolSize: 1,
    authRateLimitPerMinute: 10_000,
  });
  admin = app.firstRunOperator!.token;
  owner = await onboardOwner(app, 'Audit Clinic');
  await app.call('POST', '/api/partner/numbers', {
    key: owner.apiKey,
    body: { externalUserId: 'dr-audit', tier: 'personal' },
  });
  const port = (receiver.address() as { port: number }).port;
  await app.call('PATCH', '/api/partner/settings', {
    key: owner.apiKey,
    body: { webhookUrl: `http://127.0.0.1:${port}/hook` },
  });
});
after(async () => {
  await app.shutdown();
  await new Promise<void>((r) => receiver.close(() => r()));
});

async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the audit entries of one fax read through each path name who read it; the chain verifies', async () => {
  const number = app.services.numbers.activeFor(owner.partnerId, 'dr-audit')!;
  const faxId = await commitInboundFax(app.services, number, await documentPages(1));
  await until('fax.received delivery', () =>
    received.some((r) => r.faxId === faxId && r.event === 'fax.received'),
  );

  const byKey = await app.call('GET', `/api/partner/faxes/${faxId}`, { key: owner.apiKey });
  assert.equal(byKey.status, 200);
  const portal = await signIn(app, { email: owner.email, password: PASSWORD });
  const viewed = await portal.call('GET', `/api/partner/faxes/${faxId}`);
  assert.equal(viewed.status, 200);
  assert.equal((await fetch(localUrl(app, viewed.body.pdfUrl))).status, 200, 'PDF through the portal’s link');
  assert.match(new URL(viewed.body.pdfUrl).searchParams.get('for')!, /^portal_account:acct_/);

  const keyId = app.services.apiKeys.list(owner.partnerId).at(-1)!.id;
  const accountId = app.services.accounts.byEmail(owner.email)!.id;
  await until(
    'the delivery audit',
    () => app.services.audit.list({ targetId: faxId, action: 'fax.content_delivered', limit: 5 }).length > 0,
  );
  const trail = await app.call('GET', `/api/admin/audit?targetId=${faxId}&limit=50`, { key: admin });
  assert.equal(trail.status, 200);
  const seen = trail.body.items.map(
    (e: { action: string; actorType: string; actorId: string }) => `${e.action} ${e.actorType}:${e.actorId}`,
  );
  assert.ok(seen.includes(`fax.content_read partner_key:${keyId}`), seen.join('\n'));
  assert.ok(seen.includes(`fax.content_read portal_account:${accountId}`), seen.join('\n'));
  assert.ok(seen.includes(`fax.pdf_downloaded portal_account:${accountId}`), seen.join('\n'));
  assert.ok(
    seen.some((s: string) => /^fax\.content_delivered webhook:dlv_/.test(s)),
    seen.join('\n'),
  );

  // Filters, cursor pages, export (itself audited) and the chain check.
  const page1 = await app.call('GET', '/api/admin/audit?limit=2', { key: admin });
  const page2 = await app.call('GET', `/api/admin/audit?limit=2&cursor=${page1.body.nextCursor}`, {
    key: admin,
  });
  assert.ok(page2.body.items[0].seq < page1.body.items[1].seq);
  const signIns = await app.call('GET', `/api/admin/audit?action=auth.*&actorId=${accountId}`, {
    key: admin,
  });
  assert.ok(signIns.body.items.every((e: { action: string }) => e.action.startsWith('auth.')));
  assert.ok(signIns.body.items.some((e: { action: string }) => e.action === 'auth.signed_in'));
  const future = await app.call('GET', '/api/admin/audit?from=2999-01-01T00:00:00Z', { key: admin });
  assert.deepEqual(future.body.items, []);
  const exported = await app.call('GET', `/api/admin/audit/export?partnerId=${owner.partnerId}`, {
    key: admin,
  });
  assert.match(exported.headers.get('content-type')!, /^application\/x-ndjson/);
  assert.ok(exported.text.trim().split('\n').length >= 5);
  assert.equal(
    (await app.call('GET', '/api/admin/audit?action=audit.exported', { key: admin })).body.items.length,
    1,
  );
  const verified = await app.call('GET', '/api/admin/audit/verify', { key: admin });
  assert.equal(verified.body.ok, true);
  const everything = await app.call('GET', '/api/admin/audit?limit=500', { key: admin });
  assert.equal(verified.body.entries, everything.body.items.length, 'the check walks every entry');
  assert.equal(verified.body.head, everything.body.items[0].hash);
  const reports = await app.call('GET', '/api/admin/retention/reports', { key: admin });
  assert.equal(reports.status, 200);
  assert.ok(Array.isArray(reports.body.items));
});

test('a suspended partner: keys and sessions get 403 partner_suspended, webhooks wait, inbound faxes are kept', async () => {
  const portal = await signIn(app, { email: owner.email, password: PASSWORD });
  const suspended = await app.call('POST', `/api/admin/partners/${owner.partnerId}/suspend`, {
    key: admin,
    body: { reason: 'unpaid invoices' },
  });
  assert.equal(suspended.body.status, 'suspended');
  expectProblem(
    await app.call('POST', `/api/admin/partners/${owner.partnerId}/suspend`, { key: admin }),
    409,
    'partner_already_suspended',
  );
  for (const [method, path] of [
    ['GET', '/api/partner/numbers'],
    ['POST', '/api/partner/keys'],
    ['POST', '/api/partner/numbers'],
    ['POST', '/api/partner/fax'],
  ]) {
    const body = method === 'GET' ? undefined : {};
    expectProblem(await app.call(method, path, { key: owner.apiKey, body }), 403, 'partner_suspended');
    expectProblem(await portal.call(method, path, { body }), 403, 'partner_suspended');
  }
  // A fax arriving now is received and kept; its webhook waits (pending, never attempted).
  const before = received.length;
  const number = app.services.numbers.activeFor(owner.partnerId, 'dr-audit')!;
  const faxId = await commitInboundFax(app.services, number, await documentPages(1));
  await until('OCR', () => app.services.faxes.get(faxId)?.ocrStatus === 'done');
  assert.equal(app.services.faxes.get(faxId)!.status, 'received');
  const waiting = app.services.db
    .prepare(
      `SELECT d.status, d.attempt_count AS attempts FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
       WHERE e.fax_id = ?`,
    )
    .all(faxId) as { status: string; attempts: number }[];
  assert.deepEqual(waiting, [{ status: 'pending', attempts: 0 }]);
  app.services.webhooks.dispatcher.wake();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(received.length, before, 'nothing delivered while suspended');

  const reinstated = await app.call('POST', `/api/admin/partners/${owner.partnerId}/reinstate`, {
    key: admin,
  });
  assert.equal(reinstated.body.status, 'active');
  await until('the waiting webhook', () => received.some((r) => r.faxId === faxId));
  assert.equal((await app.call('GET', '/api/partner/numbers', { key: owner.apiKey })).status, 200);
  assert.equal((await portal.call('GET', '/api/partner/numbers')).status, 200);
  const actions = app.services.audit.list({ targetId: owner.partnerId, limit: 10 }).map((e) => e.action);
  assert.ok(actions.includes('partner.suspended') && actions.includes('partner.reinstated'));
});

test('operators: a one-time password must be replaced first; sessions and tokens are listed and revoked', async () => {
  const { password } = app.services.operators.create('olga', 'operator');
  const console = await signIn(app, { username: 'olga', password }, '/api/admin/auth/sign-in');
  assert.equal(console.signedIn.operator.mustChangePassword, true);
  const cookieCall = (method: string, path: string, body?: unknown, csrf = true) =>
    app.call(method, path, {
      body,
      headers: { cookie: console.cookie, ...(csrf ? { 'x-csrf-token': console.csrfToken } : {}) },
    });
  expectProblem(await cookieCall('GET', '/api/admin/trunks'), 403, 'password_change_required');
  const newPassword = 'olga has her own passphrase';
  expectProblem(
    await cookieCall('POST', '/api/admin/auth/password', { currentPassword: password, newPassword }, false),
    403,
    'csrf_token_invalid',
  );
  assert.equal(
    (await cookieCall('POST', '/api/admin/auth/password', { currentPassword: password, newPassword })).status,
    200,
  );
  assert.equal((await cookieCall('GET', '/api/admin/trunks')).status, 200);
  assert.equal(
    expectProblem(await cookieCall('GET', '/api/admin/operators'), 403, 'forbidden').permission,
    'operators:manage',
  );

  const created = await cookieCall('POST', '/api/admin/auth/tokens', { name: 'backup script' });
  assert.match(created.body.token, /^sk_admin_/);
  assert.equal((await app.call('GET', '/api/admin/dids', { key: created.body.token })).status, 200);
  const listed = await cookieCall('GET', '/api/admin/auth/tokens');
  assert.ok(
    listed.body.items.some(
      (t: { id: string; lastUsedAt: string | null }) => t.id === created.body.id && t.lastUsedAt,
    ),
  );
  const olgaId = console.signedIn.operator.id;
  assert.equal(
    (await app.call('DELETE', `/api/admin/operators/${olgaId}/tokens/${created.body.id}`, { key: admin }))
      .status,
    200,
  );
  expectProblem(await app.call('GET', '/api/admin/dids', { key: created.body.token }), 401, 'unauthorized');

  // Disabling ends the session at once; a wrong username and a wrong password answer alike.
  const disabled = await app.call('PATCH', `/api/admin/operators/${olgaId}`, {
    key: admin,
    body: { disabled: true },
  });
  assert.ok(disabled.body.disabledAt);
  expectProblem(await cookieCall('GET', '/api/admin/trunks'), 401, 'session_expired');
  const asDisabled = await app.call('POST', '/api/admin/auth/sign-in', {
    body: { username: 'olga', password: newPassword },
  });
  const asUnknown = await app.call('POST', '/api/admin/auth/sign-in', {
    body: { username: 'nobody', password: newPassword },
  });
  expectProblem(asDisabled, 401, 'invalid_credentials');
  expectProblem(asUnknown, 401, 'invalid_credentials');
  const selfLockout = await app.call('PATCH', `/api/admin/operators/${app.firstRunOperator!.operator.id}`, {
    key: admin,
    body: { role: 'auditor' },
  });
  expectProblem(selfLockout, 409, 'last_superadmin');
});
