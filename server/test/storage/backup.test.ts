// `faxseal backup` and `restore` as an operator runs them (the CLI as a process) against a live
// appliance: the backup is taken while it runs; restore refuses its data directory while it runs,
// then brings back faxes, keys, settings and credits with the audit chain intact, into a new
// directory or over an old one (kept aside). A wrong passphrase, a damaged and a cut-short file
// give clear errors and touch nothing.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { grant } from '../outbound/support.ts';
import { commitInboundFax, documentPages, localUrl, partnerWithNumber } from '../pipeline/inbound-fax.ts';
import { startTestAppliance, type TestAppliance, tempDataDir } from '../support/test-appliance.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PASSPHRASE = 'correct horse battery staple';
const scratch = tempDataDir('faxseal-backup-files');
const dataDir = tempDataDir('faxseal-backup');
const restoredDir = path.join(scratch, 'restored');
const apps: TestAppliance[] = [];

after(async () => {
  for (const app of apps) await app.shutdown({ keepData: true });
  for (const dir of [scratch, dataDir]) rmSync(dir, { recursive: true, force: true });
  for (const name of readdirSync(path.dirname(dataDir)))
    if (name.startsWith(`${path.basename(dataDir)}.`))
      rmSync(path.join(path.dirname(dataDir), name), { recursive: true, force: true });
});

