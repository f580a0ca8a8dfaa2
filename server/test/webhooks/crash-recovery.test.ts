import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { systemClock } from '../../src/clock.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { MasterKey } from '../../src/storage/master-key.ts';
import { OutboxRepository } from '../../src/webhooks/outbox-repository.ts';
import { type ChildAppliance, startChildAppliance } from '../support/child-appliance.ts';
import { startTestAppliance, tempDataDir, testDatabase } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const children: ChildAppliance[] = [];
let receiver: Receiver | undefined;
let dataDir: string | undefined;

after(async () => {
  for (const child of children) await child.kill('SIGKILL');
  await receiver?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The real appliance as a child process (`node --import tsx server/src/main.ts`) on `dir`. */
async function startChild(dir: string): Promise<ChildAppliance> {
  const { databaseUrl } = await testDatabase(dir);
  const child = await startChildAppliance({
    FAXSEAL_DATA_DIR: dir,
    ...(databaseUrl ? { FAXSEAL_DATABASE_URL: databaseUrl } : {}),
    FAXSEAL_URL_ALLOWLIST: '127.0.0.1',
    FAXSEAL_WEBHOOK_RETRY_SCHEDULE: '1,1,1',
    FAXSEAL_RATE_LIMIT_PER_MINUTE: '100000',
  });
  children.push(child);
  return child;
}

async function post(base: string, path: string, key: string) {
  const res = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  assert.equal(res.status, 202);
  return (await res.json()) as { id: string; eventId: string };
}

test('SIGKILL between attempts and mid-attempt loses nothing: every event arrives after restart with its id', async () => {
  let restarted = false;
  let requests = 0;
  const r = await startReceiver((w) => {
    requests++;
    if (restarted) return { status: 200 };
    // Before the kill: the very first request hangs (the kill lands mid-attempt), the others fail.
    return requests === 1
      ? { status: 200, delayMs: 60_000 }
      : { status: w.attemptForEvent === 1 ? 500 : 200 };
  });
  receiver = r;

  // Onboard in-process, then hand the data directory to the real process.
  dataDir = tempDataDir('faxseal-crash');
  const setup = await startTestAppliance({ urlAllowlist: ['127.0.0.1'] }, { dataDir });
  const { apiKey, partnerId } = await setup.onboardPartner();
  await setup.call('PATCH', '/api/partner/settings', { key: apiKey, body: { webhookUrl: r.url } });
  await setup.shutdown({ keepData: true });

  const first = await startChild(dataDir);
  const events: { id: string; eventId: string }[] = [];
  for (let i = 0; i < 5; i++) events.push(await post(first.url, '/api/partner/webhooks/test', apiKey));
  const eventIds = events.map((e) => e.eventId);
  await r.waitFor((got) => eventIds.every((id) => got.some((w) => w.headers['webhook-id'] === id)));

  await first.kill('SIGKILL');
  restarted = true;

  const db = openDatabase({ dataDir, ...(await testDatabase(dataDir)) }, { migrate: false });
  const states = new OutboxRepository(db, systemClock, MasterKey.load(dataDir, null)).list(partnerId, {
    limit: 200,
  });
  db.close();
  assert.ok(
    states.some((s) => s.status === 'delivering'),
    'one delivery was in flight when the process died',
  );
  assert.ok(states.every((s) => s.status !== 'failed'));

  const before = r.received.length;
  const second = await startChild(dataDir);
  await r.waitFor((got) =>
    eventIds.every((id) => got.slice(before).some((w) => w.headers['webhook-id'] === id)),
  );

  // The receiver has them; wait for the appliance to have recorded every delivery as succeeded.
  let items: { id: string; eventId: string; status: string }[] = [];
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    const res = await fetch(`${second.url}/api/partner/webhooks/deliveries?limit=200`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    items = ((await res.json()) as { items: typeof items }).items;
    if (items.every((d) => d.status === 'succeeded')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const event of events) {
    const delivery = items.find((d) => d.id === event.id);
    assert.equal(delivery?.eventId, event.eventId);
    assert.equal(delivery?.status, 'succeeded');
  }
  // Every request carried one of our event ids, and each event's body is byte-identical across attempts.
  for (const id of eventIds) {
    const bodies = new Set<string>(
      r.received.filter((w) => w.headers['webhook-id'] === id).map((w) => w.body),
    );
    assert.equal(bodies.size, 1);
  }
  await second.kill('SIGTERM');
});
