// What breaks fax servers in the field, played by the fax simulator against a real appliance over SIP/UDP on
// 127.0.0.1 with real spandsp: a far end that never sends BYE or goes silent after a page, an initial offer
// with both m=audio and m=image, session refreshes in the middle of a 30-page fax, UDPTL with each error
// correction, and a trunk with T.38 off (G.711 pass-through only). The appliance's wait for a BYE after phase E
// runs on a virtual clock, so the test moves it, never the machine's load.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { T30CompletionCode } from '../../../native-workers/spandsp/codes.ts';
import { drawSyntheticPage, firstDifferentPage } from '../../../native-workers/spandsp/synthetic-page.ts';
import type { FaxSimulator } from '../../src/simulator/fax-simulator.ts';
import { T38ErrorCorrection } from '../../src/telephony/sdp/t38.ts';
import type { TimerHandle } from '../../src/telephony/sip/timer-source.ts';
import { applianceTarget, type FaxBench, startFaxBench } from './inbound-support.ts';
import { VirtualClock } from './virtual-clock.ts';

/** The virtual clock, telling the test when the appliance starts waiting on it. */
class WatchedClock extends VirtualClock {
  private waiters: (() => void)[] = [];

  override setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = super.setTimeout(fn, ms);
    for (const waiter of this.waiters.splice(0)) waiter();
    return handle;
  }

  /** Resolves once a timer is pending. */
  scheduled(): Promise<void> {
    if (this.size > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * The media worker's silence limit on this bench: above T.30's T4 (3 s, the longest a far end waits before it
 * repeats a frame) and below T2 (6 s, which would end the call by T.30's own timer), so the limit ends it.
 */
const SILENCE_SECONDS = 5;
let bench: FaxBench;
/** Calls from this address reach the trunk with T.38 off. */
const G711_ONLY_ADDRESS = '127.0.0.3';
/** An appliance of its own whose calls wait for the far end's BYE on a virtual clock that only this test moves. */
let virtualBench: FaxBench;
const clock = new WatchedClock();

before(async () => {
  virtualBench = await startFaxBench({}, { telephony: { callTimers: clock } });
  bench = await startFaxBench({ mediaSilenceSeconds: SILENCE_SECONDS });
  const { trunks } = bench.app.services;
  const [lab] = trunks.list();
  trunks.update(lab.id, { allowedIps: ['127.0.0.1/32'] });
  trunks.create({ ...lab, name: 'g711-only', allowedIps: [`${G711_ONLY_ADDRESS}/32`], t38: false });
});
after(async () => {
  await bench?.close();
  await virtualBench?.close();
});

const pageOf = (seed: number, height = 400) => drawSyntheticPage({ seed, height });

async function g711Simulator(): Promise<FaxSimulator> {
  return bench.simulator({ address: G711_ONLY_ADDRESS });
}

describe('carrier interop', { concurrency: true, timeout: 300_000 }, () => {
  test('a far end that never sends BYE is hung up FAR_END_HANGUP_MS (1.5 s) after phase E, its fax committed', async () => {
    const to = await virtualBench.provision('never-bye');
    const page = pageOf(300);
    const sim = await virtualBench.simulator();
    const sending = sim.send({
      to,
      mode: 't38',
      neverBye: true,
      timeoutMs: 120_000,
      target: applianceTarget(virtualBench),
      tiffPath: virtualBench.tiff('never-bye', [page]),
    });
    // Phase E on the appliance's side: it waits for the far end's BYE on the virtual clock.
    await clock.scheduled();
    clock.advance(1499);
    assert.equal(clock.size, 1, 'still waiting for the BYE at 1.499 s');
    assert.equal(virtualBench.app.telephony.activeCalls >= 1, true);
    clock.advance(1);
    const sent = await sending;
    assert.equal(sent.fax?.ok, true, sent.fax?.text);
    assert.equal(sent.hungUpBy, 'remote', 'the appliance sent the BYE');
    const outcome = await virtualBench.outcome(sent.callId);
    assert.ok(outcome.kind === 'fax', JSON.stringify(outcome));
    assert.equal(outcome.status, 'received');
    assert.equal(outcome.hungUpBy, 'local');
    assert.equal(outcome.farEndSilentMs, undefined);
    assert.equal(firstDifferentPage([page], virtualBench.storedPages(outcome.faxId)), -1, 'pixel-identical');
  });

  test('a far end that goes silent after page 1 of 2 and never hangs up: ended at the silence limit, 1 page kept', async () => {
    const to = await bench.provision('silent');
    const first = pageOf(301);
    const sim = await bench.simulator();
    const sent = await sim.send({
      to,
      mode: 't38',
      silentAfterPage: 1,
      timeoutMs: 120_000,
      target: applianceTarget(bench),
      tiffPath: bench.tiff('silent', [first, pageOf(302)]),
    });
    assert.equal(sent.hungUpBy, 'remote', 'the appliance ended the call');
    const outcome = await bench.outcome(sent.callId);
    assert.ok(outcome.kind === 'fax', JSON.stringify(outcome));
    assert.equal(outcome.hungUpBy, 'local');
    // Measured on the media worker's clock: the limit, to the 20 ms frame (checked on 10 ms ticks).
    assert.ok(outcome.farEndSilentMs !== undefined, `ended by T.30 instead: ${outcome.t30Text}`);
    assert.ok(
      outcome.farEndSilentMs >= SILENCE_SECONDS * 1000 &&
        outcome.farEndSilentMs <= SILENCE_SECONDS * 1000 + 40,
      `silent for ${outcome.farEndSilentMs} ms`,
    );
    assert.equal(outcome.t30Code, T30CompletionCode.CALLDROPPED);
    assert.match(outcome.t30Text, /^No media from the far end for 5\.0 s$/);
    assert.equal(outcome.status, 'partial');
    assert.equal(outcome.pages, 1);
    const fax = bench.app.services.faxes.get(outcome.faxId)!;
    assert.equal(fax.status, 'partial');
    assert.equal(fax.pages, 1);
    assert.equal(firstDifferentPage([first], bench.storedPages(outcome.faxId)), -1);
  });

  test('an INVITE offering m=audio and m=image is answered with T.38 and the audio stream refused (port 0)', async () => {
    const to = await bench.provision('dual');
    const page = pageOf(303);
    const sim = await bench.simulator();
    const answers: string[] = [];
    const sent = await sim.send({
      to,
      mode: 't38',
      offerAudioAndImage: true,
      onProgress: (e) => e.type === 'answered' && answers.push(e.transport),
      target: applianceTarget(bench),
      tiffPath: bench.tiff('dual', [page]),
    });
    assert.equal(sent.fax?.ok, true, sent.fax?.text);
    assert.deepEqual(answers, ['t38']);
    assert.equal(sent.transport, 't38');
    const outcome = await bench.outcome(sent.callId);
    assert.ok(outcome.kind === 'fax' && outcome.status === 'received', JSON.stringify(outcome));
    assert.equal(outcome.transport, 't38');
    assert.equal(firstDifferentPage([page], bench.storedPages(outcome.faxId)), -1, 'pixel-identical');
  });

  test('the same audio+image offer on a trunk with T.38 off is answered with G.711', async () => {
    const to = await bench.provision('dual-g711');
    const page = pageOf(304);
    const sim = await g711Simulator();
    const sent = await sim.send({
      to,
      mode: 't38',
      offerAudioAndImage: true,
      codec: 'pcma',
      target: applianceTarget(bench),
      tiffPath: bench.tiff('dual-g711', [page]),
    });
    assert.equal(sent.fax?.ok, true, sent.fax?.text);
    assert.equal(sent.transport, 'audio');
    const outcome = await bench.outcome(sent.callId);
    assert.ok(outcome.kind === 'fax' && outcome.status === 'received', JSON.stringify(outcome));
    assert.equal(outcome.transport, 'audio');
    assert.equal(firstDifferentPage([page], bench.storedPages(outcome.faxId)), -1, 'pixel-identical');
  });

  test('T.38 off: an audio call that would take T.38 is never re-INVITEd to it', async () => {
    const to = await bench.provision('g711-no-reinvite');
    const page = pageOf(305);
    const sim = await g711Simulator();
    // This far end would take a re-INVITE to T.38 (acceptT38): a T.38 trunk sends one after 1 s.
    const sent = await sim.send({
      to,
      mode: 'audio',
      acceptT38: true,
      target: applianceTarget(bench),
      tiffPath: bench.tiff('g711-no-reinvite', [page]),
    });
    assert.equal(sent.fax?.ok, true, sent.fax?.text);
    assert.equal(sent.transport, 'audio');
    assert.equal(sent.switchedToT38By, undefined, 'no re-INVITE to T.38 reached the far end');
    const outcome = await bench.outcome(sent.callId);
    assert.ok(outcome.kind === 'fax' && outcome.status === 'received', JSON.stringify(outcome));
    assert.equal(outcome.transport, 'audio');
  });

  test("T.38 off: the far end's re-INVITE to T.38 is refused 488 and the fax completes on G.711", async () => {
    const to = await bench.provision('g711-refuses');
    const page = pageOf(306);
    const sim = await g711Simulator();
    const sent = await sim.send({
      to,
      mode: 'reinvite',
      target: applianceTarget(bench),
      tiffPath: bench.tiff('g711-refuses', [page]),
    });
    assert.equal(sent.fax?.ok, true, sent.fax?.text);
    assert.equal(sent.transport, 'audio');
    const outcome = await bench.outcome(sent.callId);
    assert.ok(outcome.kind === 'fax' && outcome.status === 'received', JSON.stringify(outcome));
    assert.equal(outcome.transport, 'audio');
    assert.equal(outcome.switchedToT38By, undefined);
    assert.equal(firstDifferentPage([page], bench.storedPages(outcome.faxId)), -1, 'pixel-identical');
  });

  test('T.38 off: an INVITE offering T.38 alone is refused 488', async () => {
    const to = await bench.provision('g711-t38-only');
    const sim = await g711Simulator();
    const sent = await sim.send({
      to,
      mode: 't38',
      target: applianceTarget(bench),
      tiffPath: bench.tiff('g711-t38-only', [pageOf(307)]),
    });
    assert.equal(sent.answered, false);
    assert.equal(sent.sipStatus, 488);
  });

  test('session refreshes (re-INVITE, re-INVITE with a new SDP version, UPDATE) in a 30-page fax do not cut it', async () => {
    const to = await bench.provision('refresh');
    const pages = Array.from({ length: 30 }, (_, i) => pageOf(400 + i, 120));
    const sim = await bench.simulator();
    const sent = await sim.send({
      to,
      mode: 't38',
      noPacing: true,
      refreshes: [
        { afterPage: 5, method: 'reinvite' },
        { afterPage: 15, method: 'reinvite-new-version' },
        { afterPage: 25, method: 'update' },
      ],
      timeoutMs: 280_000,
      target: applianceTarget(bench),
      tiffPath: bench.tiff('refresh', pages),
    });
    assert.equal(sent.fax?.ok, true, sent.fax?.text);
    assert.equal(sent.fax?.pages, 30);
    assert.deepEqual(
      sent.refreshes?.map((r) => `${r.afterPage} ${r.method} ${r.status}`),
      ['5 reinvite 200', '15 reinvite-new-version 200', '25 update 200'],
    );
    const outcome = await bench.outcome(sent.callId);
    assert.ok(outcome.kind === 'fax' && outcome.status === 'received', JSON.stringify(outcome));
    assert.equal(outcome.pages, 30);
    assert.equal(firstDifferentPage(pages, bench.storedPages(outcome.faxId)), -1, 'pixel-identical');
  });

  for (const [name, errorCorrection, lossPercent] of [
    ['without error correction (t38UDPNoEC)', T38ErrorCorrection.None, 0],
    ['with FEC (t38UDPFEC) through a relay dropping 5 %', T38ErrorCorrection.Fec, 5],
    ['with redundancy (t38UDPRedundancy) through a relay dropping 5 %', T38ErrorCorrection.Redundancy, 5],
  ] as const) {
    test(`UDPTL ${name}: negotiated as offered and received pixel-identical`, async (t) => {
      const to = await bench.provision(`udptl-${errorCorrection}`);
      const page = pageOf(500 + lossPercent + errorCorrection.length);
      const sim = await bench.simulator();
      const sent = await sim.send({
        to,
        mode: 't38',
        errorCorrection,
        lossPercent,
        lossSeed: 38,
        target: applianceTarget(bench),
        tiffPath: bench.tiff(`udptl-${errorCorrection}`, [page]),
      });
      assert.equal(sent.fax?.ok, true, sent.fax?.text);
      assert.equal(sent.negotiatedErrorCorrection, errorCorrection);
      const outcome = await bench.outcome(sent.callId);
      assert.ok(outcome.kind === 'fax' && outcome.status === 'received', JSON.stringify(outcome));
      assert.equal(firstDifferentPage([page], bench.storedPages(outcome.faxId)), -1, 'pixel-identical');
      if (lossPercent > 0) {
        const { dropped, forwarded } = sent.relay!;
        assert.ok(dropped > 0, 'the relay dropped datagrams');
        assert.ok((outcome.media?.recovered ?? 0) > 0, 'the appliance rebuilt lost IFPs');
        assert.ok((sent.fax?.media.recovered ?? 0) > 0, 'the simulator rebuilt lost IFPs');
        t.diagnostic(
          `${name}: relay dropped ${dropped} of ${dropped + forwarded}; appliance rebuilt ${outcome.media?.recovered}, lost ${outcome.media?.lost}`,
        );
      }
    });
  }
});
