// UDPTL codec tests: wire format, redundancy trimmed to the far end's max datagram, recovery on receive.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../spandsp/synthetic-page.ts';
import { decodeUdptlPacket, encodeUdptlPacket, UdptlReceiver, UdptlSender } from './udptl.ts';

const ifp = (length: number, fill: number) => new Uint8Array(length).fill(fill);

describe('UDPTL codec', () => {
  test('encodes the T.38 Annex layout byte for byte', () => {
    const datagram = encodeUdptlPacket({
      seq: 0x0102,
      primary: Uint8Array.of(0x00, 0x01),
      secondaries: [Uint8Array.of(0xaa), Uint8Array.of(0xbb, 0xcc)],
    });
    assert.deepEqual([...datagram], [0x01, 0x02, 0x02, 0x00, 0x01, 0x00, 0x02, 0x01, 0xaa, 0x02, 0xbb, 0xcc]);
  });

  test('long IFPs use the two-byte length determinant and decode back', () => {
    const primary = ifp(300, 7);
    const datagram = encodeUdptlPacket({ seq: 65535, primary, secondaries: [ifp(200, 9)] }, 1000);
    assert.deepEqual([...datagram.subarray(2, 4)], [0x81, 0x2c]);
    const decoded = decodeUdptlPacket(datagram);
    assert.ok(decoded.ok);
    assert.equal(decoded.packet.seq, 65535);
    assert.deepEqual(decoded.packet.primary, primary);
    assert.deepEqual(decoded.packet.secondaries, [ifp(200, 9)]);
  });

  test('redundancy is trimmed to the max datagram, newest secondaries kept first', () => {
    const sender = new UdptlSender({ redundancyDepth: 3, maxDatagram: 2 + 11 + 2 + 11 * 2 });
    for (let i = 0; i < 4; i++) {
      const datagram = sender.frame(ifp(10, i));
      assert.ok(datagram.length <= 37, `datagram ${i} is ${datagram.length} bytes`);
      const decoded = decodeUdptlPacket(datagram);
      assert.ok(decoded.ok);
      assert.deepEqual(
        decoded.packet.secondaries.map((s) => s[0]),
        [i - 1, i - 2].filter((n) => n >= 0),
      );
    }
    // A primary larger than the limit still goes out, alone.
    const oversized = decodeUdptlPacket(sender.frame(ifp(60, 1)));
    assert.ok(oversized.ok);
    assert.equal(oversized.packet.secondaries.length, 0);
  });

  test('malformed datagrams are reported, not thrown', () => {
    assert.deepEqual(decodeUdptlPacket(Uint8Array.of(0, 1)), { ok: false, error: 'UDPTL_TRUNCATED' });
    assert.deepEqual(decodeUdptlPacket(Uint8Array.of(0, 1, 5, 1, 2)), {
      ok: false,
      error: 'UDPTL_TRUNCATED',
    });
    assert.deepEqual(decodeUdptlPacket(Uint8Array.of(0, 1, 0xc1, 0, 0)), {
      ok: false,
      error: 'UDPTL_FRAGMENTED',
    });
    assert.deepEqual(decodeUdptlPacket(Uint8Array.of(0, 1, 1, 9, 0x80, 7)), {
      ok: false,
      error: 'UDPTL_BAD_FEC',
    });
    const receiver = new UdptlReceiver();
    assert.deepEqual(receiver.receive(Uint8Array.of(1)), []);
    assert.equal(receiver.stats.malformed, 1);
  });

  test('FEC datagrams are accepted for their primary', () => {
    const decoded = decodeUdptlPacket(Uint8Array.of(0, 3, 1, 0x42, 0x80, 1, 3, 0));
    assert.ok(decoded.ok);
    assert.deepEqual([...decoded.packet.primary], [0x42]);
  });

  test('recovers lost primaries from secondaries, in order, once each, across the seq wrap', () => {
    const sender = new UdptlSender({ redundancyDepth: 3 });
    const receiver = new UdptlReceiver();
    const random = seededRandom(5);
    const sent: number[] = [];
    const delivered: number[] = [];
    let dropRun = 0;
    for (let n = 0; n < 70_000; n++) {
      const datagram = sender.frame(Uint8Array.of(n & 0xff, (n >> 8) & 0xff, n >> 16));
      sent.push(n);
      // Lose 10 % at random, never more than 3 in a row (the redundancy depth); repeat 5 % (copies).
      if (random() < 0.1 && dropRun < 3) {
        dropRun++;
        continue;
      }
      dropRun = 0;
      const copies = random() < 0.05 ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        for (const r of receiver.receive(datagram))
          delivered.push(r.ifp[0] | (r.ifp[1] << 8) | (r.ifp[2] << 16));
      }
    }
    while (sent.length > delivered.length) sent.pop(); // trailing drops have no later datagram to ride in
    assert.deepEqual(delivered, sent);
    assert.equal(receiver.stats.lost, 0);
    assert.ok(receiver.stats.recovered > 5000);
    assert.ok(receiver.stats.duplicates > 2000);
  });

  test('a gap deeper than the redundancy counts as lost; late datagrams are dropped', () => {
    const sender = new UdptlSender({ redundancyDepth: 3 });
    const datagrams = Array.from({ length: 10 }, (_, n) => sender.frame(Uint8Array.of(n)));
    const receiver = new UdptlReceiver();
    const seqs = (d: Uint8Array) => receiver.receive(d).map((r) => r.seq);
    assert.deepEqual(seqs(datagrams[0]), [0]);
    assert.deepEqual(seqs(datagrams[6]), [3, 4, 5, 6]);
    assert.equal(receiver.stats.lost, 2);
    assert.deepEqual(seqs(datagrams[5]), []);
    assert.deepEqual(seqs(datagrams[7]), [7]);
  });
});
