// Transaction timers (RFC 3261 §17) observed on the wire with T1 shrunk to 20 ms: retransmission
// schedules, timeouts, and absorption of retransmitted requests.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { createRequest, type SipResponse } from '../../src/telephony/sip/message.ts';
import { parseMessage } from '../../src/telephony/sip/parser.ts';
import { TransactionLayer, TransactionState } from '../../src/telephony/sip/transaction.ts';
import { defaultTransportConfig, SipTransport } from '../../src/telephony/sip/transport.ts';
import { sipRequest, testLogger } from './support.ts';

const timers = { t1: 20, t2: 160, t4: 200 };

describe('transactions', { timeout: 20_000 }, () => {
  let transport: SipTransport;
  let layer: TransactionLayer;
  let peer: dgram.Socket;
  let peerPort: number;
  const seen: { at: number; text: string }[] = [];
  before(async () => {
    transport = new SipTransport({
      ...defaultTransportConfig,
      port: 0,
      transports: ['udp'],
      logger: testLogger,
    });
    await transport.start();
    layer = new TransactionLayer(transport, timers, testLogger);
    peer = dgram.createSocket('udp4');
    peer.on('message', (m) => seen.push({ at: Date.now(), text: m.toString() }));
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    peerPort = peer.address().port;
  });
  after(async () => {
    layer.close();
    await transport.stop();
    peer.close();
  });
  const request = (method: string) =>
    createRequest(method, `sip:x@127.0.0.1:${peerPort}`, [
      { name: 'From', value: '<sip:a@127.0.0.1>;tag=1' },
      { name: 'To', value: '<sip:x@127.0.0.1>' },
      { name: 'Call-ID', value: `${Math.random()}@t` },
      { name: 'CSeq', value: `1 ${method}` },
    ]);
  const dest = () => ({ transport: 'udp' as const, address: '127.0.0.1', port: peerPort });

  test('non-INVITE: Timer E doubles up to T2, Timer F times out at 64*T1', async () => {
    seen.length = 0;
    const started = Date.now();
    const timedOut = new Promise<number>((resolve) =>
      layer.sendRequest(request('OPTIONS'), dest(), {
        onResponse: () => assert.fail('no response expected'),
        onTimeout: () => resolve(Date.now() - started),
        onTransportError: () => assert.fail('no transport error expected'),
      }),
    );
    const elapsed = await timedOut;
    assert.ok(elapsed >= 64 * timers.t1 - 5 && elapsed < 64 * timers.t1 + 300, `F fired after ${elapsed} ms`);
    const gaps = seen.slice(1).map((s, i) => s.at - seen[i].at);
    // 20, 40, 80, 160, 160, ... within 64*T1 = 1280 ms: 1 + 11 sends.
    assert.ok(seen.length >= 9 && seen.length <= 13, `sent ${seen.length} times`);
    assert.ok(gaps[0] < 40 && gaps[3] >= 140, `gaps ${gaps.join(',')}`);
    assert.ok(Math.max(...gaps) < 250, `capped at T2: ${gaps.join(',')}`);
  });

  test('INVITE: Timer A doubles without cap, a provisional stops it, non-2xx is ACKed', async () => {
    seen.length = 0;
    const responses: SipResponse[] = [];
    const req = request('INVITE');
    const tx = layer.sendRequest(req, dest(), {
      onResponse: (r) => responses.push(r),
      onTimeout: () => assert.fail('no timeout expected'),
      onTransportError: () => assert.fail('no transport error'),
    });
    await new Promise((r) => setTimeout(r, 170));
    // 0, 20, 60, 140: four sends.
    assert.equal(seen.length, 4);
    const parsed = parseMessage(Buffer.from(seen[0].text));
    assert.ok(parsed.ok && parsed.message.kind === 'request');
    const inv = parsed.message;
    const reply = (status: number) => {
      const text = [
        `SIP/2.0 ${status} X`,
        ...inv.headers
          .filter((h) => ['Via', 'From', 'Call-ID', 'CSeq'].includes(h.name))
          .map((h) => `${h.name}: ${h.value}`),
        'To: <sip:x@127.0.0.1>;tag=zz',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      peer.send(text, transport.port, '127.0.0.1');
    };
    reply(180);
    await new Promise((r) => setTimeout(r, 200));
    const afterProvisional = seen.length;
    assert.equal(afterProvisional, 4, 'no retransmission after 180');
    assert.equal(tx.state, TransactionState.Proceeding);
    reply(486);
    reply(486);
    await new Promise((r) => setTimeout(r, 60));
    const acks = seen.filter((s) => s.text.startsWith('ACK '));
    assert.equal(acks.length, 2, 'ACK sent for the final and for its retransmission');
    assert.match(acks[0].text, /CSeq: 1 ACK/);
    assert.deepEqual(
      responses.map((r) => r.status),
      [180, 486],
    );
    assert.equal(tx.state, TransactionState.Completed);
    await new Promise((r) => setTimeout(r, 64 * timers.t1 + 50));
    assert.equal(tx.state, TransactionState.Terminated, 'Timer D');
  });

  test('INVITE server: 100 Trying at once, Timer G retransmits the final, H gives up, ACK confirms', async () => {
    seen.length = 0;
    let noAck = false;
    layer.onRequest = (_req, _src, tx) => {
      if (!tx) return;
      tx.events.onNoAck = () => {
        noAck = true;
      };
      tx.respond(tx.createResponse(486, undefined, 'srv'));
    };
    peer.send(sipRequest('INVITE', transport.port), transport.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 64 * timers.t1 + 150));
    assert.match(seen[0].text, /^SIP\/2.0 100 Trying/);
    const finals = seen.filter((s) => s.text.startsWith('SIP/2.0 486'));
    assert.ok(finals.length >= 8, `486 sent ${finals.length} times`);
    assert.ok(noAck, 'Timer H reported the missing ACK');
    // A retransmitted non-INVITE request gets the same final response again, not a new transaction.
    seen.length = 0;
    let calls = 0;
    layer.onRequest = (_req, _src, tx) => {
      calls++;
      tx?.respond(tx.createResponse(200));
    };
    const options = sipRequest('OPTIONS', transport.port);
    peer.send(options, transport.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 30));
    peer.send(options, transport.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(calls, 1);
    assert.equal(seen.filter((s) => s.text.startsWith('SIP/2.0 200')).length, 2);
  });
});
