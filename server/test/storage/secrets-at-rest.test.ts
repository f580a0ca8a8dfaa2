// Nothing secret is kept in the clear (issue 15 item 2, and rotation under a running appliance from
// item 6): fax content, event bodies, emails and replayable responses are sealed in the database,
// rows an older version wrote in the clear are sealed by migration 034, the first-run operator's
// credentials never reach stdout, files are owner-only, and rotate-master-key re-seals all of it
// but refuses while the appliance runs.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createServices } from '../../src/services.ts';
import { ApplianceLock, applianceRunning } from '../../src/storage/appliance-lock.ts';
import { listMigrations, openDatabase } from '../../src/storage/database.ts';
import {
  commitInboundFax,
  documentPages,
  type PartnerWithNumber,
  partnerWithNumber,
} from '../pipeline/inbound-fax.ts';
import { startChildAppliance } from '../support/child-appliance.ts';
import { startTestAppliance, type TestAppliance, tempDataDir } from '../support/test-appliance.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dataDir = tempDataDir('sealed');
let app: TestAppliance | null;
let partner: PartnerWithNumber;
let faxId: string;

before(async () => {
  app = await startTestAppliance({ ocrPoolSize: 1 }, { dataDir });
  partner = await partnerWithNumber(app, 'sealed-user', {
    extractionSchema: { patientName: { type: 'string' }, dateOfBirth: { type: 'string' } },
  });
  faxId = await commitInboundFax(app.services, partner.number, await documentPages(1));
  const deadline = Date.now() + 180_000;
  for (;;) {
    const fax = app.services.faxes.get(faxId)!;
    if (fax.ocrStatus !== 'pending' && fax.extractionStatus !== 'pending') break;
    assert.ok(Date.now() < deadline, 'OCR and extraction finished');
    await new Promise((r) => setTimeout(r, 200));
  }
});
after(async () => {
  await app?.shutdown({ keepData: true });
  rmSync(dataDir, { recursive: true, force: true });
});

