// sipp (Debian sip-tester) as an independent peer against a real user agent on 127.0.0.1:
// OPTIONS, CANCEL, BYE from either side, outbound INVITE, digest REGISTER, malformed traffic.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../../scripts/free-port.ts';
import {
  answerOffer,
  buildT38Offer,
  extractMedia,
  newSdpOrigin,
} from '../../src/telephony/sdp/offer-answer.ts';
import { serializeSdp } from '../../src/telephony/sdp/session-description.ts';
import { CallEndCause, CallState } from '../../src/telephony/sip/call.ts';
import { RegistrationStatus } from '../../src/telephony/sip/registration.ts';
import type { UserAgent } from '../../src/telephony/sip/user-agent.ts';
import { runSipp, sipRequest, startUa, tcpExchange, udpExchange } from './support.ts';

function answerSdp(offer: string | undefined): string {
  const r = answerOffer(offer ?? '', { address: '127.0.0.1', origin: newSdpOrigin(), audioPort: 20000 });
  assert.ok(r.ok, 'test offer must be answerable');
  return serializeSdp(r.answer);
}

describe('sipp as the peer', { timeout: 60_000 }, () => {
  let ua: UserAgent;
  before(async () => {
    // Real-world T1 here: sipp retransmits on its own schedule.
    ua = await startUa({ timers: { t1: 500, t2: 4000, t4: 5000 } });
  });
  after(async () => {
    await ua.stop();
  });
  const uac = async (scenario: string, transport: 'u1' | 't1' = 'u1') =>
    runSipp(scenario, [
      '-i',
      '127.0.0.1',
      '-p',
      String(await freePort('udp')),
      '-t',
      transport,
      `127.0.0.1:${ua.port}`,
    ]).done;

  for (const transport of ['u1', 't1'] as const) {
    test(`OPTIONS over ${transport === 'u1' ? 'UDP' : 'TCP'} is answered 200 with Allow and Supported`, async () => {
      const r = await uac('uac-options.xml', transport);
      assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    });
  }

  test('INVITE then CANCEL: 200 to the CANCEL, 487 to the INVITE, cancel event', async () => {
    const offered = ua.next('invite');
    const sipp = uac('uac-invite-cancel.xml');
    const call = await offered;
    assert.equal(call.toUser, '+15550100');
    assert.equal(call.fromUser, '+15557654321');
    assert.equal(call.source.address, '127.0.0.1');
    const cancelled = call.next('cancel');
    call.ringing();
    await cancelled;
    const r = await sipp;
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    assert.equal(call.termination?.cause, CallEndCause.Cancelled);
    assert.equal(call.termination?.status, 487);
  });

  for (const transport of ['u1', 't1'] as const) {
    test(`INVITE answered with SDP, then BYE from sipp (${transport === 'u1' ? 'UDP' : 'TCP'})`, async () => {
      const offered = ua.next('invite');
      const sipp = uac('uac-invite-bye.xml', transport);
      const call = await offered;
      const media = extractMedia(call.sdpOffer ?? '');
      assert.equal(media?.kind === 'audio' && media.codec, 'PCMA');
      // sipp sends BYE right behind its ACK (one TCP read can carry both): read the state the
      // moment the ACK is handled, not after an await.
      let stateAtAck: CallState | undefined;
      call.once('ack', () => {
        stateAtAck = call.state;
      });
      const ended = call.next('terminated');
      call.answer(answerSdp(call.sdpOffer));
      const t = await ended;
      assert.equal(stateAtAck, CallState.Confirmed);
      assert.deepEqual(t, { cause: CallEndCause.NormalClearing, status: 200, by: 'remote' });
      const r = await sipp;
      assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    });
  }

  test('INVITE answered with SDP, then BYE from our side', async () => {
    const offered = ua.next('invite');
    const sipp = uac('uac-invite-remote-bye.xml');
    const call = await offered;
    const acked = call.next('ack');
    call.answer(answerSdp(call.sdpOffer));
    await acked;
    await call.bye();
    assert.equal(call.termination?.by, 'local');
    const r = await sipp;
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  });

  test('outbound INVITE to a sipp UAS: caller ID, T.38 answer, BYE from us', async () => {
    const port = await freePort('udp');
    const sipp = runSipp('uas-answer.xml', ['-i', '127.0.0.1', '-p', String(port), '-mp', String(port + 2)]);
    const call = ua.invite({
      to: `sip:+15550199@127.0.0.1:${port}`,
      from: 'sip:+15557654321@127.0.0.1',
      callerId: 'FaxSeal',
      pAssertedIdentity: 'sip:+15557654321@127.0.0.1',
      sdpOffer: serializeSdp(buildT38Offer({ address: '127.0.0.1', port: 20002, origin: newSdpOrigin() })),
      target: { host: '127.0.0.1', port },
    });
    const outcome = await call.result;
    assert.ok(outcome.answered, JSON.stringify(outcome));
    const media = extractMedia(outcome.sdpAnswer);
    assert.equal(media?.kind, 't38');
    assert.equal(media?.kind === 't38' && media.t38.maxDatagram, 400);
    await new Promise((r) => setTimeout(r, 100));
    await call.bye();
    const r = await sipp.done;
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  });

  test('REGISTER answers a 401 digest challenge that sipp verifies', async () => {
    const port = await freePort('udp');
    const sipp = runSipp('uas-register-auth.xml', ['-i', '127.0.0.1', '-p', String(port)]);
    await new Promise((r) => setTimeout(r, 200));
    const reg = ua.register({
      registrar: { host: '127.0.0.1', port },
      aor: 'sip:fax@registrar.test',
      credentials: { username: 'fax', password: 's3cret' },
      expires: 300,
    });
    const statuses: RegistrationStatus[] = [];
    reg.on('status', (s) => statuses.push(s.status));
    const state = await reg.start();
    reg.stop();
    assert.equal(state.status, RegistrationStatus.Registered, JSON.stringify(state));
    assert.equal(state.expires, 120);
    assert.deepEqual(statuses, [RegistrationStatus.Registering, RegistrationStatus.Registered]);
    const r = await sipp.done;
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  });

  test('wrong password: the registrar refuses and the status is failed', async () => {
    const port = await freePort('udp');
    const sipp = runSipp('uas-register-auth.xml', ['-i', '127.0.0.1', '-p', String(port)]);
    await new Promise((r) => setTimeout(r, 200));
    const reg = ua.register({
      registrar: { host: '127.0.0.1', port },
      aor: 'sip:fax@registrar.test',
      credentials: { username: 'fax', password: 'wrong' },
    });
    const state = await reg.start();
    reg.stop();
    assert.equal(state.status, RegistrationStatus.Failed);
    assert.equal(state.code, 403);
    await sipp.done;
  });

  describe('malformed traffic never crashes the user agent', () => {
    const firstLine = (s: string | undefined) => s?.split('\r\n')[0];
    test('UDP: garbage dropped, bad requests answered with 400/413/513/505', async () => {
      assert.deepEqual(await udpExchange(ua.port, Buffer.from([0, 1, 2, 3, 255, 254, 10, 13])), []);
      assert.deepEqual(await udpExchange(ua.port, 'hello world\r\n\r\n'), []);
      const noCallId = sipRequest('OPTIONS', ua.port).replace(/Call-ID: .*\r\n/, '');
      assert.equal(firstLine((await udpExchange(ua.port, noCallId))[0]), 'SIP/2.0 400 Bad Request');
      const noVia = sipRequest('OPTIONS', ua.port).replace(/Via: .*\r\n/, '');
      assert.equal(firstLine((await udpExchange(ua.port, noVia))[0]), 'SIP/2.0 400 Bad Request');
      const huge = sipRequest('OPTIONS', ua.port, { extra: [`X-Huge: ${'a'.repeat(10000)}`] });
      assert.equal(firstLine((await udpExchange(ua.port, huge))[0]), 'SIP/2.0 400 Bad Request');
      const many = sipRequest('OPTIONS', ua.port, { extra: Array(300).fill('X-Many: 1') });
      assert.equal(firstLine((await udpExchange(ua.port, many))[0]), 'SIP/2.0 400 Bad Request');
      const shortBody = sipRequest('INVITE', ua.port, { body: 'v=0\r\n' }).replace(
        'Content-Length: 5',
        'Content-Length: 500',
      );
      assert.equal(firstLine((await udpExchange(ua.port, shortBody))[0]), 'SIP/2.0 400 Bad Request');
      const badLength = sipRequest('OPTIONS', ua.port).replace('Content-Length: 0', 'Content-Length: abc');
      assert.equal(firstLine((await udpExchange(ua.port, badLength))[0]), 'SIP/2.0 400 Bad Request');
      const bigBody = sipRequest('MESSAGE', ua.port, { body: 'x'.repeat(40000) });
      assert.equal(
        firstLine((await udpExchange(ua.port, bigBody))[0]),
        'SIP/2.0 413 Request Entity Too Large',
      );
      const v3 = sipRequest('OPTIONS', ua.port).replace('SIP/2.0\r\n', 'SIP/3.0\r\n');
      assert.equal(firstLine((await udpExchange(ua.port, v3))[0]), 'SIP/2.0 505 Version Not Supported');
      // A malformed response is dropped, never answered.
      assert.deepEqual(await udpExchange(ua.port, 'SIP/2.0 200 OK\r\nVia: broken\r\n\r\n'), []);
      // Unknown method 501, known but unsupported 405, in-dialog for an unknown dialog 481.
      assert.equal(
        firstLine((await udpExchange(ua.port, sipRequest('FROB', ua.port)))[0]),
        'SIP/2.0 501 Not Implemented',
      );
      assert.equal(
        firstLine((await udpExchange(ua.port, sipRequest('SUBSCRIBE', ua.port)))[0]),
        'SIP/2.0 405 Method Not Allowed',
      );
      const bye = sipRequest('BYE', ua.port).replace(/To: (.*)\r\n/, 'To: $1;tag=nope\r\n');
      assert.equal(
        firstLine((await udpExchange(ua.port, bye))[0]),
        'SIP/2.0 481 Call/Transaction Does Not Exist',
      );
    });

    test('TCP: missing or bad Content-Length answered 400 and the connection closed; oversize 513', async () => {
      const noLength = sipRequest('OPTIONS', ua.port, { transport: 'TCP' }).replace(
        'Content-Length: 0\r\n',
        '',
      );
      let r = await tcpExchange(ua.port, noLength);
      assert.equal(firstLine(r.data), 'SIP/2.0 400 Bad Request');
      assert.ok(r.closed);
      r = await tcpExchange(
        ua.port,
        sipRequest('OPTIONS', ua.port, { transport: 'TCP' }).replace(
          'Content-Length: 0',
          'Content-Length: -5',
        ),
      );
      assert.equal(firstLine(r.data), 'SIP/2.0 400 Bad Request');
      r = await tcpExchange(ua.port, `OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nX-Flood: ${'a'.repeat(70000)}`);
      assert.equal(firstLine(r.data), 'SIP/2.0 513 Message Too Large');
      assert.ok(r.closed);
      r = await tcpExchange(ua.port, Buffer.alloc(80000, 0x41));
      assert.equal(r.data, '');
      assert.ok(r.closed);
      // Two pipelined valid requests on one connection both get answers.
      const two =
        sipRequest('OPTIONS', ua.port, { transport: 'TCP' }) +
        sipRequest('OPTIONS', ua.port, { transport: 'TCP' });
      r = await tcpExchange(ua.port, two);
      assert.equal(r.data.match(/SIP\/2.0 200 OK/g)?.length, 2);
    });

    test('after all that, sipp still gets its OPTIONS answered', async () => {
      const r = await uac('uac-options.xml');
      assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    });
  });
});
