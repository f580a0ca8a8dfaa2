// Media engine tests over real UDP on 127.0.0.1 in real time (no NO_PACING): one-page faxes over T.38,
// G.711 µ-law and A-law, a mid-call switch to T.38, and T.38 through a relay dropping 5 % of datagrams.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { T30CompletionCode } from '../spandsp/codes.ts';
import { readFaxTiff, writeFaxTiff } from '../spandsp/index.ts';
import { drawSyntheticPage, firstDifferentPage, seededRandom } from '../spandsp/synthetic-page.ts';
import { type CompletedEvent, MediaEngine, type StartSessionOptions } from './media-engine.ts';

const LOOPBACK = '127.0.0.1';
const dir = mkdtempSync(join(tmpdir(), 'faxseal-media-'));
const page = drawSyntheticPage({ seed: 21, height: 700 });
const txTiff = join(dir, 'tx.tif');
writeFaxTiff(txTiff, [page]);

// Two engines, as two machines: the sender's and the receiver's (each its own worker thread).
let sender: MediaEngine;
let receiver: MediaEngine;
before(() => {
  sender = new MediaEngine({ bindAddress: LOOPBACK, portMin: 31000, portMax: 31099 });
  receiver = new MediaEngine({ bindAddress: LOOPBACK, portMin: 31100, portMax: 31199 });
});
after(async () => {
  await Promise.all([sender.close(), receiver.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** A UDP relay between two legs that drops a seeded fraction of datagrams in each direction. */
async function lossyRelay(lossRate: number, seed: number, answererPort: number) {
  const random = seededRandom(seed);
  const callerSide = dgram.createSocket('udp4');
  const answererSide = dgram.createSocket('udp4');
  await Promise.all(
    [callerSide, answererSide].map((s) => new Promise<void>((ok) => s.bind(0, LOOPBACK, ok))),
  );
  let callerPort = 0;
  let forwarded = 0;
  let dropped = 0;
  const relay = (to: dgram.Socket, port: () => number) => (datagram: Buffer) => {
    if (random() < lossRate) {
      dropped++;
      return;
    }
    forwarded++;
    if (port()) to.send(datagram, port(), LOOPBACK);
  };
  callerSide.on('message', (d, from) => {
    callerPort = from.port;
    relay(answererSide, () => answererPort)(d);
  });
  answererSide.on(
    'message',
    relay(callerSide, () => callerPort),
  );
  return {
    callerFacingPort: callerSide.address().port,
    answererFacingPort: answererSide.address().port,
    counts: () => ({ forwarded, dropped }),
    close: () => {
      callerSide.close();
      answererSide.close();
    },
  };
}

/**
 * A receiver that stores pages (confirmPages): each page's answer waits for pageDurable, which comes
 * `storeMs` after the page; returns the fax run and the order in which both sides saw the page.
 */
async function faxStoringPages(
  name: string,
  session: Pick<StartSessionOptions, 'transport' | 'codec'>,
  storeMs: number,
) {
  const rxTiff = join(dir, `${name}-rx.tif`);
  const ids = { rx: `${name}-rx`, tx: `${name}-tx` };
  const order: string[] = [];
  receiver.on('page', (e) => {
    if (e.sessionId !== ids.rx) return;
    order.push(`received page ${e.page}`);
    setTimeout(() => {
      order.push(`stored page ${e.page}`);
      receiver.pageDurable(ids.rx);
    }, storeMs);
  });
  sender.on('page', (e) => e.sessionId === ids.tx && order.push(`sender got MCF for page ${e.page}`));
  const { localPort: answererPort } = await receiver.startSession({
    ...session,
    sessionId: ids.rx,
    role: 'answering',
    job: { rxTiff, localIdent: '+1 555 0199', confirmPages: true },
  });
  const { localPort: callerPort } = await sender.startSession({
    ...session,
    sessionId: ids.tx,
    role: 'calling',
    remote: { address: LOOPBACK, port: answererPort },
    job: { txTiff: { path: txTiff }, localIdent: '+1 555 0100' },
  });
  receiver.updateRemote(ids.rx, { address: LOOPBACK, port: callerPort });
  const [sent, received] = await Promise.all([
    sender.waitForCompletion(ids.tx),
    receiver.waitForCompletion(ids.rx),
  ]);
  await Promise.all([sender.stopSession(ids.tx), receiver.stopSession(ids.rx)]);
  return { run: { sent, received, rxTiff }, order };
}

interface FaxRun {
  sent: CompletedEvent;
  received: CompletedEvent;
  rxTiff: string;
}

/** Starts the receiving side, then the sending side towards it (directly or via `via`), and waits for both. */
async function fax(
  name: string,
  session: Pick<StartSessionOptions, 'transport' | 'codec' | 't38'>,
  via?: (answererPort: number) => Promise<{ callerFacingPort: number; answererFacingPort: number }>,
): Promise<FaxRun> {
  const rxTiff = join(dir, `${name}-rx.tif`);
  const ids = { rx: `${name}-rx`, tx: `${name}-tx` };
  const { localPort: answererPort } = await receiver.startSession({
    ...session,
    sessionId: ids.rx,
    role: 'answering',
    job: { rxTiff, localIdent: '+1 555 0199' },
  });
  const relay = via ? await via(answererPort) : undefined;
  const { localPort: callerPort } = await sender.startSession({
    ...session,
    sessionId: ids.tx,
    role: 'calling',
    remote: { address: LOOPBACK, port: relay?.callerFacingPort ?? answererPort },
    job: { txTiff: { path: txTiff }, localIdent: '+1 555 0100' },
  });
  receiver.updateRemote(ids.rx, { address: LOOPBACK, port: relay?.answererFacingPort ?? callerPort });
  const [sent, received] = await Promise.all([
    sender.waitForCompletion(ids.tx),
    receiver.waitForCompletion(ids.rx),
  ]);
  await Promise.all([sender.stopSession(ids.tx), receiver.stopSession(ids.rx)]);
  return { sent, received, rxTiff };
}

function assertPixelIdentical(run: FaxRun) {
  assert.equal(run.received.code, T30CompletionCode.OK, run.received.text);
  assert.equal(run.sent.code, T30CompletionCode.OK, run.sent.text);
  assert.equal(run.received.pages, 1);
  assert.equal(run.received.stats.remoteIdent, '+1 555 0100');
  assert.equal(firstDifferentPage([page], readFaxTiff(run.rxTiff).pages), -1);
}

const figures = (run: FaxRun) =>
  `${(run.received.durationMs / 1000).toFixed(1)} s, ${run.received.stats.bitRate} bit/s, ECM ${run.received.stats.ecm}, ` +
  `media ${JSON.stringify(run.received.media)}`;

describe('media engine, real time on loopback', { concurrency: true, timeout: 120_000 }, () => {
  test('one page over T.38, with phase B and page events on the way', async (t) => {
    const progress: string[] = [];
    receiver.on('phaseB', (e) => e.sessionId === 't38-rx' && progress.push(`phaseB ${e.transport}`));
    receiver.on('page', (e) => e.sessionId === 't38-rx' && progress.push(`${e.direction} page ${e.page}`));
    const run = await fax('t38', { transport: 't38' });
    assertPixelIdentical(run);
    assert.equal(run.received.transport, 't38');
    assert.deepEqual(progress, ['phaseB t38', 'rx page 1']);
    assert.equal(run.sent.pages, 1);
    t.diagnostic(figures(run));
  });

  test('one page over G.711 µ-law', async (t) => {
    const run = await fax('pcmu', { transport: 'audio', codec: 'pcmu' });
    assertPixelIdentical(run);
    assert.equal(run.received.stats.ecm, true);
    t.diagnostic(figures(run));
  });

  test('one page over G.711 A-law', async (t) => {
    const run = await fax('pcma', { transport: 'audio', codec: 'pcma' });
    assertPixelIdentical(run);
    t.diagnostic(figures(run));
  });

  test('one page over T.38 through a relay dropping 5 % of datagrams', async (t) => {
    let relay: Awaited<ReturnType<typeof lossyRelay>> | undefined;
    const run = await fax(
      'lossy',
      { transport: 't38', t38: { farMaxDatagram: 300 } },
      async (answererPort) => {
        relay = await lossyRelay(0.05, 38, answererPort);
        return relay;
      },
    );
    relay?.close();
    assertPixelIdentical(run);
    const { forwarded, dropped } = relay!.counts();
    assert.ok(dropped > 0.03 * (forwarded + dropped), `only ${dropped} of ${forwarded + dropped} dropped`);
    assert.ok(run.received.media.recovered > 0);
    t.diagnostic(`${figures(run)}, relay dropped ${dropped}/${forwarded + dropped}`);
  });

  // Storing takes 2 s here, well past the ~1 s the answer normally takes and inside the sender's 3 s T4.
  for (const [name, session] of [
    ['hold-t38', { transport: 't38' }],
    ['hold-pcmu', { transport: 'audio', codec: 'pcmu' }],
  ] as const) {
    test(`${name}: a received page is confirmed to the sender only after it is stored`, async () => {
      const { run, order } = await faxStoringPages(name, session, 2000);
      assertPixelIdentical(run);
      assert.deepEqual(order, ['received page 1', 'stored page 1', 'sender got MCF for page 1']);
    });
  }

  test('an audio call switched to T.38 before T.30 starts completes on T.38', async (t) => {
    const rxTiff = join(dir, 'switch-rx.tif');
    const rx = await receiver.startSession({
      sessionId: 'switch-rx',
      transport: 'audio',
      role: 'answering',
      job: { rxTiff },
    });
    const tx = await sender.startSession({
      sessionId: 'switch-tx',
      transport: 'audio',
      role: 'calling',
      remote: { address: LOOPBACK, port: rx.localPort },
      job: { txTiff: { path: txTiff }, localIdent: '+1 555 0100' },
    });
    receiver.updateRemote('switch-rx', { address: LOOPBACK, port: tx.localPort });
    await sleep(1500); // CNG/CED on audio, then the re-INVITE
    const [rxSwitched, txSwitched] = await Promise.all([
      receiver.switchToT38('switch-rx'),
      sender.switchToT38('switch-tx'),
    ]);
    assert.equal(rxSwitched.localPort, rx.localPort);
    assert.equal(txSwitched.localPort, tx.localPort);
    const [sent, received] = await Promise.all([
      sender.waitForCompletion('switch-tx'),
      receiver.waitForCompletion('switch-rx'),
    ]);
    await Promise.all([sender.stopSession('switch-tx'), receiver.stopSession('switch-rx')]);
    const run = { sent, received, rxTiff };
    assertPixelIdentical(run);
    assert.equal(received.transport, 't38');
    t.diagnostic(figures(run));
  });
});

describe('media engine, control', () => {
  test('stop before the far end answers reports CALLDROPPED and frees the port', async () => {
    const { localPort } = await receiver.startSession({
      sessionId: 'dropped',
      transport: 't38',
      role: 'answering',
      job: { rxTiff: join(dir, 'dropped.tif') },
    });
    const completion = receiver.waitForCompletion('dropped');
    await receiver.stopSession('dropped');
    const done = await completion;
    assert.equal(done.code, T30CompletionCode.CALLDROPPED);
    assert.equal(done.pages, 0);
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((ok, fail) => {
      probe.once('error', fail);
      probe.bind(localPort, LOOPBACK, ok);
    });
    probe.close();
  });

  test('bad requests are refused with named codes', async () => {
    await assert.rejects(
      receiver.startSession({ sessionId: 'bad', transport: 't38', role: 'answering', job: {} }),
      { code: 'MEDIA_BAD_REQUEST' },
    );
    await assert.rejects(receiver.stopSession('nope'), { code: 'MEDIA_UNKNOWN_SESSION' });
  });
});
