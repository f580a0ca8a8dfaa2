import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  expectProblem,
  ManualClock,
  startTestAppliance,
  type TestAppliance,
} from '../support/test-appliance.ts';

let app: TestAppliance;
const clock = new ManualClock();

before(async () => {
  // Bursts of 50+ calls per key below: lift the per-key limit for this file.
  app = await startTestAppliance({ rateLimitPerMinute: 10_000, didQuarantineDays: 30 }, { clock });
});
after(() => app.shutdown());

test('provisioning creates a number once; a repeat returns the same number with 200', async () => {
  const { apiKey: key } = await app.onboardPartner();
  const first = await app.call('POST', '/api/partner/numbers', {
    key,
    body: { externalUserId: 'u-1', tier: 'personal', areaCode: '312' },
  });
  assert.equal(first.status, 201);
  assert.match(first.body.number, /^\+1312555\d{4}$/);
  assert.equal(first.body.status, 'active');
  assert.equal(first.body.inboundPagesPerMonth, 200);
  const again = await app.call('POST', '/api/partner/numbers', {
    key,
    body: { externalUserId: 'u-1', tier: 'personal' },
  });
  assert.equal(again.status, 200);
  assert.equal(again.body.id, first.body.id);
  const got = await app.call('GET', '/api/partner/numbers/u-1', { key });
  assert.equal(got.body.number, first.body.number);
});

test('two partners using the same externalUserId never see each other', async () => {
  const a = await app.onboardPartner('Partner A');
  const b = await app.onboardPartner('Partner B');
  const na = await app.call('POST', '/api/partner/numbers', {
    key: a.apiKey,
    body: { externalUserId: 'shared-id', tier: 'business' },
  });
  // B has no number for that id yet, even though A does.
  expectProblem(
    await app.call('GET', '/api/partner/numbers/shared-id', { key: b.apiKey }),
    404,
    'number_not_found',
  );
  const nb = await app.call('POST', '/api/partner/numbers', {
    key: b.apiKey,
    body: { externalUserId: 'shared-id', tier: 'personal' },
  });
  assert.equal(nb.status, 201);
  assert.notEqual(na.body.number, nb.body.number);
  const listA = await app.call('GET', '/api/partner/numbers', { key: a.apiKey });
  const listB = await app.call('GET', '/api/partner/numbers', { key: b.apiKey });
  assert.deepEqual(
    listA.body.items.map((n: { id: string }) => n.id),
    [na.body.id],
  );
  assert.deepEqual(
    listB.body.items.map((n: { id: string }) => n.id),
    [nb.body.id],
  );
  // B cannot release A's number.
  await app.call('DELETE', '/api/partner/numbers/shared-id', { key: b.apiKey });
  assert.equal(
    (await app.call('GET', '/api/partner/numbers/shared-id', { key: a.apiKey })).body.status,
    'active',
  );
});

test('50 concurrent provisioning calls get 50 distinct DIDs', async () => {
  const { apiKey: key } = await app.onboardPartner();
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      app.call('POST', '/api/partner/numbers', {
        key,
        body: { externalUserId: `burst-${i}`, tier: 'personal' },
      }),
    ),
  );
  assert.deepEqual(new Set(results.map((r) => r.status)), new Set([201]));
  assert.equal(new Set(results.map((r) => r.body.number)).size, 50);
  const dupes = app.services.db
    .prepare(
      "SELECT did_id, COUNT(*) AS n FROM numbers WHERE status = 'active' GROUP BY did_id HAVING COUNT(*) > 1",
    )
    .all();
  assert.deepEqual(dupes, []);
});

test('an area code without stock gives 409 no_numbers_available naming the area codes that have stock', async () => {
  const { apiKey: key } = await app.onboardPartner();
  const res = await app.call('POST', '/api/partner/numbers', {
    key,
    body: { externalUserId: 'x', tier: 'personal', areaCode: '907' },
  });
  const problem = expectProblem(res, 409, 'no_numbers_available');
  assert.ok(problem.availableAreaCodes.includes('212'));
  assert.ok(!problem.availableAreaCodes.includes('907'));
  assert.match(problem.detail, /907/);
});

test('release quarantines the DID; it is reused only after the quarantine', async () => {
  const { apiKey: key } = await app.onboardPartner();
  // Drain area 737 but one DID, so reuse is observable.
  const free = app.services.dids.stock().find((s) => s.areaCode === '737')!.available;
  // 737 is the highest demo area code: its available DIDs come first after +1737, in number order.
  for (const did of app.services.dids.list('available', free - 1, '+1737')) app.services.dids.disable(did.id);
  const held = await app.call('POST', '/api/partner/numbers', {
    key,
    body: { externalUserId: 'leaver', tier: 'personal', areaCode: '737' },
  });
  assert.equal(held.status, 201);
  const released = await app.call('DELETE', '/api/partner/numbers/leaver', { key });
  assert.equal(released.status, 200);
  assert.equal(released.body.status, 'released');
  assert.ok(released.body.releasedAt);
  expectProblem(await app.call('GET', '/api/partner/numbers/leaver', { key }), 404, 'number_not_found');
  expectProblem(
    await app.call('POST', '/api/partner/numbers', {
      key,
      body: { externalUserId: 'newcomer', tier: 'personal', areaCode: '737' },
    }),
    409,
    'no_numbers_available',
  );
  clock.advanceDays(31);
  const reused = await app.call('POST', '/api/partner/numbers', {
    key,
    body: { externalUserId: 'newcomer', tier: 'personal', areaCode: '737' },
  });
  assert.equal(reused.status, 201);
  assert.equal(reused.body.number, held.body.number);
  // The released number stays in the history (billing needs it).
  const history = await app.call('GET', '/api/partner/numbers?status=released', { key });
  assert.deepEqual(
    history.body.items.map((n: { externalUserId: string }) => n.externalUserId),
    ['leaver'],
  );
});

test('lists paginate newest first with an opaque cursor', async () => {
  const { apiKey: key } = await app.onboardPartner();
  for (let i = 0; i < 5; i++) {
    await app.call('POST', '/api/partner/numbers', {
      key,
      body: { externalUserId: `p-${i}`, tier: 'personal' },
    });
  }
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await app.call('GET', `/api/partner/numbers?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
      key,
    });
    assert.equal(res.status, 200);
    assert.ok(res.body.items.length <= 2);
    seen.push(...res.body.items.map((n: { externalUserId: string }) => n.externalUserId));
    cursor = res.body.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, ['p-4', 'p-3', 'p-2', 'p-1', 'p-0']);
  expectProblem(
    await app.call('GET', '/api/partner/numbers?cursor=bogus', { key }),
    400,
    'validation_failed',
  );
});
