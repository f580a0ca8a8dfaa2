// Restart keeps everything: a real appliance process is SIGKILLed after onboarding, provisioning
// and settings, then started again on the same data directory.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { EmailRepository } from '../../src/email/email-repository.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { MasterKey } from '../../src/storage/master-key.ts';
import { startChildAppliance } from '../support/child-appliance.ts';
import { tempDataDir, testDatabase } from '../support/test-appliance.ts';

test('a SIGKILLed appliance restarts with partners, keys, numbers and settings intact', async (t) => {
  const dataDir = tempDataDir('restart');
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { databaseUrl } = await testDatabase(dataDir);
  const env = { FAXSEAL_DATA_DIR: dataDir, ...(databaseUrl ? { FAXSEAL_DATABASE_URL: databaseUrl } : {}) };
  const json = (res: Response) => res.json() as Promise<any>;

  let appliance = await startChildAppliance(env);
  assert.match(appliance.output(), /first-run-admin\.txt/, 'first start names the credentials file');
  const email = 'ops@restart.test';
  assert.equal(
    (
      await fetch(`${appliance.url}/partners/apply`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ companyName: 'Restart Co', email }),
      })
    ).status,
    202,
  );
  const db = openDatabase({ dataDir, databaseUrl }, { migrate: false });
  const { text } = new EmailRepository(db, MasterKey.load(dataDir, null)).sentTo(email)[0];
  db.close();
  const token = /token=([\w-]+)/.exec(text)![1];
  const { apiKey } = await json(await fetch(`${appliance.url}/partners/verify?token=${token}`));
  const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const number = await json(
    await fetch(`${appliance.url}/api/partner/numbers`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ externalUserId: 'keep-me', tier: 'business' }),
    }),
  );
  const patched = await json(
    await fetch(`${appliance.url}/api/partner/settings`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({
        webhookUrl: 'https://keep.example.test/h',
        retentionDays: 90,
        extractionSchema: { claimId: { type: 'string' } },
      }),
    }),
  );
  await appliance.kill('SIGKILL');

  appliance = await startChildAppliance(env);
  try {
    assert.doesNotMatch(appliance.output(), /First start/, 'no second operator on restart');
    const again = await json(await fetch(`${appliance.url}/api/partner/numbers/keep-me`, { headers: auth }));
    assert.equal(again.id, number.id);
    assert.equal(again.number, number.number);
    const settings = await json(await fetch(`${appliance.url}/api/partner/settings`, { headers: auth }));
    assert.equal(settings.webhookUrl, 'https://keep.example.test/h');
    assert.equal(settings.retentionDays, 90);
    assert.deepEqual(settings.extractionSchema, { claimId: { type: 'string' } });
    assert.equal(settings.webhookSecretConfigured, true);
    // The same key still works and the sealed webhook secret still opens with the key file.
    const rotated = await json(
      await fetch(`${appliance.url}/api/partner/settings/webhook-secret`, { method: 'POST', headers: auth }),
    );
    assert.ok(rotated.webhookSecret.startsWith('whsec_'));
    assert.notEqual(rotated.webhookSecret, patched.webhookSecret);
  } finally {
    await appliance.kill('SIGTERM');
  }
});
