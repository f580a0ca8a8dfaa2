import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  answerOffer,
  buildAudioOffer,
  buildT38Offer,
  extractMedia,
  newSdpOrigin,
} from '../../src/telephony/sdp/offer-answer.ts';
import { serializeSdp } from '../../src/telephony/sdp/session-description.ts';
import { CallEndCause, CallState } from '../../src/telephony/sip/call.ts';
import type { IncomingCall } from '../../src/telephony/sip/incoming-call.ts';
import { SipStatus } from '../../src/telephony/sip/status.ts';
import type { UserAgent } from '../../src/telephony/sip/user-agent.ts';
import { makeTestCertificate } from '../support/tls-certificate.ts';
import { startUa } from './support.ts';
import { VirtualClock } from './virtual-clock.ts';

const audioOffer = (port: number) =>
  serializeSdp(buildAudioOffer({ address: '127.0.0.1', port, origin: newSdpOrigin() }));

function answerFor(offer: string | undefined, port: number): string {
  const r = answerOffer(offer ?? '', {
    address: '127.0.0.1',
    origin: newSdpOrigin(),
    audioPort: port,
    t38Port: port + 2,
  });
  assert.ok(r.ok);
  return serializeSdp(r.answer);
}

for (const transport of ['udp', 'tcp', 'tls'] as const) {
  describe(`user agent to user agent over ${transport}`, { timeout: 20_000 }, () => {
    let alice: UserAgent;
    let bob: UserAgent;
    before(async () => {
      // Over TLS each side presents a self-signed certificate and trusts the other's (the same one here).
      const certificate = transport === 'tls' ? makeTestCertificate() : undefined;
      const tls = certificate && {
        cert: certificate.cert,
        key: certificate.key,
        port: 0,
        ca: certificate.cert,
      };
      alice = await startUa({ tls });
      // Bob asks for a session timer; at 90 s no refresh falls inside a test, however slow the machine (the
      // refreshes themselves are tested on a virtual clock below).
      bob = await startUa({ tls, sessionTimer: { enabled: true, sessionExpires: 90, minSE: 1 } });
    });
    after(async () => {
      await alice.stop();
      await bob.stop();
    });
    const target = () => ({ host: '127.0.0.1', port: bob.transport.portOf(transport), transport });
    /** Bob's URI for `user`: sips over TLS (RFC 5630), so TLS is asked for on every hop. */
    const bobUri = (user: string) =>
      `${transport === 'tls' ? 'sips' : 'sip'}:${user}@127.0.0.1:${bob.transport.portOf(transport)}`;

    test('call answered, re-INVITE to T.38 from the caller, BYE from the callee', async () => {
      bob.once('invite', (call) => {
        assert.equal(call.toUser, '+15550100');
        assert.equal(call.source.address, '127.0.0.1');
        assert.equal(call.source.transport, transport);
        call.ringing();
        call.answer(answerFor(call.sdpOffer, 30000));
      });
      const call = alice.invite({
        to: bobUri('+15550100'),
        from: 'sip:+15557654321@127.0.0.1',
        callerId: 'FaxSeal',
        pAssertedIdentity: 'sip:+15557654321@127.0.0.1',
        sdpOffer: audioOffer(40000),
        target: target(),
      });
      const ringing = call.next('provisional');
      const outcome = await call.result;
      assert.equal((await ringing).status, 180);
      assert.ok(outcome.answered);
      const media = extractMedia(outcome.sdpAnswer);
      assert.equal(media?.kind, 'audio');
      assert.equal(media?.port, 30000);

      const bobCall = bob.activeCalls[0] as IncomingCall;
      if (bobCall.state !== CallState.Confirmed) await bobCall.next('ack');
      bobCall.once('reinvite', (r) => r.accept(answerFor(r.sdpOffer, 30000)));
      const t38 = await call.reinvite(
        serializeSdp(buildT38Offer({ address: '127.0.0.1', port: 40002, origin: newSdpOrigin() })),
      );
      assert.ok(t38.ok);
      assert.equal(extractMedia(t38.sdpAnswer)?.kind, 't38');

      const ended = call.next('terminated');
      await bobCall.bye();
      const t = await ended;
      assert.equal(t.cause, CallEndCause.NormalClearing);
      assert.equal(t.by, 'remote');
      assert.equal(bobCall.termination?.by, 'local');
    });

    test('re-INVITE from the callee refused with 488 keeps the call', async () => {
      bob.once('invite', (call) => call.answer(answerFor(call.sdpOffer, 30000)));
      const call = alice.invite({
        to: bobUri('fax'),
        from: 'sip:a@127.0.0.1',
        sdpOffer: audioOffer(40000),
        target: target(),
      });
      assert.ok((await call.result).answered);
      const bobCall = bob.activeCalls[0] as IncomingCall;
      if (bobCall.state !== CallState.Confirmed) await bobCall.next('ack');
      call.once('reinvite', (r) => r.reject());
      const r = await bobCall.reinvite(
        serializeSdp(buildT38Offer({ address: '127.0.0.1', port: 30002, origin: newSdpOrigin() })),
      );
      assert.deepEqual(r, { ok: false, status: 488, reason: 'Not Acceptable Here' });
      assert.equal(call.state, CallState.Confirmed);
      const ended = bobCall.next('terminated');
      await call.bye();
      assert.equal((await ended).cause, CallEndCause.NormalClearing);
    });

    test('CANCEL before the answer gives 487 and a cancelled call on both sides', async () => {
      const offered = bob.next('invite');
      const call = alice.invite({
        to: bobUri('fax'),
        from: 'sip:a@127.0.0.1',
        sdpOffer: audioOffer(40000),
        target: target(),
      });
      const incoming = await offered;
      incoming.ringing();
      await call.next('provisional');
      const cancelled = incoming.next('cancel');
      call.cancel();
      const outcome = await call.result;
      assert.deepEqual(outcome, {
        answered: false,
        status: 487,
        reason: 'Request Terminated',
        cause: CallEndCause.Cancelled,
      });
      await cancelled;
      assert.equal(incoming.termination?.cause, CallEndCause.Cancelled);
    });

    test('rejection reaches the caller with its status', async () => {
      bob.once('invite', (call) => call.reject(SipStatus.BusyHere));
      const call = alice.invite({
        to: bobUri('fax'),
        from: 'sip:a@127.0.0.1',
        sdpOffer: audioOffer(40000),
        target: target(),
      });
      const outcome = await call.result;
      assert.equal(outcome.answered, false);
      assert.equal(outcome.status, 486);
    });

    test('session timer roles: the callee refreshes when the caller leaves it open', async () => {
      bob.once('invite', (call) => call.answer(answerFor(call.sdpOffer, 30000)));
      const call = alice.invite({
        to: bobUri('fax'),
        from: 'sip:a@127.0.0.1',
        sdpOffer: audioOffer(40000),
        target: target(),
      });
      assert.ok((await call.result).answered);
      const bobCall = bob.activeCalls[0] as IncomingCall;
      let refreshes = 0;
      bobCall.on('refreshed', () => refreshes++);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(bobCall.weRefresh, true);
      assert.equal(call.weRefresh, false);
      await call.bye();
      assert.equal(refreshes, 0);
    });
  });
}

