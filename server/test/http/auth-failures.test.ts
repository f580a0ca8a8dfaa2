// Failed authentication is limited per client address (issue 15, item 6): each refusal carries
// RateLimit-* headers counting down the address's budget; once spent, the address gets 429.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type CallResult,
  expectProblem,
  ManualClock,
  startTestAppliance,
  type TestAppliance,
} from '../support/test-appliance.ts';

const LIMIT = 5;
const clock = new ManualClock();
let app: TestAppliance;

before(async () => {
  app = await startTestAppliance({ authFailuresPerMinute: LIMIT }, { clock });
});
after(() => app.shutdown());

function budget(res: CallResult): [string | null, string | null, number] {
  return [
    res.headers.get('ratelimit-limit'),
    res.headers.get('ratelimit-remaining'),
    Number(res.headers.get('ratelimit-reset')),
  ];
}

test('each failed authentication counts down the address budget; then 429 for everything from it', async () => {
  const { apiKey } = await app.onboardPartner();
  const operatorToken = app.firstRunOperator!.token;
  const pdf = '/files/faxes/fax_00000000000000000000000000.pdf?expires=9999999999&sig=' + '0'.repeat(64);
  // Partner keys, operator tokens and signed links share the one budget of the address.
  const failures = [
    () => app.call('GET', '/api/partner/numbers'),
    () => app.call('GET', '/api/partner/numbers', { key: 'sk_partner_guess' }),
    () => app.call('GET', '/api/admin/partners', { key: 'sk_admin_guess' }),
    () => app.call('GET', pdf),
    () => app.call('GET', '/api/partner/numbers', { key: 'sk_partner_guess2' }),
  ];
  for (const [i, attempt] of failures.entries()) {
    const res = await attempt();
    assert.ok(res.status === 401 || res.status === 403, res.text);
    const [limit, remaining, reset] = budget(res);
    assert.equal(limit, String(LIMIT));
    assert.equal(remaining, String(LIMIT - i - 1));
    assert.ok(reset >= 1 && reset <= 60, `reset ${reset}`);
  }
  // Spent: the next attempt is refused before its credentials are looked at, even a good key.
  for (const res of [
    await app.call('GET', '/api/partner/numbers', { key: 'sk_partner_guess3' }),
    await app.call('GET', '/api/partner/numbers', { key: apiKey }),
    await app.call('GET', '/api/admin/partners', { key: operatorToken }),
  ]) {
    expectProblem(res, 429, 'rate_limited');
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.equal(budget(res)[1], '0');
  }
  // Public endpoints that need no credentials are not part of it.
  assert.equal((await app.call('GET', '/healthz')).status, 200);
  // The window ends: the good key works again, and the budget is whole.
  clock.advanceMinutes(1.1);
  assert.equal((await app.call('GET', '/api/partner/numbers', { key: apiKey })).status, 200);
  const fresh = await app.call('GET', '/api/partner/numbers', { key: 'sk_partner_guess4' });
  expectProblem(fresh, 401, 'unauthorized');
  assert.equal(budget(fresh)[1], String(LIMIT - 1));
  assert.equal(fresh.headers.get('www-authenticate'), 'Bearer');
});

test('successful requests never count against the budget', async () => {
  clock.advanceMinutes(1.1);
  const { apiKey } = await app.onboardPartner();
  for (let i = 0; i < LIMIT * 2; i++)
    assert.equal((await app.call('GET', '/api/partner/numbers', { key: apiKey })).status, 200);
  const res = await app.call('GET', '/api/partner/numbers', { key: 'sk_partner_nope' });
  assert.equal(budget(res)[1], String(LIMIT - 1));
});
