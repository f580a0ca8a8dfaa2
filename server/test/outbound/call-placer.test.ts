// The outbound call placer on its own (a user agent and a media engine, no appliance) against the fax
// simulator's receiving side: T.38 refused in the INVITE falls back to G.711, the far end then moves the call to
// T.38 by re-INVITE, and our answer to it comes from the SDP session of our offer, one version up (RFC 3264 §8).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MediaEngine } from '../../../native-workers/media/media-engine.ts';
import { writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { drawSyntheticPage } from '../../../native-workers/spandsp/synthetic-page.ts';
import { SipCallPlacer } from '../../src/outbound/call-placer.ts';
import { FaxSimulator } from '../../src/simulator/fax-simulator.ts';
import type { IncomingCall } from '../../src/telephony/sip/incoming-call.ts';
import { UserAgent } from '../../src/telephony/sip/user-agent.ts';

let ua: UserAgent;
let engine: MediaEngine;
let simulator: FaxSimulator;
let dir: string;

before(async () => {
  ua = await UserAgent.start({ host: '127.0.0.1', port: 0 });
  engine = new MediaEngine({ bindAddress: '127.0.0.1', portMin: 33400, portMax: 33499 });
  simulator = await FaxSimulator.start({ address: '127.0.0.1', mediaPorts: { first: 33500, last: 33599 } });
  dir = mkdtempSync(join(tmpdir(), 'faxseal-placer-'));
});
after(async () => {
  await ua.stop();
  await engine.close();
  await simulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The o= line's session id and version. */
function origin(sdp: string | undefined): { id: string; version: number } {
  const m = /^o=\S+ (\S+) (\d+)/m.exec(sdp ?? '');
  assert.ok(m, `no origin in ${sdp}`);
  return { id: m[1], version: Number(m[2]) };
}

test('T.38 refused (488), G.711 next, then the far end re-INVITEs to T.38: one SDP session per call', async () => {
  const receiver = simulator.receive({
    // The first call is an audio-only machine; the second takes audio, then asks for T.38 itself.
    calls: [{ acceptT38: false }, { requestT38AfterMs: 300 }],
  });
  const invites: IncomingCall[] = [];
  simulator.ua.on('invite', (call) => invites.push(call));
  const tiffPath = join(dir, 'one-page.tif');
  writeFaxTiff(tiffPath, [drawSyntheticPage({ seed: 7 })]);
  const answeredOn: string[] = [];

  const outcome = await new SipCallPlacer(ua, () => engine).place({
    ref: 'placer-test',
    target: { host: '127.0.0.1', port: simulator.sipPort, transport: 'udp' },
    from: '+15555550123',
    to: '+15555550199',
    t38: true,
    codecs: ['pcmu'],
    tiffPath,
    startPage: 0,
    ringTimeoutMs: 10_000,
    onAnswered: (transport) => answeredOn.push(transport),
  });

  assert.ok(outcome.answered, 'the G.711 call is answered');
  assert.equal(outcome.completion.ok, true, outcome.completion.text);
  assert.equal(outcome.completion.pages, 1);
  assert.equal(outcome.transport, 't38', 'the fax went over T.38 after the re-INVITE');
  assert.deepEqual(answeredOn, ['audio']);

  const [refused, faxed] = await receiver.settled(2);
  assert.equal(refused.offer, 't38');
  assert.equal(refused.sipStatus, 488);
  assert.equal(faxed.offer, 'audio');
  assert.equal(faxed.answeredWith, 'audio');
  assert.equal(faxed.switchedToT38By, 'local', "the receiver's own re-INVITE moved the call");
  assert.equal(faxed.fax?.ok, true);

  // Our offer in the INVITE and our answer to the far end's re-INVITE: same session, a newer version.
  const offer = origin(invites[1].sdpOffer);
  const reinviteAnswer = origin(invites[1].remoteSdp);
  assert.equal(reinviteAnswer.id, offer.id);
  assert.ok(reinviteAnswer.version > offer.version, `${reinviteAnswer.version} > ${offer.version}`);
});

test('a trunk with T.38 off: G.711 offered alone, the far end re-INVITE to T.38 refused 488, the fax goes on G.711', async () => {
  const receiver = simulator.receive({ number: '+15555550198', requestT38AfterMs: 300 });
  const tiffPath = join(dir, 'g711-only.tif');
  writeFaxTiff(tiffPath, [drawSyntheticPage({ seed: 8 })]);
  const outcome = await new SipCallPlacer(ua, () => engine).place({
    ref: 'placer-g711-only',
    target: { host: '127.0.0.1', port: simulator.sipPort, transport: 'udp' },
    from: '+15555550123',
    to: '+15555550198',
    t38: false,
    codecs: ['pcmu'],
    tiffPath,
    startPage: 0,
    ringTimeoutMs: 10_000,
  });
  assert.ok(outcome.answered);
  assert.equal(outcome.completion.ok, true, outcome.completion.text);
  assert.equal(outcome.transport, 'audio');
  const [faxed] = await receiver.settled(1);
  assert.equal(faxed.offer, 'audio', 'no T.38 in our INVITE');
  assert.equal(faxed.transport, 'audio');
  assert.equal(faxed.switchedToT38By, undefined, 'its re-INVITE to T.38 was refused');
  assert.equal(faxed.fax?.ok, true);
});
