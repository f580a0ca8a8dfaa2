// The endpoints the console added, through a real appliance: who am I and what may I do, webhook
// health that says "failing" while deliveries fail, a delivery's request body (fax content withheld
// from a role without inbox:read), daily activity, page images as PNG, trying a draft schema on a
// received fax, the DID search with owners, partner detail and queues; and a fax sent over SIP to the
// simulator, watched on the live-calls event stream, with its timeline and transmission report.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FaxSimulator } from '../../src/simulator/fax-simulator.ts';
import { makePdf, type SendingPartner, sendingPartner, sendMultipart } from '../outbound/support.ts';
import { commitInboundFax, documentPages } from '../pipeline/inbound-fax.ts';
import { addMember, type Owner, onboardOwner, PASSWORD, signIn } from '../support/people.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

let app: TestAppliance;
let receiver: Receiver;
let owner: Owner;
let answer = 500;
let faxId: string;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'faxseal-console-endpoints-'));

before(async () => {
  receiver = await startReceiver(() => ({ status: answer }));
  app = await startTestAppliance({
    urlAllowlist: ['127.0.0.0/8'],
    authRateLimitPerMinute: 10_000,
    rateLimitPerMinute: 100_000,
    trunkKeepaliveSeconds: 0,
    // One quick retry, then the delivery has failed for good.
    webhookRetrySchedule: [0.2],
  });
  owner = await onboardOwner(app, 'Console Health');
  await addMember(app, owner, 'dev@console.test', 'developer');
});
after(async () => {
  await app.shutdown();
  await receiver.close();
  rmSync(scratch, { recursive: true, force: true });
});

const asOwner = (method: string, url: string, body?: unknown) =>
  app.call(method, url, { key: owner.apiKey, body });
const admin = (method: string, url: string, body?: unknown) =>
  app.call(method, url, { key: app.firstRunOperator!.token, body });

