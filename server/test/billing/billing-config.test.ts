// The Stripe settings as an operator meets them: `faxseal config` hides both secrets, a key
// without its webhook secret (or a malformed one) refuses to start, and the close-month command
// checks its arguments and refuses a month that is not over.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDataDir } from '../support/test-appliance.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const KEY = 'sk_test_51FaxSealConfigTestKey0000';
const WHSEC = 'whsec_FaxSealConfigTestSecret0000';

function faxseal(dataDir: string, env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, FAXSEAL_DATA_DIR: dataDir, FAXSEAL_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('Stripe secrets are hidden, set together, well-formed; close-month checks its month', (t) => {
  const dataDir = tempDataDir('billing-config');
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const both = { FAXSEAL_STRIPE_SECRET_KEY: KEY, FAXSEAL_STRIPE_WEBHOOK_SECRET: WHSEC };

  const shown = faxseal(dataDir, { ...both, FAXSEAL_BILLING_GRACE_DAYS: '7' }, 'config');
  assert.equal(shown.code, 0, shown.err);
  assert.ok(!shown.out.includes(KEY) && !shown.out.includes(WHSEC), 'no secret printed');
  assert.match(shown.out, /FAXSEAL_STRIPE_SECRET_KEY.*\(set, hidden\)/);
  assert.match(shown.out, /FAXSEAL_STRIPE_WEBHOOK_SECRET.*\(set, hidden\)/);
  assert.match(shown.out, /FAXSEAL_BILLING_GRACE_DAYS.*7/);

  const alone = faxseal(dataDir, { FAXSEAL_STRIPE_SECRET_KEY: KEY }, 'config');
  assert.equal(alone.code, 78);
  assert.match(alone.err, /set together or not at all/);
  const malformed = faxseal(dataDir, { ...both, FAXSEAL_STRIPE_SECRET_KEY: 'pk_test_publishable' }, 'config');
  assert.equal(malformed.code, 78);
  assert.match(malformed.err, /must be a Stripe secret key/);
  assert.ok(!malformed.err.includes('pk_test_publishable'), 'the bad value is not echoed');

  const usage = faxseal(dataDir, {}, 'billing', 'close-month', '--month', '2026-13');
  assert.equal(usage.code, 2);
  assert.match(usage.err, /billing close-month --month YYYY-MM/);
  const future = faxseal(dataDir, {}, 'billing', 'close-month', '--month', '2099-01');
  assert.equal(future.code, 1);
  assert.match(future.err, /2099-01 is not over yet/);
});
