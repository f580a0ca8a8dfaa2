// Chaos in CI (issue 15, "Tests must show"): 30 SIGKILLs of the real appliance at seeded random
// moments while faxes come in over SIP and go out through the API and past months close, in five
// lanes side by side.
// Nothing acknowledged may be lost: see chaos.ts for the invariants. `npm run bench:chaos` is the
// long run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos } from './chaos.ts';

const seed = Number(process.env.FAXSEAL_CHAOS_SEED ?? 15);

test('30 kill -9s during calls, OCR, extraction, delivery, sends and month closes: nothing acknowledged is lost, nothing billed twice', {
  timeout: 1_200_000,
}, async (t) => {
  const report = await runChaos({ trials: 30, lanes: 5, seed, maxKillDelayMs: 15_000 });
  t.diagnostic(`seed ${seed}: ${JSON.stringify({ ...report, violations: report.violations.length })}`);
  assert.deepEqual(report.violations, []);
  assert.equal(report.trials, 30);
  // The kills must have landed where the work is, not only between faxes.
  for (const phase of ['call', 'send'] as const)
    assert.ok(report.kills[phase] > 0, `no kill landed during ${phase}: ${JSON.stringify(report.kills)}`);
  assert.ok(report.pagesConfirmed > 0, 'pages were confirmed before kills');
  assert.ok(report.sendsAcknowledged >= 1);
  assert.ok(report.closes.job > 0 && report.closes.cli > 0, `closes: ${JSON.stringify(report.closes)}`);
  assert.ok(report.invoicesChecked > 0, 'closed months were invoiced and checked');
});
