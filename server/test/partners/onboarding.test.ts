import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSmtpCapture } from '../support/smtp-capture.ts';
import {
  expectProblem,
  ManualClock,
  startTestAppliance,
  type TestAppliance,
} from '../support/test-appliance.ts';

let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let app: TestAppliance;
const clock = new ManualClock();

before(async () => {
  smtp = await startSmtpCapture();
  app = await startTestAppliance({ smtpUrl: smtp.url, publicUrl: 'https://fax.example.test' }, { clock });
});
after(async () => {
  await app.shutdown();
  await smtp.close();
});

function tokenFrom(text: string): string {
  const m = /https:\/\/fax\.example\.test\/partners\/verify\?token=([\w-]+)/.exec(text);
  assert.ok(m, `no verification link in: ${text}`);
  return m[1];
}

test('apply → verification email over SMTP → verify issues a key → provision → settings', async () => {
  const applied = await app.call('POST', '/partners/apply', {
    body: { companyName: 'Northwind EHR', email: 'CTO@Northwind.test' },
  });
  assert.equal(applied.status, 202);
  assert.equal(applied.body.status, 'verification_sent');

  const email = await smtp.waitFor((e) => e.to.includes('cto@northwind.test'));
  assert.match(email.subject, /verify/i);
  const token = tokenFrom(email.text);
  // The outbox row records that SMTP accepted it.
  const [row] = app.services.emails.sentTo('cto@northwind.test');
  assert.equal(row.status, 'sent');

  const verified = await app.call('GET', `/partners/verify?token=${token}`);
  assert.equal(verified.status, 200);
  assert.match(verified.body.apiKey, /^sk_partner_[\w-]{43}$/);
  assert.equal(verified.body.ownerEmail, 'cto@northwind.test');
  assert.ok(verified.body.apiKey.startsWith(verified.body.apiKeyPrefix));
  assert.equal(verified.headers.get('cache-control'), 'no-store');

  // Only the hash is stored.
  const stored = app.services.db
    .prepare('SELECT * FROM api_keys WHERE partner_id = ?')
    .all(verified.body.partnerId);
  assert.equal(stored.length, 1);
  assert.ok(!JSON.stringify(stored).includes(verified.body.apiKey));

  // The owner account exists with the owner role.
  const members = app.services.partners.members(verified.body.partnerId);
  assert.deepEqual(
    members.map((m) => [m.email, m.role]),
    [['cto@northwind.test', 'owner']],
  );

  const key = verified.body.apiKey;
  const provisioned = await app.call('POST', '/api/partner/numbers', {
    key,
    body: { externalUserId: 'dr-jones', tier: 'business' },
  });
  assert.equal(provisioned.status, 201);
  assert.match(provisioned.body.number, /^\+1\d{10}$/);

  const settings = await app.call('PATCH', '/api/partner/settings', {
    key,
    body: {
      webhookUrl: 'https://hooks.northwind.test/fax',
      extractionSchema: {
        patientName: { type: 'string' },
        dob: { type: 'string', description: 'Date of birth' },
      },
    },
  });
  assert.equal(settings.status, 200);
  assert.match(settings.body.webhookSecret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  const read = await app.call('GET', '/api/partner/settings', { key });
  assert.equal(read.body.webhookUrl, 'https://hooks.northwind.test/fax');
  assert.equal(read.body.webhookSecretConfigured, true);
  assert.equal(read.body.webhookSecret, undefined);
});

test('a verification link works once', async () => {
  await app.call('POST', '/partners/apply', { body: { companyName: 'Once LLC', email: 'once@once.test' } });
  const token = tokenFrom((await smtp.waitFor((e) => e.to.includes('once@once.test'))).text);
  assert.equal((await app.call('GET', `/partners/verify?token=${token}`)).status, 200);
  expectProblem(await app.call('GET', `/partners/verify?token=${token}`), 410, 'verification_token_used');
});

test('a verification link expires', async () => {
  await app.call('POST', '/partners/apply', { body: { companyName: 'Late Inc', email: 'late@late.test' } });
  const token = tokenFrom((await smtp.waitFor((e) => e.to.includes('late@late.test'))).text);
  clock.advanceMinutes(24 * 60 + 1);
  expectProblem(await app.call('GET', `/partners/verify?token=${token}`), 410, 'verification_token_expired');
});

test('an unknown token is refused', async () => {
  expectProblem(
    await app.call('GET', '/partners/verify?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
    400,
    'invalid_verification_token',
  );
});

test('a browser following the link gets a page showing the key', async () => {
  await app.call('POST', '/partners/apply', {
    body: { companyName: 'Browser & Co', email: 'web@browser.test' },
  });
  const token = tokenFrom((await smtp.waitFor((e) => e.to.includes('web@browser.test'))).text);
  const page = await app.call('GET', `/partners/verify?token=${token}`, { headers: { accept: 'text/html' } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(page.text, /sk_partner_[\w-]{43}/);
  assert.match(page.text, /Browser &#38; Co/);
});

test('without SMTP the email stays in the outbox, sealed, and its link is never logged', async () => {
  const lines: string[] = [];
  const offline = await startTestAppliance(
    { logLevel: 'debug' },
    { logDestination: { write: (line: string) => lines.push(line) } },
  );
  try {
    await offline.call('POST', '/partners/apply', {
      body: { companyName: 'Air Gap', email: 'ops@airgap.test' },
    });
    const [row] = offline.services.emails.sentTo('ops@airgap.test');
    assert.equal(row.status, 'kept');
    const token = /partners\/verify\?token=([\w-]+)/.exec(row.text)?.[1];
    assert.ok(token, 'the outbox opens the email with its link');
    assert.ok(
      lines.some((l) => l.includes('email kept in the outbox')),
      'the log says an email was kept',
    );
    assert.ok(!lines.join('\n').includes(token), 'the token is in no log line, at any level');
    const stored = offline.services.db.prepare('SELECT body_text FROM emails WHERE id = ?').get(row.id) as {
      body_text: string;
    };
    assert.ok(
      !stored.body_text.includes(token) && !stored.body_text.includes('verify'),
      'the body is sealed',
    );
  } finally {
    await offline.shutdown();
  }
});
