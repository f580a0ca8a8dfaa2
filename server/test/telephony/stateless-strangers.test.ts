// Requests from addresses no trunk allows get stateless answers (RFC 3261 §8.2.7, §17.2.1): one response
// per request, no 100 Trying, nothing resent, no transaction kept, so spoofed INVITEs are not amplified.
// A trunk's requests keep their transactions. Raw UDP sockets on loopback against the real appliance, whose
// SIP timers run on a virtual clock: 64 × T1 passes in a call, and "nothing resent" is exact.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { defaultTimers } from '../../src/telephony/sip/transaction.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';
import { VirtualClock } from './virtual-clock.ts';

const { t1 } = defaultTimers;
const SDP =
  'v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=image 9 udptl t38\r\n';

/** A UDP socket on `address` that keeps every datagram it receives, in order. */
async function peer(address: string) {
  const socket = dgram.createSocket('udp4');
  const received: string[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (m) => {
    received.push(m.toString('latin1'));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((r) => socket.bind(0, address, () => r()));
  const port = socket.address().port;
  let seq = 0;
  return {
    received,
    /** What came back for one Call-ID, as status lines. */
    statuses: (callId: string) =>
      received.filter((m) => m.includes(`\r\nCall-ID: ${callId}\r\n`)).map((m) => m.split('\r\n')[0]),
    request(method: string, to: number, o: { user?: string; callId?: string; branch?: string } = {}) {
      const callId = o.callId ?? `${method.toLowerCase()}-${++seq}-${address}@test`;
      const body = method === 'INVITE' ? SDP : '';
      const text = [
        `${method} sip:${o.user ?? 'fax'}@127.0.0.1:${to} SIP/2.0`,
        `Via: SIP/2.0/UDP ${address}:${port};branch=${o.branch ?? `z9hG4bK${callId.replace(/\W/g, '')}`};rport`,
        'Max-Forwards: 70',
        `From: <sip:tester@${address}>;tag=t${seq}`,
        `To: <sip:${o.user ?? 'fax'}@127.0.0.1:${to}>`,
        `Call-ID: ${callId}`,
        `CSeq: 1 ${method}`,
        `Contact: <sip:tester@${address}:${port}>`,
        ...(body ? ['Content-Type: application/sdp'] : []),
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n');
      return { callId, text };
    },
    send(text: string, to: number) {
      socket.send(text, to, '127.0.0.1');
    },
    /** Until `condition` holds for what was received (each datagram wakes it). */
    async until(condition: () => boolean, what: string) {
      const deadline = Date.now() + 30_000;
      while (!condition()) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    close: () => socket.close(),
  };
}
type Peer = Awaited<ReturnType<typeof peer>>;

/**
 * Everything the appliance sent `p` before now has arrived: an OPTIONS sent after it is answered after it
 * (one socket each way on loopback, in order). So a retransmission a timer caused would be in `received`.
 */
async function drained(p: Peer, port: number): Promise<void> {
  const { callId, text } = p.request('OPTIONS', port);
  p.send(text, port);
  await p.until(() => p.statuses(callId).length > 0, 'the barrier OPTIONS answered');
}

const toTag = (response: string) => /^To: .*;tag=([^;\r]+)/m.exec(response)?.[1];

describe('stateless answers to strangers', { timeout: 120_000 }, () => {
  const clock = new VirtualClock();
  let app: TestAppliance;
  let stranger: Peer;
  let trunk: Peer;
  const transactions = () => app.telephony.ua.layer.serverTransactions;
  before(async () => {
    app = await startTestAppliance({}, { telephony: { sip: { clock } } });
    // This appliance's only trunk takes calls from 127.0.0.1 alone: 127.0.0.2 is a stranger.
    const { trunks } = app.services;
    for (const t of trunks.list()) trunks.update(t.id, { allowedIps: ['127.0.0.1/32'] });
    stranger = await peer('127.0.0.2');
    trunk = await peer('127.0.0.1');
  });
  after(async () => {
    stranger?.close();
    trunk?.close();
    await app?.shutdown();
  });

  test("a stranger's INVITE: one 403 per request, no 100 Trying, nothing resent through 64 × T1", async () => {
    const held = transactions();
    const invite = stranger.request('INVITE', app.sipPort, { user: '+13125550100' });
    stranger.send(invite.text, app.sipPort);
    await stranger.until(() => stranger.statuses(invite.callId).length === 1, 'the answer');
    // The same datagram again, as the caller's Timer A would: a new request to a stateless UAS.
    stranger.send(invite.text, app.sipPort);
    await stranger.until(() => stranger.statuses(invite.callId).length === 2, 'the second answer');
    assert.equal(transactions(), held, 'no server transaction for a stranger');
    clock.advance(64 * t1 + 5000);
    await drained(stranger, app.sipPort);
    assert.deepEqual(stranger.statuses(invite.callId), ['SIP/2.0 403 Forbidden', 'SIP/2.0 403 Forbidden']);
    // A retransmission's answer has the same To tag (RFC 3261 §8.2.7), or the caller would see two dialogs.
    const answers = stranger.received.filter((m) => m.includes(invite.callId));
    assert.ok(toTag(answers[0]), answers[0]);
    assert.equal(toTag(answers[1]), toTag(answers[0]));
    // Its ACK is ignored: nothing comes back and nothing is kept.
    stranger.send(invite.text.replace(/^INVITE /, 'ACK ').replace('1 INVITE', '1 ACK'), app.sipPort);
    await drained(stranger, app.sipPort);
    assert.equal(stranger.statuses(invite.callId).length, 2);
    assert.equal(transactions(), held);
  });

  test('200 requests from a stranger: 200 answers, the transaction table does not grow', async () => {
    const held = transactions();
    const sent: { callId: string; expected: string }[] = [];
    const methods = [
      ['INVITE', 'SIP/2.0 403 Forbidden'],
      ['OPTIONS', 'SIP/2.0 200 OK'],
      ['BYE', 'SIP/2.0 481 Call/Transaction Does Not Exist'],
      ['CANCEL', 'SIP/2.0 481 Call/Transaction Does Not Exist'],
      ['REGISTER', 'SIP/2.0 405 Method Not Allowed'],
    ] as const;
    // Twenty at a time, each batch answered before the next (a burst may overflow a busy machine's buffers).
    for (let i = 0; i < 200; i++) {
      const [method, expected] = methods[i % methods.length];
      const r = stranger.request(method, app.sipPort, { user: '+13125550100' });
      stranger.send(r.text, app.sipPort);
      sent.push({ callId: r.callId, expected });
      if (i % 20 === 19)
        await stranger.until(
          () => sent.every((s) => stranger.statuses(s.callId).length > 0),
          `${i + 1} answers`,
        );
    }
    assert.equal(transactions(), held, 'no server transaction for any of them');
    clock.advance(64 * t1 + 5000);
    await drained(stranger, app.sipPort);
    for (const s of sent) assert.deepEqual(stranger.statuses(s.callId), [s.expected], s.callId);
  });

  test("a trunk's INVITE stays stateful: 100 Trying, its 404 resent from T1 until the ACK, then let go", async () => {
    const held = transactions();
    const invite = trunk.request('INVITE', app.sipPort, { user: '+13125550199' });
    trunk.send(invite.text, app.sipPort);
    await trunk.until(() => trunk.statuses(invite.callId).length === 2, '100 and 404');
    assert.deepEqual(trunk.statuses(invite.callId), ['SIP/2.0 100 Trying', 'SIP/2.0 404 Not Found']);
    assert.equal(transactions(), held + 1, 'one server transaction for the INVITE');
    // Timer G: T1, then 2 × T1 — two retransmissions of the 404 by 3 × T1.
    clock.advance(3 * t1);
    await drained(trunk, app.sipPort);
    assert.equal(trunk.statuses(invite.callId).filter((s) => s.includes('404')).length, 3);
    const ack = invite.text
      .replace(/^INVITE /, 'ACK ')
      .replace('1 INVITE', '1 ACK')
      .replace(/^To: (.*)$/m, `To: $1;tag=${toTag(trunk.received.find((m) => m.includes(' 404 '))!)}`);
    trunk.send(ack, app.sipPort);
    await drained(trunk, app.sipPort);
    // Timer I ends the INVITE's transaction, Timer J the barrier OPTIONS' (a trunk's are stateful too).
    clock.advance(64 * t1);
    assert.equal(transactions(), held, 'Timers I and J ended the transactions');
    await drained(trunk, app.sipPort);
    assert.equal(
      trunk.statuses(invite.callId).filter((s) => s.includes('404')).length,
      3,
      'none after the ACK',
    );
  });
});