function faxseal(...args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FAXSEAL_')));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...env, FAXSEAL_DATA_DIR: dataDir, FAXSEAL_SEED_DEMO_DIDS: 'false' },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** Every stored value of the columns docs/security.md says are sealed, for one fax, as SQLite holds them. */
function storedContent(db = app!.services.db): string[] {
  const one = (sql: string, ...args: unknown[]) => Object.values(db.prepare(sql).get(...args) as object);
  const all = (sql: string, ...args: unknown[]) =>
    (db.prepare(sql).all(...args) as object[]).flatMap((row) => Object.values(row));
  return [
    ...one('SELECT ocr_text, extracted_data, extraction_evidence FROM faxes WHERE id = ?', faxId),
    ...all('SELECT ocr_text, ocr_words FROM fax_pages WHERE fax_id = ?', faxId),
    ...all('SELECT body FROM webhook_events WHERE fax_id = ?', faxId),
  ].filter((v): v is string => v !== null);
}

test('OCR text, OCR words, extracted data and event bodies are sealed; the API and search still read them', async () => {
  const fax = app!.services.faxes.get(faxId)!;
  assert.equal(fax.ocrStatus, 'done');
  assert.match(fax.ocrText ?? '', /penicillin/);
  assert.ok(fax.extractedData, 'extraction stored a result');

  const stored = storedContent();
  assert.ok(stored.length >= 6, `${stored.length} sealed values for the fax`);
  for (const value of stored) {
    assert.match(value, /^[A-Za-z0-9+/]+={0,2}$/, 'a sealed value is base64');
    for (const word of ['penicillin', 'REFERRAL', 'Gonzalez', 'ocrText', 'faxId', '"text"'])
      assert.ok(!Buffer.from(value, 'base64').includes(word) && !value.includes(word), `"${word}" is sealed`);
  }

  const detail = await app!.call('GET', `/api/partner/faxes/${faxId}`, { key: partner.apiKey });
  assert.equal(detail.status, 200);
  assert.match(detail.body.ocrText, /penicillin/);
  // The FTS index is the documented exception: the inbox can search what the columns seal.
  const found = await app!.call('GET', '/api/partner/inbox?q=penicillin', { key: partner.apiKey });
  assert.deepEqual(
    found.body.items.map((f: { id: string }) => f.id),
    [faxId],
  );
  const events = app!.services.webhooks.deliveries.eventsOfFax(faxId);
  assert.ok(
    events.some((e) => e.event === 'fax.received' && JSON.parse(e.body).ocrText.includes('penicillin')),
  );
});

test('a value moved to another row no longer opens (sealed values are bound to their row)', () => {
  const db = app!.services.db;
  const other = 'fax_moved';
  const row = db.prepare('SELECT * FROM faxes WHERE id = ?').get(faxId) as Record<string, unknown>;
  db.prepare(
    `INSERT INTO faxes (id, partner_id, direction, status, ocr_text, created_at)
     VALUES (?, ?, 'inbound', 'received', ?, ?)`,
  ).run(other, row.partner_id, row.ocr_text, row.created_at);
  try {
    assert.throws(() => app!.services.faxes.get(other), /auth|decrypt/i);
  } finally {
    db.prepare('DELETE FROM faxes WHERE id = ?').run(other);
  }
});

test('Idempotency-Key replays of a new API key or webhook secret are sealed, and replay the same secret', async () => {
  const headers = { 'idempotency-key': 'sealed-key-1' };
  const first = await app!.call('POST', '/api/partner/keys', { key: partner.apiKey, body: {}, headers });
  assert.equal(first.status, 201, first.text);
  const replay = await app!.call('POST', '/api/partner/keys', { key: partner.apiKey, body: {}, headers });
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(replay.body.apiKey, first.body.apiKey);

  const secretHeaders = { 'idempotency-key': 'sealed-secret-1' };
  const secret = await app!.call('POST', '/api/partner/settings/webhook-secret', {
    key: partner.apiKey,
    headers: secretHeaders,
  });
  assert.match(secret.body.webhookSecret, /^whsec_/);
  const again = await app!.call('POST', '/api/partner/settings/webhook-secret', {
    key: partner.apiKey,
    headers: secretHeaders,
  });
  assert.equal(again.body.webhookSecret, secret.body.webhookSecret);

  const rows = app!.services.db.prepare('SELECT response_body FROM idempotency_records').all() as {
    response_body: string;
  }[];
  assert.ok(rows.length >= 2);
  for (const { response_body } of rows) {
    assert.ok(!response_body.includes('sk_partner_') && !response_body.includes('whsec_'));
    assert.ok(!response_body.includes(first.body.apiKey.slice(11, 30)));
  }
});

test('the database, its WAL and shared memory are 0600 and the data directory 0700', () => {
  assert.equal(statSync(dataDir).mode & 0o777, 0o700);
  for (const file of ['faxseal.db', 'faxseal.db-wal', 'faxseal.db-shm'])
    assert.equal(statSync(path.join(dataDir, file)).mode & 0o777, 0o600, file);
});

test('rotate-master-key is refused while the appliance runs, as is a second appliance', async () => {
  const refused = faxseal('rotate-master-key');
  assert.equal(refused.code, 1, refused.out);
  assert.match(refused.out, /an appliance is running on .*: stop it before rotating the master key/);
  assert.equal(applianceRunning(dataDir), true);
  assert.throws(() => ApplianceLock.acquire(dataDir), /another FaxSeal appliance is running/);
  await assert.rejects(startTestAppliance({}, { dataDir }), /another FaxSeal appliance is running/);
  // Nothing was rotated: the running appliance still reads its content.
  assert.match(app!.services.faxes.get(faxId)!.ocrText ?? '', /penicillin/);
});

test('once it stopped, rotate-master-key re-seals fax content, bodies, emails and responses under the new key', async () => {
  await app!.shutdown({ keepData: true });
  app = null;
  const keyFile = path.join(dataDir, 'keys', 'master.key');
  const oldKey = readFileSync(keyFile, 'utf8').trim();
  const db = openDatabase(dataDir, { migrate: false });
  const before = storedContent(db);
  db.close();

  const rotated = faxseal('rotate-master-key');
  assert.equal(rotated.code, 0, rotated.out);
  const count = Number(/and (\d+) sealed values/.exec(rotated.out)?.[1]);
  // The fax's values, and at least its partner's verification email and webhook secret.
  assert.ok(count >= before.length + 2, `${count} values re-sealed (the fax's ${before.length}, and more)`);

  const services = createServices(loadConfig({}, { dataDir, logLevel: 'silent' }), pino({ level: 'silent' }));
  try {
    const after = storedContent(services.db);
    assert.equal(after.length, before.length);
    for (const value of after) assert.ok(!before.includes(value), 'every value was sealed again');
    assert.match(services.faxes.get(faxId)!.ocrText ?? '', /penicillin/);
    assert.ok(services.webhooks.deliveries.eventsOfFax(faxId).length >= 1);
    assert.match(services.emails.sentTo(services.partners.get(partner.partnerId)!.email)[0].text, /token=/);
  } finally {
    services.close();
  }
  // The old key opens nothing: the start-up key check refuses it before anything sealed is read.
  assert.throws(
    () =>
      createServices(
        loadConfig({}, { dataDir, logLevel: 'silent', masterKey: oldKey }),
        pino({ level: 'silent' }),
      ),
    { name: 'MasterKeyMismatchError' },
  );
});

test('outbox --last-link still prints the newest verification link from the sealed outbox', () => {
  const out = faxseal('outbox', '--last-link');
  assert.equal(out.code, 0, out.out);
  const token = /partners\/verify\?token=([\w-]+)/.exec(out.out)?.[1];
  assert.ok(token, out.out);
  const db = openDatabase(dataDir, { migrate: false });
  try {
    const rows = db.prepare('SELECT body_text FROM emails').all() as { body_text: string }[];
    assert.ok(rows.length > 0 && rows.every((r) => !r.body_text.includes(token)));
  } finally {
    db.close();
  }
});

test('migration 034 seals the rows an older version stored in the clear', () => {
  const oldDir = tempDataDir('unsealed');
  try {
    // The database as the version before 034 left it: every earlier migration, content in the clear.
    const db = openDatabase(oldDir, { migrate: false });
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const m of listMigrations().filter((m) => m.version < 34)) {
      db.exec(readFileSync(path.join(root, 'server/src/storage/migrations', m.name), 'utf8'));
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    }
    db.exec('PRAGMA foreign_keys = OFF'); // this test builds an old SQLite file by hand
    const at = new Date().toISOString();
    db.prepare(
      `INSERT INTO faxes (id, partner_id, direction, status, ocr_text, extracted_data, extraction_evidence, cover, created_at)
       VALUES ('fax_old', 'ptn_old', 'inbound', 'received', 'Old plain referral text', '{"patientName":"Old Name"}',
         '{"patientName":{"page":1}}', '{"subject":"Old subject","notes":"old notes"}', ?)`,
    ).run(at);
    db.prepare(
      `INSERT INTO fax_pages (fax_id, page, width, height, x_resolution, y_resolution, ocr_text, ocr_words)
       VALUES ('fax_old', 1, 1728, 2200, 204, 196, 'Old plain referral text', '[{"text":"Old"}]')`,
    ).run();
    db.prepare(
      `INSERT INTO webhook_events (id, partner_id, event_type, body, created_at)
       VALUES ('evt_old', 'ptn_old', 'fax.received', '{"faxId":"fax_old","ocrText":"Old plain referral text"}', ?)`,
    ).run(at);
    db.prepare(
      `INSERT INTO emails (id, to_address, subject, body_text, kind, status, created_at)
       VALUES ('eml_old', 'old@old.test', 'Verify', 'Open https://x/partners/verify?token=OLDTOKEN', 'partner_verification', 'kept', ?)`,
    ).run(at);
    db.prepare(
      `INSERT INTO idempotency_records (scope, idempotency_key, request_hash, status_code, response_body, response_type, created_at)
       VALUES ('ptn_old', 'k1', 'h', 201, '{"apiKey":"sk_partner_OLDKEY"}', 'application/json', ?)`,
    ).run(at);
    db.close();

    const services = createServices(
      loadConfig({}, { dataDir: oldDir, logLevel: 'silent' }),
      pino({ level: 'silent' }),
    );
    try {
      const raw = JSON.stringify([
        services.db.prepare('SELECT ocr_text, extracted_data, extraction_evidence, cover FROM faxes').all(),
        services.db.prepare('SELECT ocr_text, ocr_words FROM fax_pages').all(),
        services.db.prepare('SELECT body FROM webhook_events').all(),
        services.db.prepare('SELECT body_text FROM emails').all(),
        services.db.prepare('SELECT response_body FROM idempotency_records').all(),
      ]);
      for (const clear of [
        'Old plain',
        'Old Name',
        'page',
        'Old subject',
        '"text"',
        'OLDTOKEN',
        'OLDKEY',
        'ocrText',
      ])
        assert.ok(!raw.includes(clear), `"${clear}" is sealed`);
      assert.equal(
        (services.db.prepare('SELECT COUNT(*) AS n FROM column_sealing_backlog').get() as { n: number }).n,
        0,
        'the backlog is done',
      );
      // And it all reads back through the repositories.
      const fax = services.faxes.get('fax_old')!;
      assert.equal(fax.ocrText, 'Old plain referral text');
      assert.deepEqual(fax.extractedData, { patientName: 'Old Name' });
      assert.deepEqual(fax.cover, { subject: 'Old subject', notes: 'old notes' });
      assert.equal(services.faxes.ocrPages('fax_old')[0].words[0].text, 'Old');
      assert.equal(services.faxes.pages('fax_old')[0].ocrText, 'Old plain referral text');
      assert.match(services.webhooks.deliveries.eventsOfFax('fax_old')[0].body, /Old plain referral text/);
      assert.match(services.emails.sentTo('old@old.test')[0].text, /OLDTOKEN/);
    } finally {
      services.close();
    }
  } finally {
    rmSync(oldDir, { recursive: true, force: true });
  }
});

test('the first-run operator credentials go to a 0600 file, never to stdout', async () => {
  const freshDir = tempDataDir('first-run');
  // A cold start compiles the server with tsx: on a loaded 2-core machine that can pass 30 s, so
  // startChildAppliance waits for readiness (or the child's exit), not for a clock.
  const child = await startChildAppliance({ FAXSEAL_DATA_DIR: freshDir, FAXSEAL_LOG_LEVEL: 'info' });
  try {
    const file = path.join(freshDir, 'first-run-admin.txt');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, 'utf8');
    const token = /admin token: (sk_admin_\S+)/.exec(text)?.[1];
    const password = /one-time password: (\S+)/.exec(text)?.[1];
    assert.ok(token && password, 'the file holds the token and the password');
    const output = child.output();
    assert.ok(output.includes(file), 'stdout names the file');
    assert.ok(!output.includes(token) && !output.includes(password), 'stdout holds neither');
    const res = await fetch(`${child.url}/api/admin/partners`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200, 'the token from the file works');
  } finally {
    await child.kill('SIGTERM');
    rmSync(freshDir, { recursive: true, force: true });
  }
});
