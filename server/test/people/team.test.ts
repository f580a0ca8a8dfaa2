// Partner teams: invites accepted by a new and by an existing account (one person, two partners),
// role changes, admins cannot touch owners, the last owner stays, ownership transfer, leaving, and
// a member of partner A on partner B's resources gets 404 (or 403 not_a_member for B itself).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addMember, type Owner, onboardOwner, PASSWORD, signIn, tokenFromEmail } from '../support/people.ts';
import { expectProblem, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

let app: TestAppliance;
let a: Owner;
let b: Owner;

before(async () => {
  app = await startTestAppliance({ authRateLimitPerMinute: 10_000 });
  a = await onboardOwner(app, 'Alpha Health');
  b = await onboardOwner(app, 'Beta Legal');
});
after(() => app.shutdown());

const accountId = (email: string) => app.services.accounts.byEmail(email)!.id;

test('an invite creates the account of a new person; a second invite joins the same account to another partner', async () => {
  const email = 'dana@people.test';
  const invited = await app.call('POST', '/api/partner/team/invites', {
    key: a.apiKey,
    body: { email, role: 'developer' },
  });
  assert.equal(invited.status, 201);
  assert.equal(invited.body.status, 'pending');
  const mail = app.services.emails.sentTo(email)[0];
  assert.match(mail.text, /\/partner\/invite\?token=/);
  const token = tokenFromEmail(app, email, 'team_invite');
  expectProblem(
    await app.call('POST', '/api/auth/invites/accept', { body: { token } }),
    400,
    'validation_failed',
  );
  expectProblem(
    await app.call('POST', '/api/auth/invites/accept', { body: { token, password: 'short' } }),
    400,
    'weak_password',
  );
  const accepted = await app.call('POST', '/api/auth/invites/accept', {
    body: { token, password: PASSWORD },
  });
  assert.equal(accepted.status, 200);
  assert.equal(accepted.body.accountCreated, true);
  expectProblem(
    await app.call('POST', '/api/auth/invites/accept', { body: { token, password: PASSWORD } }),
    410,
    'invite_accepted',
  );

  await app.call('POST', '/api/partner/team/invites', { key: b.apiKey, body: { email, role: 'billing' } });
  const second = await app.call('POST', '/api/auth/invites/accept', {
    body: { token: tokenFromEmail(app, email, 'team_invite') },
  });
  assert.equal(second.status, 200);
  assert.equal(second.body.accountCreated, false, 'the existing account joined');
  const dana = await signIn(app, { email, password: PASSWORD });
  assert.deepEqual(
    dana.signedIn.memberships.map((m: { companyName: string; role: string }) => [m.companyName, m.role]),
    [
      ['Alpha Health', 'developer'],
      ['Beta Legal', 'billing'],
    ],
  );
  // Two partners: the person names one per request.
  expectProblem(await dana.call('GET', '/api/partner/numbers'), 400, 'partner_required');
  assert.equal((await dana.call('GET', '/api/partner/numbers', { partner: a.partnerId })).status, 200);
  // Developer at A, billing at B: the role is the one of the partner named.
  assert.equal((await dana.call('POST', '/api/partner/webhooks/test', { partner: a.partnerId })).status, 202);
  const asBilling = await dana.call('POST', '/api/partner/webhooks/test', { partner: b.partnerId });
  assert.equal(expectProblem(asBilling, 403, 'forbidden').permission, 'developers:manage');
  const invites = await app.call('GET', '/api/partner/team/invites', { key: a.apiKey });
  assert.equal(invites.body.items[0].status, 'accepted');
});

test('a member of A gets 404 for B’s resources and 403 not_a_member for B itself', async () => {
  await addMember(app, a, 'erin@people.test', 'admin');
  const erin = await signIn(app, { email: 'erin@people.test', password: PASSWORD });
  await app.call('POST', '/api/partner/numbers', {
    key: b.apiKey,
    body: { externalUserId: 'beta-user', tier: 'personal' },
  });
  const bKey = app.services.apiKeys.list(b.partnerId)[0];
  const bDelivery = (await app.call('POST', '/api/partner/webhooks/test', { key: b.apiKey })).body.id;
  for (const path of [
    '/api/partner/numbers/beta-user',
    `/api/partner/webhooks/deliveries/${bDelivery}`,
    '/api/partner/faxes/fax_00000000000000000000000000',
  ]) {
    assert.equal((await erin.call('GET', path)).status, 404, path);
  }
  assert.equal((await erin.call('DELETE', `/api/partner/keys/${bKey.id}`)).status, 404);
  assert.equal(app.services.apiKeys.list(b.partnerId)[0].revokedAt, null, "B's key still live");
  assert.equal(
    (await erin.call('PATCH', `/api/partner/team/${accountId(b.email)}`, { body: { role: 'billing' } }))
      .status,
    404,
  );
  expectProblem(
    await erin.call('GET', '/api/partner/numbers', { partner: b.partnerId }),
    403,
    'not_a_member',
  );
  expectProblem(
    await erin.call('GET', '/api/partner/numbers', { partner: 'ptr_00000000000000000000000000' }),
    403,
    'not_a_member',
  );
});

test('roles change; admins cannot touch owners; the last owner stays; ownership moves', async () => {
  await addMember(app, a, 'finn@people.test', 'developer');
  const erin = await signIn(app, { email: 'erin@people.test', password: PASSWORD }); // admin of A
  const finnId = accountId('finn@people.test');
  const changed = await erin.call('PATCH', `/api/partner/team/${finnId}`, { body: { role: 'billing' } });
  assert.equal(changed.body.role, 'billing');
  // An admin may neither change nor remove an owner, nor make one.
  const ownerId = accountId(a.email);
  assert.equal(
    expectProblem(
      await erin.call('PATCH', `/api/partner/team/${ownerId}`, { body: { role: 'admin' } }),
      403,
      'forbidden',
    ).permission,
    'team:transfer',
  );
  assert.equal(
    expectProblem(await erin.call('DELETE', `/api/partner/team/${ownerId}`), 403, 'forbidden').permission,
    'team:transfer',
  );
  assert.equal(
    expectProblem(
      await erin.call('PATCH', `/api/partner/team/${finnId}`, { body: { role: 'owner' } }),
      403,
      'forbidden',
    ).permission,
    'team:transfer',
  );
  assert.equal(
    expectProblem(
      await erin.call('POST', '/api/partner/team/invites', {
        body: { email: 'x@people.test', role: 'owner' },
      }),
      403,
      'forbidden',
    ).permission,
    'team:transfer',
  );
  // The last owner can neither be demoted nor leave.
  const ownerSession = await signIn(app, { email: a.email, password: PASSWORD });
  expectProblem(
    await ownerSession.call('PATCH', `/api/partner/team/${ownerId}`, { body: { role: 'admin' } }),
    409,
    'last_owner',
  );
  expectProblem(await ownerSession.call('DELETE', `/api/auth/memberships/${a.partnerId}`), 409, 'last_owner');
  // Transfer: Finn becomes owner, the owner who handed over becomes admin.
  const moved = await ownerSession.call('POST', '/api/partner/team/transfer-ownership', {
    body: { accountId: finnId },
  });
  assert.equal(moved.status, 200);
  const roles = Object.fromEntries(
    moved.body.items.map((m: { email: string; role: string }) => [m.email, m.role]),
  );
  assert.equal(roles['finn@people.test'], 'owner');
  assert.equal(roles[a.email], 'admin');
  // The former owner, now admin, is refused owner-only actions at once.
  expectProblem(
    await ownerSession.call('POST', '/api/partner/team/transfer-ownership', { body: { accountId: ownerId } }),
    403,
    'forbidden',
  );
  // An admin may leave; removing a member ends their access to the partner at once.
  assert.equal((await ownerSession.call('DELETE', `/api/auth/memberships/${a.partnerId}`)).status, 204);
  expectProblem(
    await ownerSession.call('GET', '/api/partner/numbers', { partner: a.partnerId }),
    403,
    'not_a_member',
  );
  const finn = await signIn(app, { email: 'finn@people.test', password: PASSWORD });
  assert.equal((await finn.call('DELETE', `/api/partner/team/${accountId('erin@people.test')}`)).status, 204);
  expectProblem(await erin.call('GET', '/api/partner/team'), 403, 'not_a_member');
  const actions = app.services.audit
    .list({ partnerId: a.partnerId, action: 'team.*', limit: 50 })
    .map((e) => e.action);
  for (const action of [
    'team.invited',
    'team.invite_accepted',
    'team.role_changed',
    'team.ownership_transferred',
    'team.member_left',
    'team.member_removed',
  ])
    assert.ok(actions.includes(action), `${action} audited`);
});

test('a narrowed key cannot mint a broader one, and a developer’s keys never exceed the developer role', async () => {
  const narrowed = await app.call('POST', '/api/partner/keys', {
    key: b.apiKey,
    body: { scopes: ['developers:manage'] },
  });
  assert.deepEqual(narrowed.body.scopes, ['developers:manage']);
  const escalate = await app.call('POST', '/api/partner/keys', {
    key: narrowed.body.apiKey,
    body: { scopes: ['inbox:read'] },
  });
  assert.equal(expectProblem(escalate, 403, 'forbidden').permission, 'inbox:read');
  const inherited = await app.call('POST', '/api/partner/keys', { key: narrowed.body.apiKey, body: {} });
  assert.deepEqual(inherited.body.scopes, ['developers:manage']);
  const full = await app.call('POST', '/api/partner/keys', { key: b.apiKey, body: {} });
  assert.equal(full.body.scopes, null, 'a full key creates full keys');
  await addMember(app, b, 'gus@people.test', 'developer');
  const gus = await signIn(app, { email: 'gus@people.test', password: PASSWORD });
  const devKey = await gus.call('POST', '/api/partner/keys', { body: {} });
  assert.ok(!devKey.body.scopes.includes('inbox:read'));
  assert.equal((await app.call('GET', '/api/partner/inbox', { key: devKey.body.apiKey })).status, 403);
});
