// Sessions of people: the cookie's flags, CSRF refusal, a new session id at every sign-in
// (fixation), idle and absolute expiry, sign-out everywhere, the sessions list with revoke, the
// same answer for a wrong password and an unknown email, the lockout and its release, TOTP.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateSync } from 'otplib';
import { browser, type Owner, onboardOwner, PASSWORD, signIn, tokenFromEmail } from '../support/people.ts';
import {
  expectProblem,
  ManualClock,
  startTestAppliance,
  type TestAppliance,
} from '../support/test-appliance.ts';

let app: TestAppliance;
let clock: ManualClock;
let owner: Owner;

before(async () => {
  clock = new ManualClock();
  // The per-minute request limits run on the real clock; this file moves a manual one by hours.
  app = await startTestAppliance({ authRateLimitPerMinute: 10_000 }, { clock });
  owner = await onboardOwner(app, 'Session Clinic');
});
after(() => app.shutdown());

test('partner verify hands the owner a one-time link to set the portal password', async () => {
  const email = `verify-${Date.now()}@clinic.test`;
  await app.call('POST', '/partners/apply', { body: { companyName: 'Verify Clinic', email } });
  const token = tokenFromEmail(app, email, 'partner_verification');
  const verified = await app.call('GET', `/partners/verify?token=${token}`);
  const setup = new URL(verified.body.passwordSetupUrl);
  assert.equal(setup.pathname, '/partner/reset-password');
  const body = { token: setup.searchParams.get('token'), password: PASSWORD };
  assert.equal((await app.call('POST', '/api/auth/password-reset/confirm', { body })).status, 200);
  expectProblem(await app.call('POST', '/api/auth/password-reset/confirm', { body }), 410, 'token_used');
  const b = await signIn(app, { email, password: PASSWORD });
  assert.deepEqual(
    b.signedIn.memberships.map((m: { companyName: string; role: string }) => [m.companyName, m.role]),
    [['Verify Clinic', 'owner']],
  );
});

test('the session cookie is HttpOnly, SameSite=Lax, not Secure over plain http, and only a hash is stored', async () => {
  const res = await fetch(`${app.httpUrl}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: owner.email, password: PASSWORD }),
  });
  assert.equal(res.status, 200);
  const setCookie = res.headers.getSetCookie()[0];
  assert.match(setCookie, /^faxseal_session=[\w-]{43};/);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Lax/);
  assert.match(setCookie, /Path=\/api/);
  assert.match(setCookie, /Max-Age=43200/);
  assert.doesNotMatch(setCookie, /Secure/, 'plain http: no Secure flag');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const secret = /faxseal_session=([\w-]+)/.exec(setCookie)![1];
  const rows = JSON.stringify(app.services.db.prepare('SELECT * FROM sessions').all());
  assert.ok(!rows.includes(secret), 'the cookie secret is not in the database');
});

test('a write with the cookie but without the CSRF token is refused; with it, it goes through', async () => {
  const b = await signIn(app, { email: owner.email, password: PASSWORD });
  const refused = await b.call('POST', '/api/partner/webhooks/test', { csrf: false });
  expectProblem(refused, 403, 'csrf_token_invalid');
  const wrong = await b.call('POST', '/api/partner/webhooks/test', {
    csrf: false,
    headers: { 'x-csrf-token': 'x'.repeat(43) },
  });
  expectProblem(wrong, 403, 'csrf_token_invalid');
  assert.equal((await b.call('POST', '/api/partner/webhooks/test')).status, 202);
  // Reads need no token; a key needs none either.
  assert.equal((await b.call('GET', '/api/partner/numbers')).status, 200);
  assert.equal((await app.call('POST', '/api/partner/webhooks/test', { key: owner.apiKey })).status, 202);
  // Another session's token does not fit this session.
  const other = await signIn(app, { email: owner.email, password: PASSWORD });
  const crossed = await b.call('POST', '/api/partner/webhooks/test', {
    csrf: false,
    headers: { 'x-csrf-token': other.csrfToken },
  });
  expectProblem(crossed, 403, 'csrf_token_invalid');
});

test('signing in gives a new session id and ends the one the browser had (fixation)', async () => {
  const first = await signIn(app, { email: owner.email, password: PASSWORD });
  const res = await fetch(`${app.httpUrl}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: first.cookie },
    body: JSON.stringify({ email: owner.email, password: PASSWORD }),
  });
  const second = (await res.json()) as { session: { id: string }; csrfToken: string };
  const secondCookie = res.headers.getSetCookie()[0].split(';')[0];
  assert.notEqual(second.session.id, first.signedIn.session.id);
  assert.notEqual(secondCookie, first.cookie);
  expectProblem(await first.call('GET', '/api/partner/numbers'), 401, 'session_expired');
  assert.equal(
    (await browser(app, secondCookie, second.csrfToken).call('GET', '/api/partner/numbers')).status,
    200,
  );
});

