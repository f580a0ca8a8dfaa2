// Outbound fax end to end on 127.0.0.1 with real sockets: the partner API (validation problems,
// idempotency, cover page), the dialer calling the fax simulator's receiving side over SIP + T.38 in
// real time (pixel-identical pages, fax.delivered at the callbackUrl), busy retried per policy, no answer,
// a voice line (not_a_fax_machine), a hang-up after page 1 of 3 resent from page 2, trunk CRUD, and digest
// registration against sipp. The dialing tests run side by side, each against a simulator of its own.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { T30CompletionCode } from '../../../native-workers/spandsp/codes.ts';
import { freePort } from '../../../scripts/free-port.ts';
import { diffPixels } from '../../src/documents/bitmap.ts';
import { decodeFaxTiff, rasterisePdf } from '../../src/documents/fax-raster.ts';
import { renderCoverPage } from '../../src/outbound/cover-page.ts';
import type { FaxReceiver, ReceivedCall, ReceiveOptions } from '../../src/simulator/fax-receiver.ts';
import { FaxSimulator } from '../../src/simulator/fax-simulator.ts';
import { expectProblem, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';
import { runSipp } from '../telephony/support.ts';
import { startReceiver } from '../webhooks/receiver.ts';
import {
  adminToken,
  makeCorruptPdf,
  makeEncryptedPdf,
  makePdf,
  type SendingPartner,
  sendingPartner,
  sendMultipart,
  waitFor,
} from './support.ts';

let app: TestAppliance;
let simulatorPorts = 32000;
/** Every simulator started, stopped at the end whatever happened (each holds sockets and a worker thread). */
const simulators: FaxSimulator[] = [];
/** The ring timeout (seconds) the dialer gives a far end that never answers. */
const RING_TIMEOUT_SECONDS = 3;

before(async () => {
  app = await startTestAppliance({
    urlAllowlist: ['127.0.0.0/8'],
    rateLimitPerMinute: 100_000, // the tests poll their faxes (60/min would stall a poll for the rest of the minute)
    mediaPorts: { first: 31400, last: 31599 },
    outboundBusyRetrySchedule: [0.3, 0.3],
    outboundErrorRetrySchedule: [0.3],
    // One retry, late enough for the cancel test to catch the fax waiting for it.
    outboundNoAnswerRetrySchedule: [15],
    outboundRingTimeoutSeconds: RING_TIMEOUT_SECONDS,
    trunkKeepaliveSeconds: 0,
    faxMaxMegabytes: 1,
  });
});
after(async () => {
  await app.shutdown();
  await Promise.all(simulators.map((s) => s.stop()));
});

async function startSimulator(): Promise<FaxSimulator> {
  const simulator = await FaxSimulator.start({
    address: '127.0.0.1',
    mediaPorts: { first: simulatorPorts, last: simulatorPorts + 49 },
  });
  simulatorPorts += 50;
  simulators.push(simulator);
  return simulator;
}

/**
 * A fax simulator of its own receiving as `options` say, and a trunk to it used by this partner's number
 * (tests run side by side).
 */
async function farEnd(partner: SendingPartner, options: ReceiveOptions): Promise<FaxReceiver> {
  const simulator = await startSimulator();
  const receiver = simulator.receive(options);
  const trunk = await app.call('POST', '/api/admin/trunks', {
    key: adminToken(app),
    body: {
      name: `sim-${simulator.sipPort}`,
      mode: 'peer',
      host: '127.0.0.1',
      port: simulator.sipPort,
      allowedIps: ['127.0.0.1'],
    },
  });
  assert.equal(trunk.status, 201, trunk.text);
  app.services.db.prepare('UPDATE dids SET trunk_id = ? WHERE e164 = ?').run(trunk.body.id, partner.number);
  return receiver;
}

/** Call by call: [SIP final status we answered, what the INVITE offered]. */
const sipTrail = (calls: ReceivedCall[]) => calls.map((c) => [c.sipStatus, c.offer]);

const faxOf = async (partner: SendingPartner, id: string) =>
  (await app.call('GET', `/api/partner/fax/${id}`, { key: partner.apiKey })).body;

async function waitFinished(partner: SendingPartner, id: string, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fax = await faxOf(partner, id);
    if (fax.status === 'delivered' || fax.status === 'failed') return fax;
    if (Date.now() > deadline) throw new Error(`fax ${id} still ${fax.status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The pages the appliance rendered for a fax (what it sent), decoded from its stored TIFF. */
async function renderedPages(faxId: string) {
  const fax = app.services.faxes.outbound(faxId)!;
  return decodeFaxTiff(app.services.blobs.get(fax.tiffBlob!));
}

function assertPixelIdentical(
  received: Awaited<ReturnType<typeof decodeFaxTiff>>,
  sent: Awaited<ReturnType<typeof decodeFaxTiff>>,
) {
  assert.equal(received.length, sent.length);
  received.forEach((page, i) => {
    assert.equal(page.bitmap.width, sent[i].bitmap.width);
    assert.equal(page.bitmap.height, sent[i].bitmap.height);
    assert.equal(diffPixels(page.bitmap, sent[i].bitmap), 0, `page ${i + 1} differs`);
  });
}

describe('POST /api/partner/fax: problems', () => {
  let partner: SendingPartner;
  before(async () => {
    partner = await sendingPartner(app, 3);
  });
  const send = (fields: Record<string, string>, pdf: Buffer | null) =>
    sendMultipart(
      app,
      partner.apiKey,
      { externalUserId: partner.externalUserId, to: '+12125550123', ...fields },
      pdf,
    );

  test('not a PDF, encrypted, damaged, too large, too many pages', async () => {
    expectProblem(await send({}, Buffer.from('GIF89a this is not a pdf')), 415, 'not_a_pdf');
    expectProblem(await send({}, await makeEncryptedPdf()), 422, 'pdf_encrypted');
    expectProblem(await send({}, await makeCorruptPdf()), 422, 'pdf_corrupt');
    const big = Buffer.concat([await makePdf(1), Buffer.alloc(1024 * 1024 + 10, 0x20)]);
    expectProblem(await send({}, big), 413, 'document_too_large');
    expectProblem(await send({}, await makePdf(201)), 413, 'too_many_pages');
    expectProblem(await send({}, null), 400, 'validation_failed');
    assert.equal(app.services.credits.balance(partner.partnerId), 3);
  });

  test('bad numbers, a user without a number, a refused callbackUrl, insufficient credits', async () => {
    const pdf = await makePdf(1);
    for (const to of ['+11235550123', '2125550123', '+442071234567', '+1212555012']) {
      const problem = expectProblem(await send({ to }, pdf), 400, 'invalid_number');
      assert.equal(problem.errors[0].field, '/body/to');
    }
    const both = expectProblem(
      await send({ to: 'nope', callbackUrl: 'http://10.1.2.3/cb' }, pdf),
      400,
      'validation_failed',
    );
    assert.deepEqual(
      both.errors.map((e: { field: string }) => e.field),
      ['/body/to', '/body/callbackUrl'],
    );
    expectProblem(await send({ externalUserId: 'nobody-here' }, pdf), 422, 'number_not_found');
    const poor = expectProblem(await send({}, await makePdf(4)), 402, 'insufficient_credits');
    assert.deepEqual([poor.balance, poor.required], [3, 4]);
  });

  test('a JSON url to a private address is refused; an unreachable one is reported', async () => {
    const body = { externalUserId: partner.externalUserId, to: '+12125550123' };
    expectProblem(
      await app.call('POST', '/api/partner/fax', {
        key: partner.apiKey,
        body: { ...body, url: 'http://10.9.8.7/a.pdf' },
      }),
      422,
      'document_url_refused',
    );
    const port = await freePort('udp'); // nothing listens on TCP there either
    expectProblem(
      await app.call('POST', '/api/partner/fax', {
        key: partner.apiKey,
        body: { ...body, url: `http://127.0.0.1:${port}/a.pdf` },
      }),
      422,
      'document_url_unreachable',
    );
  });

  test('Idempotency-Key replays the same upload and refuses a different file under the same key', async () => {
    const other = await sendingPartner(app, 10);
    await farEnd(other, { mode: 'reject', rejectStatus: 403 });
    const headers = { 'idempotency-key': `idem-${Date.now()}` };
    const fields = { externalUserId: other.externalUserId, to: '+12125550123' };
    const pdf = await makePdf(1);
    const first = await sendMultipart(app, other.apiKey, fields, pdf, headers);
    assert.equal(first.status, 202, first.text);
    const again = await sendMultipart(app, other.apiKey, fields, pdf, headers);
    assert.equal(again.status, 202);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.id, first.body.id);
    expectProblem(
      await sendMultipart(app, other.apiKey, fields, await makePdf(2), headers),
      422,
      'idempotency_key_reused',
    );
    // 403 from the far end: rejected, not retried, everything refunded.
    const fax = await waitFinished(other, first.body.id, 30_000);
    assert.equal(fax.failureCode, 'rejected');
    assert.equal(fax.retryable, false);
    assert.equal(app.services.credits.balance(other.partnerId), 10);
  });

  test('a cover page adds a rendered page with the fields', async () => {
    const pdf = await renderCoverPage({
      from: '+12125550100',
      to: '+13125550101',
      date: '2025-03-14T09:30:00.000Z',
      pages: 3,
      subject: 'Referral for Jane Smith',
      notes: 'Please call back to confirm the appointment.',
    });
    const [page] = await rasterisePdf(pdf);
    assert.equal(page.bitmap.width, 1728);
    const black = page.bitmap.data.reduce((n, b) => n + (b === 0 ? 0 : 1), 0);
    assert.ok(black > 1000, 'the cover page has ink');
    const other = await sendingPartner(app, 5);
    await farEnd(other, { mode: 'reject', rejectStatus: 403 });
    const sent = await sendMultipart(
      app,
      other.apiKey,
      {
        externalUserId: other.externalUserId,
        to: '+12125550123',
        cover: JSON.stringify({ subject: 'Hello', notes: 'Two pages in all' }),
      },
      await makePdf(1),
    );
    assert.equal(sent.status, 202, sent.text);
    assert.equal(sent.body.pages, 2);
    assert.equal(sent.body.creditsReserved, 2);
  });
});

