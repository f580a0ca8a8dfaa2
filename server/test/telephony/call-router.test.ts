import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CallRouter } from '../../src/telephony/call-router.ts';
import {
  ALLOW_LISTS_TTL_MS,
  LAB_TRUNK,
  TrunkRepository,
} from '../../src/telephony/trunks/trunk-repository.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

let app: TestAppliance;
let trunks: TrunkRepository;
let router: CallRouter;
let key: string;

before(async () => {
  app = await startTestAppliance();
  trunks = app.services.trunks;
  router = app.services.callRouter;
  key = (await app.onboardPartner()).apiKey;
});
after(() => app.shutdown());

test('the lab trunk is created on first start, once, and matches loopback sources only', () => {
  const lab = trunks.list().find((t) => t.name === 'lab')!;
  assert.equal(trunks.seedLabTrunk(), null, 'seeded once');
  assert.deepEqual(lab.allowedIps, LAB_TRUNK.allowedIps);
  assert.equal(trunks.matchSource('127.0.0.1')?.id, lab.id);
  assert.equal(trunks.matchSource('127.8.9.10')?.id, lab.id);
  assert.equal(trunks.matchSource('::1')?.id, lab.id);
  assert.equal(trunks.matchSource('192.0.2.10'), null);
  assert.equal(trunks.matchSource('not-an-ip'), null);
});

test('a carrier trunk matches its CIDRs and keeps its password sealed', () => {
  const carrier = trunks.create({
    name: 'carrier',
    mode: 'register',
    host: 'sip.carrier.test',
    port: 5060,
    transport: 'udp',
    username: 'acct1',
    password: 's3cret',
    allowedIps: ['198.51.100.0/24', '2001:db8::/32'],
    outbound: true,
    codecs: ['pcmu'],
    t38: true,
  });
  assert.equal(carrier.hasPassword, true);
  assert.equal(trunks.password(carrier.id), 's3cret');
  const raw = JSON.stringify(app.services.db.prepare('SELECT * FROM trunks WHERE id = ?').get(carrier.id));
  assert.ok(!raw.includes('s3cret'));
  assert.equal(trunks.matchSource('198.51.100.77')?.id, carrier.id);
  assert.equal(trunks.matchSource('2001:db8::5')?.id, carrier.id);
});

test('source matching follows our own trunk writes at once and another writer within the cache TTL', async () => {
  const peer = trunks.create({
    name: 'peer-carrier',
    mode: 'peer',
    host: '203.0.113.5',
    port: 5060,
    transport: 'udp',
    username: null,
    allowedIps: ['203.0.113.0/28'],
    outbound: false,
    codecs: ['pcmu'],
    t38: false,
  });
  assert.equal(trunks.matchSource('203.0.113.9')?.id, peer.id);
  trunks.update(peer.id, { allowedIps: ['203.0.113.16/28'] });
  assert.equal(trunks.matchSource('203.0.113.9'), null, 'the narrowed list applies to the next request');
  assert.equal(trunks.matchSource('203.0.113.20')?.id, peer.id);
  // Another writer on the same database (the CLI, another node): seen once the cached lists expire.
  const elsewhere = new TrunkRepository(app.services.db, app.services.clock, app.services.masterKey);
  elsewhere.update(peer.id, { allowedIps: ['203.0.113.32/28'] });
  await new Promise((r) => setTimeout(r, ALLOW_LISTS_TTL_MS + 50));
  assert.equal(trunks.matchSource('203.0.113.20'), null);
  assert.equal(trunks.matchSource('203.0.113.40')?.id, peer.id);
  assert.equal(trunks.delete(peer.id), 'deleted');
  assert.equal(trunks.matchSource('203.0.113.40'), null, 'a deleted trunk matches nothing');
});

test('calls route DID → number → partner; unknown DID 404, forbidden source 403, released number 404', async () => {
  const provisioned = await app.call('POST', '/api/partner/numbers', {
    key,
    body: { externalUserId: 'clinic-7', tier: 'business' },
  });
  const e164: string = provisioned.body.number;
  const accepted = router.route({
    calledUser: e164.slice(1),
    callingUser: '+1 (617) 555-0199',
    sourceIp: '127.0.0.1',
  });
  assert.equal(accepted.kind, 'accept');
  if (accepted.kind === 'accept') {
    assert.equal(accepted.number.externalUserId, 'clinic-7');
    assert.equal(accepted.to, e164);
    assert.equal(accepted.from, '+16175550199');
    assert.equal(accepted.trunk.name, 'lab');
  }
  const forbidden = router.route({ calledUser: e164, callingUser: null, sourceIp: '203.0.113.9' });
  assert.deepEqual([forbidden.kind, forbidden.kind === 'reject' && forbidden.status], ['reject', 403]);
  const unknown = router.route({ calledUser: '+19075550100', callingUser: null, sourceIp: '127.0.0.1' });
  assert.deepEqual([unknown.kind, unknown.kind === 'reject' && unknown.status], ['reject', 404]);
  const garbage = router.route({ calledUser: 'fax-machine', callingUser: null, sourceIp: '127.0.0.1' });
  assert.deepEqual([garbage.kind, garbage.kind === 'reject' && garbage.status], ['reject', 484]);
  await app.call('DELETE', '/api/partner/numbers/clinic-7', { key });
  const released = router.route({ calledUser: e164, callingUser: null, sourceIp: '127.0.0.1' });
  assert.deepEqual([released.kind, released.kind === 'reject' && released.status], ['reject', 404]);
});