test('a session ends after 30 idle minutes, and after 12 hours however active', async () => {
  const idle = await signIn(app, { email: owner.email, password: PASSWORD });
  clock.advanceMinutes(29);
  assert.equal((await idle.call('GET', '/api/auth/session')).status, 200, 'activity within 30 minutes');
  clock.advanceMinutes(29);
  assert.equal((await idle.call('GET', '/api/auth/session')).status, 200, 'the idle timer moved on');
  clock.advanceMinutes(31);
  const expired = await idle.call('GET', '/api/partner/numbers');
  expectProblem(expired, 401, 'session_expired');
  assert.match(String(expired.headers.get('set-cookie')), /faxseal_session=;/, 'the cookie is cleared');

  const busy = await signIn(app, { email: owner.email, password: PASSWORD });
  for (let minutes = 0; minutes < 12 * 60 - 20; minutes += 20) {
    clock.advanceMinutes(20);
    assert.equal((await busy.call('GET', '/api/auth/session')).status, 200, `after ${minutes + 20} min`);
  }
  clock.advanceMinutes(21);
  expectProblem(await busy.call('GET', '/api/auth/session'), 401, 'session_expired');
});

test('sessions are listed and revoked one by one; sign-out everywhere ends them all', async () => {
  const a = await signIn(app, { email: owner.email, password: PASSWORD });
  const b = await signIn(app, { email: owner.email, password: PASSWORD });
  const c = await signIn(app, { email: owner.email, password: PASSWORD });
  const listed = await a.call('GET', '/api/auth/sessions');
  const ids = listed.body.items.map((s: { id: string }) => s.id);
  for (const s of [a, b, c]) assert.ok(ids.includes(s.signedIn.session.id));
  assert.equal(listed.body.items.filter((s: { current: boolean }) => s.current).length, 1);
  assert.equal((await a.call('DELETE', `/api/auth/sessions/${b.signedIn.session.id}`)).status, 200);
  expectProblem(await b.call('GET', '/api/auth/session'), 401, 'session_expired');
  assert.equal((await c.call('GET', '/api/auth/session')).status, 200);
  const everywhere = await a.call('POST', '/api/auth/sign-out-everywhere');
  assert.ok(everywhere.body.signedOut >= 2);
  for (const s of [a, c]) expectProblem(await s.call('GET', '/api/partner/numbers'), 401, 'session_expired');
  assert.equal(
    (await app.call('GET', '/api/partner/numbers', { key: owner.apiKey })).status,
    200,
    'keys are not sessions',
  );
});