describe('session timers with short intervals, on a virtual clock', { timeout: 30_000 }, () => {
  // Messages go over real loopback sockets; the session and transaction timers of both sides run on one
  // virtual clock that only the test moves, so no refresh can be late because the machine is busy.
  const shortTimers = { enabled: true, sessionExpires: 2, minSE: 1 };
  const callOnVirtualClock = async (clock: VirtualClock) => {
    const caller = await startUa({ clock, sessionTimer: shortTimers });
    const callee = await startUa({ clock, sessionTimer: shortTimers });
    callee.once('invite', (call) => call.answer(answerFor(call.sdpOffer, 30000)));
    const call = caller.invite({
      to: `sip:fax@127.0.0.1:${callee.port}`,
      from: 'sip:a@127.0.0.1',
      sdpOffer: audioOffer(40000),
      target: { host: '127.0.0.1', port: callee.port },
    });
    assert.ok((await call.result).answered);
    const incoming = callee.activeCalls[0];
    if (incoming.state !== CallState.Confirmed) await incoming.next('ack');
    return { caller, callee, call, incoming, stop: () => Promise.all([caller.stop(), callee.stop()]) };
  };

  test('the refresher refreshes a 2 s session every 1 s (half the interval) and keeps it alive for 10 s', async () => {
    const clock = new VirtualClock();
    const { call, incoming, stop } = await callOnVirtualClock(clock);
    try {
      // RFC 4028 §9: the callee refreshes when the caller names no refresher.
      assert.equal(incoming.weRefresh, true);
      assert.equal(call.weRefresh, false);
      for (let i = 0; i < 10; i++) {
        const refreshed = Promise.all([incoming.next('refreshed'), call.next('refreshed')]);
        clock.advance(999);
        assert.equal(clock.now % 1000, 999);
        clock.advance(1);
        const [local, remote] = await refreshed;
        assert.equal(local.by, 'local');
        assert.equal(remote.by, 'remote');
      }
      assert.equal(call.state, CallState.Confirmed);
      assert.equal(incoming.state, CallState.Confirmed);
      await call.bye();
    } finally {
      await stop();
    }
  });

  test('the other side expires the session at interval − interval/3 when the refresher goes silent', async () => {
    const clock = new VirtualClock();
    const { call, incoming, stop } = await callOnVirtualClock(clock);
    try {
      // Silence the refresher: its session timer's refresh routine becomes a no-op.
      (incoming as unknown as { timer: { refresh: () => void } }).timer.refresh = () => {};
      const ended = call.next('terminated');
      clock.advance(1333);
      assert.equal(call.state, CallState.Confirmed, 'still up at 1.333 s');
      clock.advance(1);
      assert.equal((await ended).cause, CallEndCause.SessionExpired);
    } finally {
      await stop();
    }
  });

  test('422 when Session-Expires is below Min-SE, then the caller retries with Min-SE', async () => {
    const caller = await startUa({ sessionTimer: { enabled: true, sessionExpires: 30, minSE: 1 } });
    const callee = await startUa({ sessionTimer: { enabled: true, sessionExpires: 1800, minSE: 90 } });
    try {
      callee.once('invite', (call) => call.answer(answerFor(call.sdpOffer, 30000)));
      const call = caller.invite({
        to: `sip:fax@127.0.0.1:${callee.port}`,
        from: 'sip:a@127.0.0.1',
        sdpOffer: audioOffer(40000),
        target: { host: '127.0.0.1', port: callee.port },
      });
      assert.ok((await call.result).answered);
      assert.equal(call.sessionInterval, 90);
      await call.bye();
    } finally {
      await caller.stop();
      await callee.stop();
    }
  });
});

