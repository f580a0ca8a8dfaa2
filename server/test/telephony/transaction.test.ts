// Transaction timers (RFC 3261 §17) on a virtual clock with the real T1/T2/T4 (500 ms, 4 s, 5 s): every
// retransmission and timeout of Timers A, B, D, E, F, G, H, I, J and K at its exact virtual time. Messages go
// over real UDP and TCP sockets on loopback; only time is virtual, so a busy machine cannot skew a count.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { SipLogger } from '../../src/telephony/sip/logger.ts';
import { createRequest, type SipResponse } from '../../src/telephony/sip/message.ts';
import { parseMessage } from '../../src/telephony/sip/parser.ts';
import {
  defaultTimers,
  ServerTransaction,
  TransactionLayer,
  TransactionState,
} from '../../src/telephony/sip/transaction.ts';
import { defaultTransportConfig, SipTransport } from '../../src/telephony/sip/transport.ts';
import { sipRequest } from './support.ts';
import { VirtualClock } from './virtual-clock.ts';

const { t1, t2, t4 } = defaultTimers;

/** Every message the transport sent, with the virtual time it was handed to the socket. */
interface Sent {
  at: number;
  firstLine: string;
}

let clock: VirtualClock;
const sent: Sent[] = [];
/** The transport logs each send synchronously at debug: that is when the timer fired, in virtual time. */
const recordingLogger: SipLogger = {
  debug: (o, msg) => {
    if (msg !== 'sip send') return;
    const text = (o as { message: string }).message;
    sent.push({ at: clock.now, firstLine: text.split('\r\n')[0] });
  },
  info() {},
  warn() {},
  error() {},
};