test('a wrong password and an unknown email get the same answer; the lockout ends on its own or by a reset', async () => {
  const wrong = await app.call('POST', '/api/auth/sign-in', {
    body: { email: owner.email, password: 'not the password at all' },
  });
  const unknown = await app.call('POST', '/api/auth/sign-in', {
    body: { email: 'nobody@nowhere.test', password: 'not the password' },
  });
  expectProblem(wrong, 401, 'invalid_credentials');
  expectProblem(unknown, 401, 'invalid_credentials');
  assert.equal(wrong.body.detail, unknown.body.detail);
  for (let i = 0; i < 4; i++)
    await app.call('POST', '/api/auth/sign-in', {
      body: { email: owner.email, password: `guess ${i} wrong wrong` },
    });
  const locked = await app.call('POST', '/api/auth/sign-in', {
    body: { email: owner.email, password: PASSWORD },
  });
  expectProblem(locked, 429, 'sign_in_locked');
  assert.ok(Number(locked.headers.get('retry-after')) > 800, 'about 15 minutes');
  // An unknown email locks the same way: a lock says nothing about an account existing.
  for (let i = 0; i < 5; i++)
    await app.call('POST', '/api/auth/sign-in', {
      body: { email: 'ghost@nowhere.test', password: `guess ${i} wrong wrong` },
    });
  expectProblem(
    await app.call('POST', '/api/auth/sign-in', { body: { email: 'ghost@nowhere.test', password: 'x' } }),
    429,
    'sign_in_locked',
  );
  clock.advanceMinutes(16);
  assert.equal(
    (await app.call('POST', '/api/auth/sign-in', { body: { email: owner.email, password: PASSWORD } }))
      .status,
    200,
    'the lock ended',
  );

  // Locked again, a password reset by email lifts it at once.
  for (let i = 0; i < 5; i++)
    await app.call('POST', '/api/auth/sign-in', {
      body: { email: owner.email, password: `guess ${i} wrong wrong` },
    });
  expectProblem(
    await app.call('POST', '/api/auth/sign-in', { body: { email: owner.email, password: PASSWORD } }),
    429,
    'sign_in_locked',
  );
  assert.equal(
    (await app.call('POST', '/api/auth/password-reset', { body: { email: owner.email } })).status,
    202,
  );
  assert.equal(
    (await app.call('POST', '/api/auth/password-reset', { body: { email: 'nobody@nowhere.test' } })).status,
    202,
  );
  const token = tokenFromEmail(app, owner.email, 'password_reset');
  assert.equal(
    (await app.call('POST', '/api/auth/password-reset/confirm', { body: { token, password: PASSWORD } }))
      .status,
    200,
  );
  assert.equal(
    (await app.call('POST', '/api/auth/sign-in', { body: { email: owner.email, password: PASSWORD } }))
      .status,
    200,
  );
  const failures = app.services.audit.list({ action: 'auth.sign_in_failed', limit: 50 });
  assert.ok(
    failures.some((e) => e.actorId === null),
    'failed sign-ins of unknown emails are audited too',
  );
});

test('TOTP: enrolment, sign-in needs the code, a code works once, recovery codes work once', async () => {
  const b = await signIn(app, { email: owner.email, password: PASSWORD });
  const setup = await b.call('POST', '/api/auth/totp/setup');
  assert.match(setup.body.otpauthUrl, /^otpauth:\/\/totp\/FaxSeal:/);
  const code = () =>
    generateSync({ secret: setup.body.secret, epoch: Math.floor(clock.now().getTime() / 1000) });
  const enabled = await b.call('POST', '/api/auth/totp/enable', { body: { code: code() } });
  assert.equal(enabled.body.recoveryCodes.length, 10);
  const stored = JSON.stringify(app.services.db.prepare('SELECT * FROM recovery_codes').all());
  assert.ok(!stored.includes(enabled.body.recoveryCodes[0]), 'recovery codes are stored hashed');

  const sign = (totp?: string) =>
    app.call('POST', '/api/auth/sign-in', {
      body: { email: owner.email, password: PASSWORD, ...(totp ? { totp } : {}) },
    });
  expectProblem(await sign(), 401, 'totp_required');
  clock.advanceMinutes(1);
  const fresh = code();
  assert.equal((await sign(fresh)).status, 200);
  expectProblem(await sign(fresh), 401, 'invalid_totp');
  const recovery = enabled.body.recoveryCodes[0];
  assert.equal((await sign(recovery)).status, 200);
  expectProblem(await sign(recovery), 401, 'invalid_totp');
  clock.advanceMinutes(1);
  const off = await b.call('POST', '/api/auth/totp/disable', { body: { password: PASSWORD, code: code() } });
  assert.equal(off.body.enabled, false);
  assert.equal((await sign()).status, 200);
});