function faxseal(
  dir: string,
  args: string[],
  passphrase = PASSPHRASE,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'server/src/cli/main.ts', ...args],
      {
        cwd: root,
        env: { ...process.env, FAXSEAL_DATA_DIR: dir, FAXSEAL_BACKUP_PASSPHRASE: passphrase },
        encoding: 'utf8',
      },
      (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

interface Snapshot {
  inbox: unknown;
  settings: unknown;
  credits: unknown;
  keys: unknown;
}

async function snapshot(app: TestAppliance, apiKey: string): Promise<Snapshot> {
  const get = async (url: string) => {
    const res = await app.call('GET', url, { key: apiKey });
    assert.equal(res.status, 200, `${url}: ${res.text}`);
    return res.body;
  };
  const inbox = await get('/api/partner/inbox');
  // Signed links carry an expiry: compare what they point at, not the signature.
  const items = inbox.items.map((i: Record<string, unknown>) => ({ ...i, pdfUrl: undefined }));
  return {
    inbox: items,
    settings: await get('/api/partner/settings'),
    credits: await get('/api/partner/credits'),
    // Using a key stamps it: its last use is the one field that moves.
    keys: (await get('/api/partner/keys')).items.map((k: Record<string, unknown>) => ({
      ...k,
      lastUsedAt: undefined,
    })),
  };
}

test('backup of a live appliance, restored: faxes, keys, settings and credits survive, audit intact', {
  timeout: 400_000,
}, async () => {
  const app = await startTestAppliance({}, { dataDir });
  apps.push(app);
  const partner = await partnerWithNumber(app, 'dr-ortiz', {
    webhookUrl: 'https://hooks.example.com/faxseal',
    retentionDays: 45,
  });
  await grant(app, partner.partnerId, 25);
  const faxId = await commitInboundFax(app.services, partner.number, await documentPages(1));
  const deadline = Date.now() + 180_000;
  while (app.services.faxes.get(faxId)!.ocrStatus !== 'done') {
    assert.ok(Date.now() < deadline, 'the fax is OCRed');
    await new Promise((r) => setTimeout(r, 200));
  }
  const before = await snapshot(app, partner.apiKey);
  assert.equal((before.inbox as unknown[]).length, 1);

  // The appliance keeps running (and answering) while the backup is taken.
  const file = path.join(scratch, 'faxseal.backup');
  const [backup, health] = await Promise.all([
    faxseal(dataDir, ['backup', file]),
    fetch(`${app.httpUrl}/healthz`).then((r) => r.status),
  ]);
  assert.equal(backup.code, 0, backup.err);
  assert.equal(health, 200);
  assert.match(backup.out, /backup written: .* \d+ documents, master key/);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the backup file is the operator’s only');
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(0, 8).toString(), 'FAXSEALB');
  assert.equal(bytes.includes(Buffer.from('Gonzalez')), false, 'no fax text in the clear');
  assert.equal(bytes.includes(Buffer.from('SQLite format')), false, 'no database in the clear');

  const refused = await faxseal(dataDir, ['restore', file]);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /an appliance is running on .*: stop it before restoring/);
  assert.equal(
    (await faxseal(dataDir, ['rotate-master-key'])).code,
    1,
    'rotating the key under a running appliance is refused too',
  );

  // Wrong passphrase, a flipped byte, a cut file: clear errors, nothing written.
  const wrong = await faxseal(restoredDir, ['restore', file], 'not the passphrase at all');
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /restore failed: wrong passphrase for this backup/);
  const damaged = path.join(scratch, 'damaged.backup');
  const flipped = Buffer.from(bytes);
  flipped[Math.floor(flipped.length / 2)] ^= 0x40;
  writeFileSync(damaged, flipped);
  const corrupt = await faxseal(restoredDir, ['restore', damaged]);
  assert.equal(corrupt.code, 1);
  assert.match(corrupt.err, /restore failed: the backup is damaged/);
  const cut = path.join(scratch, 'cut.backup');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  const short = await faxseal(restoredDir, ['restore', cut]);
  assert.equal(short.code, 1);
  assert.match(short.err, /restore failed: the backup file is cut short/);
  assert.equal(existsSync(restoredDir), false, 'a failed restore leaves nothing behind');
  assert.deepEqual(
    readdirSync(scratch).filter((n) => n.startsWith('restored')),
    [],
  );

  // Into a new directory: the appliance started on it is the same appliance.
  const restored = await faxseal(restoredDir, ['restore', file]);
  assert.equal(restored.code, 0, restored.err);
  assert.match(restored.out, /audit log intact \(\d+ entries\)/);
  const audit = await faxseal(restoredDir, ['audit', 'verify']);
  assert.equal(audit.code, 0, audit.err);
  assert.match(audit.out, /audit log intact/);

  // Over the old directory once its appliance stopped: the old one is kept aside.
  await app.shutdown({ keepData: true });
  apps.pop();
  const over = await faxseal(dataDir, ['restore', file]);
  assert.equal(over.code, 0, over.err);
  const aside = /kept at (\S+)/.exec(over.out)?.[1];
  assert.ok(aside && existsSync(path.join(aside, 'faxseal.db')), over.out);

  const again = await startTestAppliance({}, { dataDir: restoredDir });
  apps.push(again);
  assert.deepEqual(await snapshot(again, partner.apiKey), before);
  const fax = await again.call('GET', `/api/partner/faxes/${faxId}`, { key: partner.apiKey });
  assert.equal(fax.status, 200, fax.text);
  assert.match(fax.body.ocrText, /Gonzalez/);
  const pdf = await fetch(localUrl(again, fax.body.pdfUrl));
  assert.equal(pdf.status, 200, 'the document opens under the restored master key');
  assert.equal(
    Buffer.from(await pdf.arrayBuffer())
      .subarray(0, 5)
      .toString(),
    '%PDF-',
  );
  assert.equal(again.services.audit.verify().ok, true);
  assert.equal(again.services.credits.balance(partner.partnerId), 25);
});

test('backup refuses a short passphrase and an existing file', async () => {
  const dir = tempDataDir('faxseal-backup-refusals');
  const app = await startTestAppliance({}, { dataDir: dir });
  try {
    const short = await faxseal(dir, ['backup', path.join(scratch, 'short.backup')], 'too short');
    assert.equal(short.code, 1);
    assert.match(short.err, /at least 12 characters/);
    const existing = path.join(scratch, 'existing.backup');
    writeFileSync(existing, 'keep me');
    const taken = await faxseal(dir, ['backup', existing]);
    assert.equal(taken.code, 1);
    assert.match(taken.err, /already exists/);
    assert.equal(readFileSync(existing, 'utf8'), 'keep me');
  } finally {
    await app.shutdown();
  }
});