/** PNG width and height from the IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.deepEqual(
    [...bytes.subarray(0, 8)],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    'PNG signature',
  );
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

async function until<T>(
  probe: () => Promise<T | null | undefined | false>,
  what: string,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('partner side', () => {
  test('GET /api/partner/me names the caller, its role and exactly its permissions', async () => {
    const byKey = await asOwner('GET', '/api/partner/me');
    assert.equal(byKey.status, 200);
    assert.equal(byKey.body.partner.companyName, 'Console Health');
    assert.equal(byKey.body.principal.type, 'api_key');
    assert.equal(byKey.body.principal.role, null);
    assert.ok(byKey.body.permissions.includes('team:transfer'));
    const dev = await signIn(app, { email: 'dev@console.test', password: PASSWORD });
    const me = await dev.call('GET', '/api/partner/me');
    assert.equal(me.body.principal.type, 'account');
    assert.equal(me.body.principal.name, 'dev@console.test');
    assert.equal(me.body.principal.role, 'developer');
    assert.deepEqual([...me.body.permissions].sort(), [
      'credits:balance',
      'developers:manage',
      'fax:send',
      'numbers:manage',
      'numbers:read',
      'usage:read',
    ]);
  });

  test('webhook health: not configured, then failing while deliveries fail, then healthy', async () => {
    assert.equal((await asOwner('GET', '/api/partner/webhooks/health')).body.state, 'not_configured');
    const saved = await asOwner('PATCH', '/api/partner/settings', {
      webhookUrl: receiver.url,
      extractionSchema: {
        allergies: { type: 'string' },
        medications: { type: 'array', items: { type: 'string' } },
      },
    });
    assert.equal(saved.status, 200, saved.text);
    assert.equal((await asOwner('GET', '/api/partner/webhooks/health')).body.state, 'no_deliveries_yet');
    assert.equal((await asOwner('POST', '/api/partner/webhooks/test')).status, 202);
    const failing = await until(async () => {
      const h = (await asOwner('GET', '/api/partner/webhooks/health')).body;
      return h.state === 'failing' && h;
    }, 'a failing delivery');
    assert.equal(failing.lastSuccessAt, null);
    let seen = '';
    const failed = await until(async () => {
      const items = (await asOwner('GET', '/api/partner/webhooks/deliveries')).body.items;
      seen = JSON.stringify(items);
      return items.find((d: { status: string }) => d.status === 'failed');
    }, 'the delivery to fail for good').catch((error) => {
      throw new Error(`${error.message}: ${seen}`);
    });
    answer = 200;
    assert.equal((await asOwner('POST', `/api/partner/webhooks/deliveries/${failed.id}/replay`)).status, 202);
    const healthy = await until(
      async () => {
        const h = (await asOwner('GET', '/api/partner/webhooks/health')).body;
        return h.state === 'healthy' && h;
      },
      'a successful delivery',
      90_000,
    );
    assert.ok(healthy.lastSuccessAt);
  });

  test('a received fax: daily activity, page images, the request its webhook carried, a schema trial', {
    timeout: 240_000,
  }, async () => {
    const number = await asOwner('POST', '/api/partner/numbers', {
      externalUserId: 'dr-park',
      tier: 'personal',
    });
    assert.equal(number.status, 201, number.text);
    const record = app.services.numbers.activeFor(owner.partnerId, 'dr-park')!;
    faxId = await commitInboundFax(app.services, record, await documentPages(1));
    await until(
      async () => (await asOwner('GET', `/api/partner/faxes/${faxId}`)).body.ocrStatus === 'done',
      'OCR',
      180_000,
    );

    const daily = (await asOwner('GET', '/api/partner/usage/daily')).body.days;
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(daily.at(-1).day, today, 'oldest first, ending today');
    assert.equal(daily.at(-1).inboundFaxes, 1);
    assert.equal(daily.at(-1).inboundPages, 1);
    assert.ok(
      daily.slice(0, -1).every((d: { inboundFaxes: number }) => d.inboundFaxes === 0),
      'zeros included',
    );

    const image = await fetch(`${app.httpUrl}/api/partner/faxes/${faxId}/pages/1/image?width=400`, {
      headers: { authorization: `Bearer ${owner.apiKey}` },
    });
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    const size = pngSize(Buffer.from(await image.arrayBuffer()));
    assert.equal(size.width, 400);
    // A letter page with square pixels: about 11/8.5 as tall as it is wide.
    assert.ok(Math.abs(size.height / size.width - 11 / 8.5) < 0.08, `aspect ${size.height / size.width}`);
    assert.equal((await asOwner('GET', `/api/partner/faxes/${faxId}/pages/2/image`)).status, 404);

    const received = await until(
      async () => {
        const items = (await asOwner('GET', '/api/partner/webhooks/deliveries')).body.items;
        return items.find((d: { event: string }) => d.event === 'fax.received');
      },
      'the fax.received delivery',
      60_000,
    );
    const full = await asOwner('GET', `/api/partner/webhooks/deliveries/${received.id}/request`);
    assert.equal(full.status, 200);
    assert.equal(full.body.contentWithheld, false);
    assert.match(full.body.body.ocrText, /Gonzalez/);
    // A developer manages the webhook but may not read inbound fax content.
    const dev = await signIn(app, { email: 'dev@console.test', password: PASSWORD });
    const withheld = await dev.call('GET', `/api/partner/webhooks/deliveries/${received.id}/request`);
    assert.equal(withheld.body.contentWithheld, true);
    assert.equal(withheld.body.body.ocrText, undefined);
    assert.equal(withheld.body.body.faxId, faxId);

    const trial = await asOwner('POST', '/api/partner/extraction/trial', {
      faxId,
      extractionSchema: { allergies: { type: 'string' } },
    });
    assert.equal(trial.status, 200, trial.text);
    assert.match(String(trial.body.extractedData.allergies), /penicillin/i);
    assert.equal(trial.body.evidence.allergies.page, 1);
    const bad = await asOwner('POST', '/api/partner/extraction/trial', {
      faxId,
      extractionSchema: { allergies: { type: 'date' } },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_schema');
  });
});

describe('operator side', () => {
  test('GET /api/admin/me, queues, partner detail and the DID search with owners', async () => {
    const me = (await admin('GET', '/api/admin/me')).body;
    assert.equal(me.operator.role, 'superadmin');
    assert.deepEqual([...me.permissions].sort(), [
      'admin:read',
      'admin:write',
      'audit:read',
      'operators:manage',
    ]);

    const queues = await admin('GET', '/api/admin/queues');
    assert.equal(queues.status, 200);
    // The received fax above went through OCR: its job is counted, and the pool has started.
    assert.ok(
      queues.body.jobs.some((j: { done: number }) => j.done >= 1),
      queues.text,
    );
    assert.ok(queues.body.pools.ocr.maxThreads >= 1);
    assert.equal(typeof queues.body.webhooks.unfinished, 'number');

    const detail = await admin('GET', `/api/admin/partners/${owner.partnerId}`);
    assert.equal(detail.status, 200, detail.text);
    assert.equal(detail.body.partner.companyName, 'Console Health');
    assert.ok(detail.body.keys.length >= 1);
    assert.equal((await admin('GET', '/api/admin/partners/prt_nope')).status, 404);

    const record = app.services.numbers.activeFor(owner.partnerId, 'dr-park')!;
    const digits = record.number.slice(2);
    const found = (await admin('GET', `/api/admin/dids?q=${digits}`)).body.items;
    assert.equal(found.length, 1);
    assert.equal(found[0].number, record.number);
    assert.deepEqual(found[0].owner, {
      partnerId: owner.partnerId,
      companyName: 'Console Health',
      externalUserId: 'dr-park',
    });
  });

  test('a fax sent over SIP shows on the live-calls stream, then has a timeline and a transmission report', {
    timeout: 300_000,
  }, async () => {
    const partner: SendingPartner = await sendingPartner(app, 5);
    const simulator = await FaxSimulator.start({ address: '127.0.0.1' });
    try {
      simulator.receive({ mode: 'fax' });
      const trunk = await admin('POST', '/api/admin/trunks', {
        name: 'sim',
        mode: 'peer',
        host: '127.0.0.1',
        port: simulator.sipPort,
        allowedIps: ['127.0.0.1'],
      });
      assert.equal(trunk.status, 201, trunk.text);
      app.services.db
        .prepare('UPDATE dids SET trunk_id = ? WHERE e164 = ?')
        .run(trunk.body.id, partner.number);

      // Follow the stream from before the call starts.
      const abort = new AbortController();
      const stream = await fetch(`${app.httpUrl}/api/admin/calls/stream`, {
        headers: { authorization: `Bearer ${app.firstRunOperator!.token}` },
        signal: abort.signal,
      });
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
      const events: { event: string; data: any }[] = [];
      const reading = (async () => {
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of stream.body!) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.+)$/m.exec(block)?.[1];
            const data = /^data: (.+)$/m.exec(block)?.[1];
            if (event && data) events.push({ event, data: JSON.parse(data) });
            end = buffer.indexOf('\n\n');
          }
        }
      })().catch(() => undefined);

      const sent = await sendMultipart(
        app,
        partner.apiKey,
        { externalUserId: partner.externalUserId, to: '+12125550123' },
        await makePdf(2),
      );
      assert.equal(sent.status, 202, sent.text);
      const id = sent.body.id;
      const done = await until(
        async () => {
          const fax = (await app.call('GET', `/api/partner/fax/${id}`, { key: partner.apiKey })).body;
          return (fax.status === 'delivered' || fax.status === 'failed') && fax;
        },
        'the fax to finish',
        240_000,
      );
      assert.equal(done.status, 'delivered');
      const ended = await until(
        async () =>
          events.find((e) => e.event === 'call' && e.data.direction === 'outbound' && e.data.endedAt),
        'the call to end on the stream',
      );
      abort.abort();
      await reading;
      assert.equal(events[0].event, 'snapshot');
      assert.equal(ended.data.phase, 'ended');
      assert.equal(ended.data.transport, 't38');
      assert.equal(ended.data.pages, 2);
      assert.ok(
        events.some((e) => e.event === 'call' && e.data.phase !== ended.data.phase),
        'phases as they change',
      );

      const timeline = (await app.call('GET', `/api/partner/fax/${id}/timeline`, { key: partner.apiKey }))
        .body;
      assert.deepEqual(
        timeline.entries.map((e: { step: string }) => e.step),
        ['queued', 'sending', 'delivered'],
      );
      assert.equal(timeline.entries.at(-1).pagesDelivered, 2);
      assert.equal(timeline.failure, null);

      const report = await fetch(`${app.httpUrl}/api/partner/fax/${id}/report`, {
        headers: { authorization: `Bearer ${partner.apiKey}` },
      });
      assert.equal(report.status, 200);
      assert.equal(report.headers.get('content-type'), 'application/pdf');
      const file = path.join(scratch, 'report.pdf');
      writeFileSync(file, Buffer.from(await report.arrayBuffer()));
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      assert.match(text, /212.?555.?0123/);
      assert.match(text, /\+15555550199/, 'the remote station id (the simulator’s CSI)');
      assert.match(text, /2 of 2 confirmed/);

      const thumb = await fetch(`${app.httpUrl}/api/partner/fax/${id}/pages/1/image?width=200`, {
        headers: { authorization: `Bearer ${partner.apiKey}` },
      });
      assert.equal(thumb.status, 200);
      assert.equal(pngSize(Buffer.from(await thumb.arrayBuffer())).width, 200);
      // Another partner's fax is not there for this one.
      assert.equal((await asOwner('GET', `/api/partner/fax/${id}/timeline`)).status, 404);
    } finally {
      await simulator.stop();
    }
  });
});