test('a portal session has its own rate-limit bucket: the browser never spends the key’s budget', async () => {
  const first = await app.call('GET', '/api/partner/numbers', { key: owner.apiKey });
  const keyRemaining = Number(first.headers.get('ratelimit-remaining'));
  assert.equal(first.headers.get('ratelimit-limit'), '60');
  const portal = await signIn(app, { email: owner.email, password: PASSWORD });
  let sessionRemaining = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const res = await portal.call('GET', '/api/partner/numbers');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ratelimit-limit'), String(app.config.sessionRateLimitPerMinute));
    const remaining = Number(res.headers.get('ratelimit-remaining'));
    assert.ok(remaining < sessionRemaining, 'the session spends its own budget');
    sessionRemaining = remaining;
  }
  const again = await app.call('GET', '/api/partner/numbers', { key: owner.apiKey });
  assert.equal(
    Number(again.headers.get('ratelimit-remaining')),
    keyRemaining - 1,
    'the key spent only its own call',
  );
});

test('a password change ends the other sessions; an email change waits for its one-time link', async () => {
  const clinic = await onboardOwner(app, 'Email Clinic');
  const here = await signIn(app, { email: clinic.email, password: PASSWORD });
  const elsewhere = await signIn(app, { email: clinic.email, password: PASSWORD });
  const newPassword = 'a longer passphrase of my own';
  expectProblem(
    await here.call('POST', '/api/auth/password', {
      body: { currentPassword: 'not my password at all', newPassword },
    }),
    400,
    'invalid_password',
  );
  const changed = await here.call('POST', '/api/auth/password', {
    body: { currentPassword: PASSWORD, newPassword },
  });
  assert.equal(changed.status, 200);
  assert.equal((await here.call('GET', '/api/auth/session')).status, 200, 'this session stays');
  expectProblem(await elsewhere.call('GET', '/api/auth/session'), 401, 'session_expired');

  const newEmail = `moved-${Date.now()}@clinic.test`;
  const requested = await here.call('POST', '/api/auth/email', {
    body: { email: newEmail, password: newPassword },
  });
  assert.equal(requested.status, 202);
  const link = app.services.emails.sentTo(newEmail).find((e) => e.kind === 'email_verification')!;
  assert.match(link.text, /\/partner\/verify-email\?token=/);
  const token = tokenFromEmail(app, newEmail, 'email_verification');
  const stored = JSON.stringify(app.services.db.prepare('SELECT * FROM account_tokens').all());
  assert.ok(!stored.includes(token), 'only a hash of the emailed token is stored');
  // Until the link is followed, the old email still signs in.
  assert.equal(
    (await signIn(app, { email: clinic.email, password: newPassword })).signedIn.account.email,
    clinic.email,
  );
  const confirmed = await app.call('POST', '/api/auth/verify-email', { body: { token } });
  assert.equal(confirmed.status, 200);
  assert.equal(confirmed.body.email, newEmail);
  expectProblem(await app.call('POST', '/api/auth/verify-email', { body: { token } }), 410, 'token_used');
  expectProblem(
    await app.call('POST', '/api/auth/sign-in', { body: { email: clinic.email, password: newPassword } }),
    401,
    'invalid_credentials',
  );
  assert.equal(
    (await signIn(app, { email: newEmail, password: newPassword })).signedIn.account.email,
    newEmail,
  );
});
