// The /api/auth limit: per client address for sign-in and emailed links, per live session once
// signed in. A made-up cookie on each request must not buy a fresh bucket.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { onboardOwner, PASSWORD, signIn } from '../support/people.ts';
import { expectProblem, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

const LIMIT = 8;
let app: TestAppliance;

before(async () => {
  app = await startTestAppliance({ authRateLimitPerMinute: LIMIT });
});
after(() => app.shutdown());

test('made-up session cookies share the address’s bucket; a signed-in session has its own', async () => {
  const owner = await onboardOwner(app, 'Limit Clinic');
  const portal = await signIn(app, { email: owner.email, password: PASSWORD });
  let accepted = 0;
  let refused: Awaited<ReturnType<TestAppliance['call']>> | null = null;
  for (let i = 0; i < 2 * LIMIT && !refused; i++) {
    const res = await app.call('POST', '/api/auth/password-reset', {
      body: { email: owner.email },
      headers: { cookie: `faxseal_session=${'x'.repeat(40)}${String(i).padStart(3, '0')}` },
    });
    if (res.status === 429) refused = res;
    else accepted++;
  }
  assert.ok(refused, 'the address ran out');
  expectProblem(refused, 429, 'rate_limited');
  assert.ok(refused.headers.get('retry-after'));
  assert.ok(accepted <= LIMIT, `${accepted} accepted`);
  // The signed-in person is not held back by what was sent from their address.
  assert.equal((await portal.call('GET', '/api/auth/session')).status, 200);
  assert.equal((await portal.call('GET', '/api/auth/sessions')).status, 200);
});
