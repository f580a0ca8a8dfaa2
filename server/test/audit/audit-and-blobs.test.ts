import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { AuditRepository } from '../../src/audit/audit-repository.ts';
import { systemClock } from '../../src/clock.ts';
import { BlobStore } from '../../src/storage/blob-store.ts';
import { MasterKey } from '../../src/storage/master-key.ts';
import { openTestDatabase, tempDataDir } from '../support/test-appliance.ts';

async function setup(t: { after: (fn: () => Promise<void> | void) => void }) {
  const dir = tempDataDir('audit');
  return { dir, db: await openTestDatabase(t, dir) };
}

test('the audit chain verifies, and any edit, deletion or reorder is caught at its entry', async (t) => {
  const { db } = await setup(t);
  const audit = new AuditLog(new AuditRepository(db), systemClock);
  for (let i = 0; i < 5; i++) {
    audit.record({
      actorType: 'partner_key',
      actorId: 'key_1',
      action: 'fax.pdf_downloaded',
      targetType: 'fax',
      targetId: `fax_${i}`,
      partnerId: 'ptr_1',
    });
  }
  const ok = audit.verify();
  assert.equal(ok.ok, true);
  assert.equal(ok.ok && ok.entries, 5);

  db.prepare("UPDATE audit_log SET target_id = 'fax_x' WHERE seq = 3").run();
  assert.deepEqual(audit.verify(), { ok: false, seq: 3, reason: 'content was altered' });
  db.prepare("UPDATE audit_log SET target_id = 'fax_2' WHERE seq = 3").run();
  assert.equal(audit.verify().ok, true);

  db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
  assert.deepEqual(audit.verify(), { ok: false, seq: 2, reason: 'entry 2 is missing' });
});

test('audit entries can be listed per partner and per target, newest first', async (t) => {
  const { db } = await setup(t);
  const audit = new AuditLog(new AuditRepository(db), systemClock);
  audit.record({
    actorType: 'operator',
    actorId: 'adm_1',
    action: 'dids.imported',
    details: { imported: 3 },
  });
  audit.record({
    actorType: 'partner_key',
    actorId: 'key_1',
    action: 'fax.ocr_read',
    targetType: 'fax',
    targetId: 'fax_1',
    partnerId: 'ptr_1',
  });
  audit.record({
    actorType: 'partner_key',
    actorId: 'key_2',
    action: 'fax.ocr_read',
    targetType: 'fax',
    targetId: 'fax_2',
    partnerId: 'ptr_2',
  });
  assert.deepEqual(
    audit.list({ partnerId: 'ptr_1', limit: 10 }).map((e) => e.targetId),
    ['fax_1'],
  );
  assert.deepEqual(
    audit.list({ limit: 10 }).map((e) => e.seq),
    [3, 2, 1],
  );
  assert.deepEqual(audit.list({ limit: 10 })[2].details, { imported: 3 });
});

test('blobs are sealed at rest, bound to their id, and deleted from disk', async (t) => {
  const { dir } = await setup(t);
  const key = MasterKey.load(dir, null);
  assert.equal(statSync(`${dir}/keys/master.key`).mode & 0o777, 0o600);
  const blobs = new BlobStore(dir, key);
  const pdf = Buffer.from('%PDF-1.7 patient Jane Smith DOB 1985-03-14');
  const id = blobs.put('pdf', pdf);
  const file = blobs.pathOf(id);
  assert.ok(!readFileSync(file).includes(Buffer.from('Jane Smith')), 'ciphertext on disk');
  assert.deepEqual(blobs.get(id), pdf);
  // A sealed file copied under another id does not open: the id is authenticated data.
  const other = blobs.put('pdf', Buffer.from('x'));
  const stolen = readFileSync(file);
  writeFileSync(blobs.pathOf(other), stolen);
  assert.throws(() => blobs.get(other));
  blobs.delete(id);
  assert.equal(existsSync(file), false);
  assert.throws(() => blobs.pathOf('../../etc/passwd'));
});
