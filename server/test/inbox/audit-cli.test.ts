// The operator commands around fax content: `audit verify` catches an edited or removed audit row,
// `purge --now` purges what is due, `rotate-master-key` re-seals documents and secrets under a new key.
// Key and settings changes through the API are audit entries.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createServices } from '../../src/services.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { commitInboundFax, documentPages, partnerWithNumber } from '../pipeline/inbound-fax.ts';
import { startTestAppliance, tempDataDir } from '../support/test-appliance.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dataDir = tempDataDir('faxseal-audit');
after(() => rmSync(dataDir, { recursive: true, force: true }));

function faxseal(...args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FAXSEAL_')));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...env, FAXSEAL_DATA_DIR: dataDir, FAXSEAL_SEED_DEMO_DIDS: 'false' },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

let partnerId: string;
let faxId: string;

test('key and settings changes are audit entries', async () => {
  const app = await startTestAppliance({}, { dataDir });
  const partner = await partnerWithNumber(app, 'audited', { webhookUrl: 'https://partner.example/hooks' });
  partnerId = partner.partnerId;
  const created = await app.call('POST', '/api/partner/keys', { key: partner.apiKey, body: { name: 'ci' } });
  await app.call('DELETE', `/api/partner/keys/${created.body.id}`, { key: partner.apiKey });
  await app.services.jobs.stop(); // keep the fax unprocessed: this file needs its blobs, not its OCR
  faxId = await commitInboundFax(app.services, partner.number, await documentPages(1));
  const actions = app.services.audit.list({ partnerId, limit: 20 }).map((e) => e.action);
  assert.ok(actions.includes('key.created'));
  assert.ok(actions.includes('key.revoked'));
  assert.ok(actions.includes('settings.changed'));
  await app.shutdown({ keepData: true });
});

test('audit verify passes on an intact log and names the entry that was edited or removed', () => {
  const ok = faxseal('audit', 'verify');
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /audit log intact: \d+ entries/);

  const db = openDatabase({ dataDir }, { migrate: false });
  try {
    const original = db.prepare('SELECT details FROM audit_log WHERE seq = 2').get() as { details: string };
    db.prepare('UPDATE audit_log SET details = ? WHERE seq = 2').run('{"fields":["nothing to see"]}');
    const edited = faxseal('audit', 'verify');
    assert.equal(edited.code, 1);
    assert.match(edited.out, /entry 2: content was altered/);
    db.prepare('UPDATE audit_log SET details = ? WHERE seq = 2').run(original.details);
    assert.equal(faxseal('audit', 'verify').code, 0);

    const row = db.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Record<string, unknown>;
    db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    const removed = faxseal('audit', 'verify');
    assert.equal(removed.code, 1);
    assert.match(removed.out, /entry 2 is missing/);
    db.prepare(
      `INSERT INTO audit_log (seq, at, actor_type, actor_id, action, target_type, target_id, partner_id, details, prev_hash, hash)
       VALUES (@seq, @at, @actor_type, @actor_id, @action, @target_type, @target_id, @partner_id, @details, @prev_hash, @hash)`,
    ).run(row);
  } finally {
    db.close();
  }
  assert.equal(faxseal('audit', 'verify').code, 0);
});

test('rotate-master-key re-seals documents and secrets; a start with the old key is refused', () => {
  const keyFile = path.join(dataDir, 'keys', 'master.key');
  const before = readFileSync(keyFile, 'utf8');
  const rotated = faxseal('rotate-master-key');
  assert.equal(rotated.code, 0, rotated.out);
  assert.match(rotated.out, /master key rotated: 2 documents and \d+ sealed values \(.*\) re-sealed/);
  assert.notEqual(readFileSync(keyFile, 'utf8'), before);

  const services = createServices(loadConfig({}, { dataDir, logLevel: 'silent' }), pino({ level: 'silent' }));
  try {
    const fax = services.faxes.get(faxId)!;
    assert.equal(services.blobs.get(fax.pdfBlob!).subarray(0, 5).toString(), '%PDF-');
    assert.match(services.webhookSecrets.active(partnerId)[0].secret, /^whsec_/);
  } finally {
    services.close();
  }
  // The old key opens nothing: the start-up key check refuses it before anything sealed is read.
  assert.throws(
    () =>
      createServices(
        loadConfig({}, { dataDir, logLevel: 'silent', masterKey: before.trim() }),
        pino({ level: 'silent' }),
      ),
    { name: 'MasterKeyMismatchError' },
  );
  assert.equal(faxseal('audit', 'verify').code, 0, 'the rotation itself is audited, chain intact');
});

test('purge --now purges what is due and reports it', () => {
  assert.match(faxseal('purge', '--now').out, /nothing due for purge/);
  const db = openDatabase({ dataDir }, { migrate: false });
  db.prepare('UPDATE faxes SET purge_at = ? WHERE id = ?').run(
    new Date(Date.now() - 1000).toISOString(),
    faxId,
  );
  db.close();
  const purged = faxseal('purge', '--now');
  assert.equal(purged.code, 0, purged.out);
  assert.match(purged.out, /purge report \d+: 1 faxes purged, 2 files deleted/);
});