describe('dialing', { concurrency: true, timeout: 400_000 }, () => {
  test('a 2-page PDF arrives pixel-identical and ends delivered with fax.delivered at the callbackUrl', async (t) => {
    const partner = await sendingPartner(app, 10);
    const sim = await farEnd(partner, { mode: 'fax' });
    const receiver = await startReceiver();
    try {
      const sent = await sendMultipart(
        app,
        partner.apiKey,
        { externalUserId: partner.externalUserId, to: '+13125550177', callbackUrl: receiver.url },
        await makePdf(2),
      );
      assert.equal(sent.status, 202, sent.text);
      assert.deepEqual(
        { pages: sent.body.pages, creditsReserved: sent.body.creditsReserved },
        { pages: 2, creditsReserved: 2 },
      );
      const fax = await waitFinished(partner, sent.body.id);
      assert.equal(fax.status, 'delivered', JSON.stringify(fax));
      assert.equal(fax.pagesDelivered, 2);
      assert.equal(fax.t30Code, 0);
      assert.equal(fax.attempts, 1);
      const [call] = await sim.settled(1);
      assert.equal(call.from, partner.number, 'caller ID is the user number');
      assert.match(call.pAssertedIdentity ?? '', new RegExp(`sip:\\${partner.number}@`));
      assert.equal(call.to, '+13125550177');
      assert.deepEqual(sipTrail(sim.calls), [[200, 't38']]);
      assert.equal(call.transport, 't38');
      assert.deepEqual([call.fax?.ok, call.fax?.code, call.fax?.pages], [true, 0, 2]);
      assertPixelIdentical(
        await decodeFaxTiff(await readFile(call.fax!.rxTiff)),
        await renderedPages(fax.id),
      );
      await receiver.waitFor((r) => r.some((w) => JSON.parse(w.body).event === 'fax.delivered'), 30_000);
      const events = receiver.received.map((w) => JSON.parse(w.body));
      assert.deepEqual(
        events.map((e) => e.event),
        ['fax.sending', 'fax.delivered'],
      );
      assert.equal(events[1].pagesDelivered, 2);
      assert.equal(events[1].faxId, fax.id);
      assert.equal(app.services.credits.balance(partner.partnerId), 8, 'two pages charged');
      t.diagnostic(`delivered in ${Date.parse(fax.completedAt) - Date.parse(fax.createdAt)} ms`);
    } finally {
      await receiver.close();
    }
  });

  test('busy (486) is retried per policy, then fails busy and refunds', async (t) => {
    const partner = await sendingPartner(app, 10);
    const sim = await farEnd(partner, { mode: 'busy' });
    const receiver = await startReceiver();
    try {
      const sent = await sendMultipart(
        app,
        partner.apiKey,
        { externalUserId: partner.externalUserId, to: '+13125550178', callbackUrl: receiver.url },
        await makePdf(2),
      );
      assert.equal(sent.status, 202, sent.text);
      const fax = await waitFinished(partner, sent.body.id, 60_000);
      assert.equal(fax.status, 'failed');
      assert.equal(fax.failureCode, 'busy');
      assert.equal(fax.retryable, true);
      assert.equal(fax.attempts, 3, '1 call + 2 retries (the configured busy schedule)');
      assert.deepEqual(sipTrail(await sim.settled(3)), [
        [486, 't38'],
        [486, 't38'],
        [486, 't38'],
      ]);
      assert.equal(fax.pagesDelivered, 0);
      assert.equal(fax.t30Code, null);
      assert.match(fax.failureDetail, /^SIP 486/);
      assert.equal(app.services.credits.balance(partner.partnerId), 10, 'all pages refunded');
      await receiver.waitFor((r) => r.some((w) => JSON.parse(w.body).event === 'fax.failed'), 30_000);
      const failed = receiver.received.map((w) => JSON.parse(w.body)).find((e) => e.event === 'fax.failed');
      assert.equal(failed.failureCode, 'busy');
      t.diagnostic(`failed busy after ${Date.parse(fax.completedAt) - Date.parse(fax.createdAt)} ms`);
    } finally {
      await receiver.close();
    }
  });

  test('a line that rings and is never answered: CANCEL at the ring timeout, retried once, no_answer', async (t) => {
    const partner = await sendingPartner(app, 10);
    const sim = await farEnd(partner, { mode: 'no-answer' });
    const sent = await sendMultipart(
      app,
      partner.apiKey,
      { externalUserId: partner.externalUserId, to: '+13125550181' },
      await makePdf(1),
    );
    assert.equal(sent.status, 202, sent.text);
    const fax = await waitFinished(partner, sent.body.id, 90_000);
    assert.equal(fax.status, 'failed', JSON.stringify(fax));
    assert.equal(fax.failureCode, 'no_answer');
    assert.equal(fax.retryable, true);
    assert.equal(fax.attempts, 2, '1 call + 1 retry (the configured no-answer schedule)');
    assert.match(fax.failureDetail, /ring timeout/);
    const calls = await sim.settled(2);
    assert.deepEqual(sipTrail(calls), [
      [487, 't38'],
      [487, 't38'],
    ]);
    for (const call of calls) {
      assert.equal(call.hungUpBy, 'remote', 'the caller gave up');
      // The dialer's own send times (its INVITE's and CANCEL's Timestamp headers), not when they got here.
      assert.ok(
        call.cancelledAfterMs !== undefined && call.cancelledAfterMs >= RING_TIMEOUT_SECONDS * 1000,
        `CANCEL sent ${call.cancelledAfterMs} ms after the INVITE`,
      );
    }
    assert.equal(app.services.credits.balance(partner.partnerId), 10);
    t.diagnostic(`rang ${calls.map((c) => c.durationMs).join(' + ')} ms`);
  });

  test('a voice line (answered, no fax tones) fails not_a_fax_machine, not retried', async (t) => {
    const partner = await sendingPartner(app, 10);
    const sim = await farEnd(partner, { mode: 'voice' });
    const sent = await sendMultipart(
      app,
      partner.apiKey,
      { externalUserId: partner.externalUserId, to: '+13125550182' },
      await makePdf(1),
    );
    assert.equal(sent.status, 202, sent.text);
    const fax = await waitFinished(partner, sent.body.id, 150_000);
    assert.equal(fax.status, 'failed', JSON.stringify(fax));
    t.diagnostic(`voice line: T.30 ${fax.t30Code} (${fax.failureDetail})`);
    assert.equal(fax.failureCode, 'not_a_fax_machine');
    assert.equal(fax.retryable, false);
    assert.equal(fax.attempts, 1);
    assert.equal(fax.pagesDelivered, 0);
    // spandsp's caller heard neither CED nor V.21 flags before its T0 (60 s) ran out.
    assert.equal(fax.t30Code, T30CompletionCode.T0_EXPIRED);
    // The T.38 offer is refused (a telephone), the G.711 fallback answered with a tone.
    const calls = await sim.settled(2);
    assert.deepEqual(sipTrail(calls), [
      [488, 't38'],
      [200, 'audio'],
    ]);
    assert.equal(calls[1].hungUpBy, 'remote', 'the caller gave up');
    assert.equal(calls[1].fax, undefined);
    assert.equal(app.services.credits.balance(partner.partnerId), 10);
  });

  // Carriers refuse a T.38 offer with 606 or 415 as well as 488: each is a refusal of the media, not the call.
  for (const [status, to] of [
    [606, '+13125550183'],
    [415, '+13125550184'],
  ] as const) {
    test(`a T.38 offer refused ${status}: G.711 in a new INVITE, delivered in one attempt`, async () => {
      const partner = await sendingPartner(app, 10);
      const sim = await farEnd(partner, { mode: 'fax', acceptT38: false, t38RefusalStatus: status });
      const sent = await sendMultipart(
        app,
        partner.apiKey,
        { externalUserId: partner.externalUserId, to },
        await makePdf(1),
      );
      assert.equal(sent.status, 202, sent.text);
      const fax = await waitFinished(partner, sent.body.id);
      assert.equal(fax.status, 'delivered', JSON.stringify(fax));
      assert.equal(fax.attempts, 1, 'a refused offer is not a failed attempt');
      const calls = await sim.settled(2);
      assert.deepEqual(sipTrail(calls), [
        [status, 't38'],
        [200, 'audio'],
      ]);
      assert.equal(calls[1].fax?.ok, true);
    });
  }

  test('a hang-up after page 1 of 3: the retry sends pages 2–3 only and the fax ends delivered', async (t) => {
    const partner = await sendingPartner(app, 10);
    const sim = await farEnd(partner, { mode: 'fax', calls: [{ hangupAfterPage: 1 }] });
    const sent = await sendMultipart(
      app,
      partner.apiKey,
      { externalUserId: partner.externalUserId, to: '+13125550179' },
      await makePdf(3),
    );
    assert.equal(sent.status, 202, sent.text);
    const fax = await waitFinished(partner, sent.body.id);
    assert.equal(fax.status, 'delivered', JSON.stringify(fax));
    assert.equal(fax.attempts, 2);
    assert.equal(fax.pagesDelivered, 3);
    const [first, second] = await sim.settled(2);
    assert.equal(sim.calls.length, 2);
    assert.equal(first.hungUpBy, 'local', 'the simulator hung up');
    assert.equal(first.fax?.pages, 1);
    assert.equal(second.fax?.pages, 2);
    assert.equal(second.fax?.ok, true);
    const rendered = await renderedPages(fax.id);
    assertPixelIdentical(await decodeFaxTiff(await readFile(first.fax!.rxTiff)), rendered.slice(0, 1));
    assertPixelIdentical(await decodeFaxTiff(await readFile(second.fax!.rxTiff)), rendered.slice(1));
    assert.equal(app.services.credits.balance(partner.partnerId), 7);
    t.diagnostic(
      `first call: receiver T.30 ${first.fax?.code} (${first.fax?.text}); delivered in ${Date.parse(fax.completedAt) - Date.parse(fax.createdAt)} ms`,
    );
  });

  test('a fax waiting for a retry can be canceled; its credits come back', async () => {
    const partner = await sendingPartner(app, 10);
    const sim = await farEnd(partner, { mode: 'no-answer' });
    // The first call rings out (no_answer); the retry waits 15 s: time enough to cancel.
    const sent = await sendMultipart(
      app,
      partner.apiKey,
      { externalUserId: partner.externalUserId, to: '+13125550180' },
      await makePdf(1),
    );
    const id = sent.body.id;
    await waitFor('the first attempt', () => sim.calls.length === 1);
    const waiting = await (async () => {
      for (;;) {
        const fax = await faxOf(partner, id);
        if (fax.status === 'queued' && fax.nextAttemptAt) return fax;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    assert.equal(waiting.failureCode, 'no_answer');
    const canceled = await app.call('DELETE', `/api/partner/fax/${id}`, { key: partner.apiKey });
    assert.equal(canceled.status, 200, canceled.text);
    assert.equal(canceled.body.status, 'failed');
    assert.equal(canceled.body.failureCode, 'canceled');
    expectProblem(
      await app.call('DELETE', `/api/partner/fax/${id}`, { key: partner.apiKey }),
      409,
      'fax_not_cancelable',
    );
    assert.equal(app.services.credits.balance(partner.partnerId), 10);
    const list = await app.call('GET', '/api/partner/fax?status=failed', { key: partner.apiKey });
    assert.deepEqual(
      list.body.items.map((f: { id: string }) => f.id),
      [id],
    );
    await new Promise((r) => setTimeout(r, 16_000));
    assert.equal(sim.calls.length, 1, 'no retry after the cancel');
  });
});

describe('trunks', () => {
  test('CRUD keeps the password write-only; a trunk in use cannot be deleted', async () => {
    const key = adminToken(app);
    const created = await app.call('POST', '/api/admin/trunks', {
      key,
      body: {
        name: 'carrier-a',
        mode: 'peer',
        host: '198.51.100.7',
        allowedIps: ['198.51.100.0/24'],
        password: 'p4ss',
        username: 'u',
      },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.hasPassword, true);
    assert.equal('password' in created.body, false);
    const patched = await app.call('PATCH', `/api/admin/trunks/${created.body.id}`, {
      key,
      body: { password: null, t38: false, codecs: ['pcma'] },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(
      [patched.body.hasPassword, patched.body.t38, patched.body.codecs],
      [false, false, ['pcma']],
    );
    expectProblem(
      await app.call('POST', '/api/admin/trunks', {
        key,
        body: { name: 'carrier-a', mode: 'peer', host: 'x.example' },
      }),
      409,
      'trunk_name_taken',
    );
    expectProblem(
      await app.call('PATCH', `/api/admin/trunks/${created.body.id}`, {
        key,
        body: { allowedIps: ['nope/99'] },
      }),
      400,
      'validation_failed',
    );
    app.services.db
      .prepare('UPDATE dids SET trunk_id = ? WHERE id = (SELECT id FROM dids LIMIT 1)')
      .run(created.body.id);
    expectProblem(
      await app.call('DELETE', `/api/admin/trunks/${created.body.id}`, { key }),
      409,
      'trunk_in_use',
    );
    app.services.db.prepare('UPDATE dids SET trunk_id = NULL WHERE trunk_id = ?').run(created.body.id);
    assert.equal((await app.call('DELETE', `/api/admin/trunks/${created.body.id}`, { key })).status, 204);
    expectProblem(
      await app.call('GET', `/api/admin/trunks/${created.body.id}`, { key }),
      404,
      'trunk_not_found',
    );
  });

  test('a register trunk registers with digest auth against a sipp registrar; status shows it', async () => {
    const port = await freePort('udp');
    const sipp = runSipp('uas-register-auth.xml', ['-i', '127.0.0.1', '-p', String(port)], 30_000);
    await new Promise((r) => setTimeout(r, 500)); // sipp binds its socket
    const key = adminToken(app);
    const created = await app.call('POST', '/api/admin/trunks', {
      key,
      body: {
        name: 'registrar',
        mode: 'register',
        host: '127.0.0.1',
        port,
        username: 'fax',
        password: 's3cret',
        outbound: false,
      },
    });
    assert.equal(created.status, 201, created.text);
    const state = await app.services.outbound.monitor!.registered(created.body.id);
    assert.equal(state?.status, 'registered', JSON.stringify(state));
    const status = await app.call('GET', `/api/admin/trunks/${created.body.id}/status`, { key });
    assert.equal(status.body.registration.status, 'registered');
    assert.equal(status.body.registration.expires, 120);
    assert.equal(status.body.registration.aor, `sip:fax@127.0.0.1`);
    const result = await sipp.done;
    assert.equal(result.code, 0, result.stdout.slice(-2000) + result.stderr);
  });

  test('a test call reports the SIP outcome', async () => {
    const simulator = await startSimulator();
    simulator.receive({ mode: 'busy' });
    const key = adminToken(app);
    const trunk = await app.call('POST', '/api/admin/trunks', {
      key,
      body: { name: 'test-call', mode: 'peer', host: '127.0.0.1', port: simulator.sipPort },
    });
    const result = await app.call('POST', `/api/admin/trunks/${trunk.body.id}/test-call`, {
      key,
      body: { to: '+12125550111' },
    });
    assert.equal(result.status, 200, result.text);
    assert.deepEqual(
      [result.body.answered, result.body.status, result.body.failureCode],
      [false, 486, 'busy'],
    );
    const probe = await app.call('GET', `/api/admin/trunks/${trunk.body.id}/status?probe=true`, { key });
    assert.equal(probe.body.lastOptions.status, 200, 'the simulator answers OPTIONS');
  });
});