describe('outbound failures', { timeout: 20_000 }, () => {
  test('no answer at all: Timer B ends the call with request_timeout', async () => {
    const caller = await startUa({ timers: { t1: 20, t2: 160, t4: 200 } });
    try {
      const call = caller.invite({
        to: 'sip:x@127.0.0.1:9',
        from: 'sip:a@127.0.0.1',
        sdpOffer: audioOffer(40000),
        target: { host: '127.0.0.1', port: 9 },
      });
      const outcome = await call.result;
      assert.equal(outcome.answered, false);
      assert.equal(outcome.answered === false && outcome.cause, CallEndCause.RequestTimeout);
    } finally {
      await caller.stop();
    }
  });

  test('digest 407 on INVITE with SHA-256 is answered', async () => {
    const caller = await startUa();
    const callee = await startUa();
    try {
      let challenged = false;
      callee.on('invite', (call) => {
        const auth = call.request.headers.find((h) => h.name === 'Proxy-Authorization');
        if (!auth) {
          challenged = true;
          // Challenge as a proxy would, through the call's reject path with the header.
          const tx = (
            call as unknown as {
              tx: {
                createResponse: (s: number) => { headers: { name: string; value: string }[] };
                respond: (r: unknown) => void;
              };
            }
          ).tx;
          const res = tx.createResponse(407);
          res.headers.push({
            name: 'Proxy-Authenticate',
            value: 'Digest realm="trunk", nonce="n1", algorithm=SHA-256, qop="auth"',
          });
          res.headers.push({
            name: 'Proxy-Authenticate',
            value: 'Digest realm="trunk", nonce="n1", algorithm=MD5, qop="auth"',
          });
          tx.respond(res);
          call.terminate({ cause: CallEndCause.Rejected, status: 407, by: 'local' });
          return;
        }
        assert.match(auth.value, /algorithm=SHA-256/);
        assert.match(auth.value, /username="fax"/);
        call.answer(answerFor(call.sdpOffer, 30000));
      });
      const call = caller.invite({
        to: `sip:fax@127.0.0.1:${callee.port}`,
        from: 'sip:a@127.0.0.1',
        sdpOffer: audioOffer(40000),
        target: { host: '127.0.0.1', port: callee.port },
        credentials: { username: 'fax', password: 'secret' },
      });
      assert.ok((await call.result).answered);
      assert.ok(challenged);
      await call.bye();
    } finally {
      await caller.stop();
      await callee.stop();
    }
  });
});
