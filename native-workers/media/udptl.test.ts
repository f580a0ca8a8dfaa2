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

  test('FEC (span 3, 3 entries): the T.38 layout, and up to 3 consecutive losses rebuilt exactly from the next datagram', () => {
    const sender = new UdptlSender({ errorCorrection: 'fec' });
    const first = sender.frame(Uint8Array.of(0x11));
    // seq 0 · primary · fec-info (0x80) · npackets length 1, span 3 · 3 entries, all empty (nothing before seq 0).
    assert.deepEqual([...first], [0, 0, 1, 0x11, 0x80, 1, 3, 3, 0, 0, 0]);
    const receiver = new UdptlReceiver();
    const random = seededRandom(9);
    const sent: number[][] = [];
    const delivered: number[][] = [];
    let dropRun = 0;
    receiver.receive(first);
    delivered.push([0x11]);
    sent.push([0x11]);
    for (let n = 1; n < 20_000; n++) {
      // IFPs of 1–40 bytes whose last byte is never 0, so a rebuilt one's end is exact.
      const ifp = Array.from({ length: 1 + (n % 40) }, (_, i) => (n * 7 + i) & 0xff);
      ifp[ifp.length - 1] |= 1;
      sent.push(ifp);
      const datagram = sender.frame(Uint8Array.from(ifp));
      if (random() < 0.1 && dropRun < 3) {
        dropRun++;
        continue;
      }
      dropRun = 0;
      for (const r of receiver.receive(datagram)) delivered.push([...r.ifp]);
    }
    while (sent.length > delivered.length) sent.pop();
    assert.deepEqual(delivered, sent);
    assert.equal(receiver.stats.lost, 0);
    assert.ok(receiver.stats.recovered > 1500, `recovered ${receiver.stats.recovered}`);
  });

  test('no error correction (t38UDPNoEC): no secondaries are sent, and a lost IFP stays lost', () => {
    const sender = new UdptlSender({ errorCorrection: 'none' });
    const datagrams = Array.from({ length: 4 }, (_, n) => sender.frame(Uint8Array.of(n + 1)));
    assert.deepEqual([...datagrams[1]], [0, 1, 1, 2, 0x00, 0]);
    const receiver = new UdptlReceiver();
    assert.deepEqual(
      [datagrams[0], datagrams[2], datagrams[3]].flatMap((d) => receiver.receive(d).map((r) => r.seq)),
      [0, 2, 3],
    );
    assert.equal(receiver.stats.lost, 1);
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