/** Waits (in real time, for the loopback round trip) until the condition holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 5000 && !condition(); i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

const times = (prefix: string) => sent.filter((s) => s.firstLine.startsWith(prefix)).map((s) => s.at);

describe('transaction timers on a virtual clock', { timeout: 60_000 }, () => {
  let transport: SipTransport;
  let layer: TransactionLayer;
  let peer: dgram.Socket;
  let peerPort: number;
  const received: string[] = [];
  let tcpPeer: net.Server;
  const tcpReceived: string[] = [];

  before(async () => {
    clock = new VirtualClock();
    transport = new SipTransport({ ...defaultTransportConfig, port: 0, logger: recordingLogger });
    await transport.start();
    layer = new TransactionLayer(transport, defaultTimers, recordingLogger, clock);
    peer = dgram.createSocket('udp4');
    peer.on('message', (m) => received.push(m.toString()));
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    peerPort = peer.address().port;
    tcpPeer = net.createServer((s) => s.on('data', (d) => tcpReceived.push(d.toString())));
    await new Promise<void>((r) => tcpPeer.listen(0, '127.0.0.1', () => r()));
  });
  after(async () => {
    layer.close();
    await transport.stop();
    peer.close();
    await new Promise((r) => tcpPeer.close(r));
  });
  beforeEach(() => {
    sent.length = 0;
    received.length = 0;
    clock.advance(1_000_000); // a fresh epoch: nothing left over from the previous test fires later
    sent.length = 0;
  });

  let callId = '';
  /** A request with a fresh Call-ID; `mine()` are the peer's datagrams of that call (earlier tests' stragglers excluded). */
  const request = (method: string) => {
    callId = `${Math.random()}@t`;
    return createRequest(method, `sip:x@127.0.0.1:${peerPort}`, [
      { name: 'From', value: '<sip:a@127.0.0.1>;tag=1' },
      { name: 'To', value: '<sip:x@127.0.0.1>' },
      { name: 'Call-ID', value: callId },
      { name: 'CSeq', value: `1 ${method}` },
    ]);
  };
  const mine = () => received.filter((m) => m.includes(`\r\nCall-ID: ${callId}\r\n`));
  const udpPeer = () => ({ transport: 'udp' as const, address: '127.0.0.1', port: peerPort });

  /**
   * The peer answers the last request it received with `status` (To tagged). ACKs are skipped: a retransmitted
   * final answers the INVITE, whether or not our ACK for the first one has reached the peer yet.
   */
  function reply(status: number, to: 'udp' = 'udp'): void {
    const parsed = parseMessage(
      Buffer.from(
        mine()
          .filter((m) => !m.startsWith('ACK '))
          .at(-1)!,
      ),
    );
    assert.ok(parsed.ok && parsed.message.kind === 'request');
    const text = [
      `SIP/2.0 ${status} X`,
      ...parsed.message.headers
        .filter((h) => ['Via', 'From', 'Call-ID', 'CSeq'].includes(h.name))
        .map((h) => `${h.name}: ${h.value}`),
      'To: <sip:x@127.0.0.1>;tag=zz',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    if (to === 'udp') peer.send(text, transport.port, '127.0.0.1');
  }

  /** Virtual times relative to the test's start. */
  const relative = (list: number[], start: number) => list.map((at) => at - start);

  test('non-INVITE client over UDP: Timer E doubles from T1 to T2, Timer F gives up at 64*T1', async () => {
    const start = clock.now;
    let timedOutAt: number | undefined;
    layer.sendRequest(request('OPTIONS'), udpPeer(), {
      onResponse: () => assert.fail('no response expected'),
      onTimeout: () => {
        timedOutAt = clock.now;
      },
      onTransportError: () => assert.fail('no transport error expected'),
    });
    clock.advance(64 * t1 - 1);
    assert.equal(timedOutAt, undefined, 'Timer F not before 64*T1');
    clock.advance(1);
    assert.equal(timedOutAt, start + 64 * t1, 'Timer F at 64*T1');
    // 0, then +T1, +2T1, +4T1, then every T2 = 4 s: 0.5, 1.5, 3.5, 7.5 … 31.5 s.
    assert.deepEqual(
      relative(times('OPTIONS'), start),
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
    );
    clock.advance(10 * t2);
    assert.equal(times('OPTIONS').length, 11, 'nothing after Timer F');
    await until(() => mine().length === 11, 'all 11 datagrams at the peer');
  });

  test('non-INVITE client: a provisional moves Timer E to T2, the final stops it, Timer K is T4', async () => {
    const start = clock.now;
    const responses: number[] = [];
    const tx = layer.sendRequest(request('OPTIONS'), udpPeer(), {
      onResponse: (r) => responses.push(r.status),
      onTimeout: () => assert.fail('no timeout expected'),
      onTransportError: () => assert.fail('no transport error'),
    });
    clock.advance(600); // sends at 0 and 500
    await until(() => mine().length === 2, 'two sends');
    reply(100);
    await until(() => tx.state === TransactionState.Proceeding, 'Proceeding');
    clock.advance(1500 + 2 * t2 - 600); // E fires at 1500 (in Proceeding), then every T2: 5500, 9500
    assert.deepEqual(relative(times('OPTIONS'), start), [0, 500, 1500, 5500, 9500]);
    reply(200);
    await until(() => tx.state === TransactionState.Completed, 'Completed');
    const completedAt = clock.now;
    clock.advance(t4 - 1);
    assert.equal(tx.state, TransactionState.Completed, 'Timer K not before T4');
    clock.advance(1);
    assert.equal(tx.state, TransactionState.Terminated, 'Timer K at T4');
    assert.equal(clock.now - completedAt, t4);
    assert.equal(times('OPTIONS').length, 5, 'no retransmission after the final');
    assert.deepEqual(responses, [100, 200]);
  });

  test('INVITE client over UDP: Timer A doubles without cap, Timer B gives up at 64*T1', () => {
    const start = clock.now;
    let timedOutAt: number | undefined;
    layer.sendRequest(request('INVITE'), udpPeer(), {
      onResponse: () => assert.fail('no response expected'),
      onTimeout: () => {
        timedOutAt = clock.now;
      },
      onTransportError: () => assert.fail('no transport error'),
    });
    clock.advance(64 * t1);
    assert.deepEqual(relative(times('INVITE'), start), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(timedOutAt, start + 64 * t1, 'Timer B at 64*T1');
  });

  test('INVITE client: a provisional stops Timer A, a non-2xx is ACKed (again for its retransmission), Timer D is 32 s', async () => {
    const start = clock.now;
    const responses: SipResponse[] = [];
    const tx = layer.sendRequest(request('INVITE'), udpPeer(), {
      onResponse: (r) => responses.push(r),
      onTimeout: () => assert.fail('no timeout expected'),
      onTransportError: () => assert.fail('no transport error'),
    });
    clock.advance(1000); // sends at 0 and 500
    await until(() => mine().length === 2, 'two INVITEs');
    reply(180);
    await until(() => tx.state === TransactionState.Proceeding, 'Proceeding');
    clock.advance(20_000);
    assert.deepEqual(relative(times('INVITE'), start), [0, 500], 'Timer A stopped by the 180');
    reply(486);
    await until(() => tx.state === TransactionState.Completed, 'Completed');
    // The first ACK reaches the peer before the retransmitted 486 leaves it (on a busy machine it may or may
    // not have; waiting makes that order the one tested every time).
    await until(() => mine().some((m) => m.startsWith('ACK ')), 'the first ACK at the peer');
    reply(486);
    await until(() => times('ACK').length === 2, 'the second ACK');
    const completedAt = clock.now;
    await until(() => mine().filter((m) => m.startsWith('ACK ')).length === 2, 'ACKs at the peer');
    assert.match(mine().find((m) => m.startsWith('ACK '))!, /CSeq: 1 ACK/);
    assert.deepEqual(
      responses.map((r) => r.status),
      [180, 486],
      'the retransmitted 486 is absorbed',
    );
    clock.advance(32_000 - 1);
    assert.equal(tx.state, TransactionState.Completed, 'Timer D not before 32 s');
    clock.advance(1);
    assert.equal(tx.state, TransactionState.Terminated, 'Timer D at 32 s');
    assert.equal(clock.now - completedAt, 32_000);
  });

  test('INVITE client over TCP: no retransmission, Timer B still 64*T1', async () => {
    const tcpPort = (tcpPeer.address() as net.AddressInfo).port;
    const start = clock.now;
    let timedOutAt: number | undefined;
    layer.sendRequest(
      request('INVITE'),
      { transport: 'tcp', address: '127.0.0.1', port: tcpPort },
      {
        onResponse: () => assert.fail('no response expected'),
        onTimeout: () => {
          timedOutAt = clock.now;
        },
        onTransportError: (err) => assert.fail(`no transport error: ${err}`),
      },
    );
    await until(() => tcpReceived.join('').includes('INVITE '), 'the INVITE over TCP');
    clock.advance(64 * t1);
    assert.deepEqual(relative(times('INVITE'), start), [0], 'reliable transport: sent once');
    assert.equal(timedOutAt, start + 64 * t1);
  });

  /** The next request the layer hands the TU, with its server transaction. */
  function nextServerTx(answer: (tx: ServerTransaction) => void): Promise<ServerTransaction> {
    return new Promise((resolve) => {
      layer.onRequest = (_req, _src, tx) => {
        if (!(tx instanceof ServerTransaction)) return;
        answer(tx);
        resolve(tx);
      };
    });
  }

  test('INVITE server: 100 Trying at once, Timer G retransmits the final from T1 to T2, Timer H reports no ACK at 64*T1', async () => {
    let noAckAt: number | undefined;
    const serverTx = nextServerTx((tx) => {
      tx.events.onNoAck = () => {
        noAckAt = clock.now;
      };
      tx.respond(tx.createResponse(486, undefined, 'srv'));
    });
    const invite = sipRequest('INVITE', transport.port, { extra: ['Timestamp: 54.5'] });
    peer.send(invite, transport.port, '127.0.0.1');
    const tx = await serverTx;
    const start = clock.now;
    assert.match(sent[0].firstLine, /^SIP\/2.0 100 Trying/);
    await until(() => received.some((m) => m.startsWith('SIP/2.0 100')), 'the 100 at the peer');
    assert.match(received.find((m) => m.startsWith('SIP/2.0 100'))!, /\r\nTimestamp: 54.5\r\n/);
    clock.advance(64 * t1 - 1);
    assert.equal(noAckAt, undefined);
    clock.advance(1);
    assert.equal(noAckAt, start + 64 * t1, 'Timer H at 64*T1');
    assert.equal(tx.state, TransactionState.Terminated);
    // 486 at 0, then G: +0.5, +1, +2, +4, then every T2: 0.5, 1.5, 3.5, 7.5 … 31.5 s.
    assert.deepEqual(
      relative(times('SIP/2.0 486'), start),
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
    );
  });

  test('INVITE server: the ACK stops Timer G, Timer I absorbs ACK retransmissions for T4', async () => {
    const serverTx = nextServerTx((tx) => tx.respond(tx.createResponse(486, undefined, 'srv')));
    const invite = sipRequest('INVITE', transport.port);
    peer.send(invite, transport.port, '127.0.0.1');
    const tx = await serverTx;
    const start = clock.now;
    clock.advance(600); // 486 at 0 and 500
    const ack = invite
      .replace(/^INVITE /, 'ACK ')
      .replace('CSeq: 1 INVITE', 'CSeq: 1 ACK')
      .replace(/To: (.*)\r\n/, 'To: $1;tag=srv\r\n');
    peer.send(ack, transport.port, '127.0.0.1');
    await until(() => tx.state === TransactionState.Confirmed, 'Confirmed');
    const confirmedAt = clock.now;
    peer.send(ack, transport.port, '127.0.0.1');
    clock.advance(t4 - 1);
    assert.equal(tx.state, TransactionState.Confirmed, 'Timer I not before T4');
    clock.advance(1);
    assert.equal(tx.state, TransactionState.Terminated, 'Timer I at T4');
    assert.equal(clock.now - confirmedAt, t4);
    assert.deepEqual(relative(times('SIP/2.0 486'), start), [0, 500], 'no 486 after the ACK');
  });

  test('INVITE server 2xx: retransmitted from T1 to T2 until the ACK, Timer L ends it at 64*T1', async () => {
    const serverTx = nextServerTx((tx) => tx.respond(tx.createResponse(200, undefined, 'srv')));
    peer.send(sipRequest('INVITE', transport.port), transport.port, '127.0.0.1');
    const tx = await serverTx;
    const start = clock.now;
    clock.advance(3600);
    assert.deepEqual(relative(times('SIP/2.0 200'), start), [0, 500, 1500, 3500]);
    tx.ackReceived(); // the TU saw the ACK (it has its own branch, outside the transaction)
    clock.advance(64 * t1 - 3600 - 1);
    assert.equal(times('SIP/2.0 200').length, 4, 'no 2xx after the ACK');
    assert.equal(tx.state, TransactionState.Accepted);
    clock.advance(1);
    assert.equal(tx.state, TransactionState.Terminated, 'Timer L at 64*T1');
  });

  test('non-INVITE server over UDP: a retransmission gets the same final, Timer J keeps it 64*T1', async () => {
    let requests = 0;
    layer.onRequest = (_req, _src, tx) => {
      requests++;
      tx?.respond(tx.createResponse(200));
    };
    const options = sipRequest('OPTIONS', transport.port);
    peer.send(options, transport.port, '127.0.0.1');
    await until(() => requests === 1, 'the OPTIONS');
    peer.send(options, transport.port, '127.0.0.1');
    await until(() => times('SIP/2.0 200').length === 2, 'the repeated 200');
    assert.equal(requests, 1, 'absorbed by the transaction');
    clock.advance(64 * t1 - 1);
    peer.send(options, transport.port, '127.0.0.1');
    await until(() => times('SIP/2.0 200').length === 3, 'the third 200');
    assert.equal(requests, 1, 'still inside Timer J');
    clock.advance(1);
    peer.send(options, transport.port, '127.0.0.1');
    await until(() => requests === 2, 'a new transaction after Timer J');
  });

  test('non-INVITE server over TCP: Timer J is zero', async () => {
    let requests = 0;
    let server: ServerTransaction | undefined;
    layer.onRequest = (_req, _src, tx) => {
      requests++;
      server = tx instanceof ServerTransaction ? tx : undefined;
      tx?.respond(tx.createResponse(200));
    };
    const socket = net.connect(transport.port, '127.0.0.1');
    socket.on('data', () => {});
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(sipRequest('OPTIONS', transport.port, { transport: 'TCP' }));
    await until(() => requests === 1, 'the OPTIONS over TCP');
    assert.equal(server?.state, TransactionState.Completed);
    clock.advance(0);
    assert.equal(server?.state, TransactionState.Terminated, 'Timer J fires at once on TCP');
    socket.destroy();
  });
});
