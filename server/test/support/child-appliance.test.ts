// The child-appliance helper under load: a child that cannot start is reported at once with its
// own output, not after the (generous, 180 s) readiness wait.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHILD_READY_TIMEOUT_MS, startChildAppliance } from './child-appliance.ts';

test('a child that exits before it is ready fails at once with its output', async () => {
  const started = Date.now();
  await assert.rejects(startChildAppliance({ FAXSEAL_HTTP_PORT: 'not-a-port' }), (err: Error) => {
    assert.match(err.message, /exited \(78\) before it was ready/);
    assert.match(err.message, /FAXSEAL_HTTP_PORT/, 'the message carries the child output');
    return true;
  });
  // The failure came from the exit, not from the readiness wait running out.
  assert.ok(Date.now() - started < CHILD_READY_TIMEOUT_MS);
});
