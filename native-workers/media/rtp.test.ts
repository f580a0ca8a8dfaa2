// RTP, G.711 and jitter-buffer tests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { g711Decode, g711Encode } from './g711.ts';
import { decodeRtpPacket, encodeRtpPacket, RtpJitterBuffer } from './rtp.ts';

describe('G.711', () => {
  test('matches the reference code points', () => {
    assert.deepEqual([...g711Encode('pcmu', Int16Array.of(0, -1, 32767, -32768))], [0xff, 0x7f, 0x80, 0x00]);
    assert.deepEqual([...g711Encode('pcma', Int16Array.of(0, -1, 32767, -32768))], [0xd5, 0x55, 0xaa, 0x2a]);
  });

  test('every code word survives decode then encode', () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const codec of ['pcmu', 'pcma'] as const) {
      const back = g711Encode(codec, g711Decode(codec, codes));
      // µ-law has two zeros (0x7f and 0xff); both decode to 0, which encodes as 0xff.
      const expected = [...codes].map((c) => (codec === 'pcmu' && c === 0x7f ? 0xff : c));
      assert.deepEqual([...back], expected, codec);
    }
  });
});

describe('RTP', () => {
  test('round-trips a PCMU packet', () => {
    const payload = new Uint8Array(160).fill(0xff);
    const bytes = encodeRtpPacket({
      payloadType: 0,
      seq: 65535,
      timestamp: 2 ** 32 - 160,
      ssrc: 0xdeadbeef,
      marker: true,
      payload,
    });
    assert.equal(bytes.length, 172);
    const decoded = decodeRtpPacket(bytes);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.packet, {
      payloadType: 0,
      seq: 65535,
      timestamp: 2 ** 32 - 160,
      ssrc: 0xdeadbeef,
      marker: true,
      payload,
    });
  });

  test('skips CSRCs and header extensions, strips padding, rejects junk', () => {
    const bytes = Uint8Array.of(
      0xb1,
      8,
      0,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      1,
      9,
      9,
      9,
      9,
      0xbe,
      0xde,
      0,
      1,
      7,
      7,
      7,
      7,
      0x42,
      0,
      2,
    );
    const decoded = decodeRtpPacket(bytes);
    assert.ok(decoded.ok);
    assert.equal(decoded.packet.payloadType, 8);
    assert.deepEqual([...decoded.packet.payload], [0x42]);
    assert.deepEqual(decodeRtpPacket(Uint8Array.of(0x80, 0)), { ok: false, error: 'RTP_TRUNCATED' });
    assert.deepEqual(decodeRtpPacket(new Uint8Array(12)), { ok: false, error: 'RTP_VERSION' });
  });
});

describe('RTP jitter buffer', () => {
  const frame = (n: number) => Uint8Array.of(n);
  const play = (jb: RtpJitterBuffer, count: number) =>
    Array.from({ length: count }, () => {
      const f = jb.pop();
      return f === undefined ? '-' : f.kind === 'lost' ? 'lost' : f.payload[0];
    });

  test('waits for the target depth, then plays reordered packets in order', () => {
    const jb = new RtpJitterBuffer({ targetDepth: 3 });
    jb.push(11, frame(11));
    assert.deepEqual(play(jb, 1), ['-']);
    jb.push(10, frame(10));
    jb.push(13, frame(13));
    jb.push(12, frame(12));
    jb.push(12, frame(12));
    assert.deepEqual(play(jb, 4), [10, 11, 12, 13]);
    assert.equal(jb.stats.duplicates, 1);
  });

  test('a lost packet becomes one fill-in slot; a late one after playout is dropped', () => {
    const jb = new RtpJitterBuffer({ targetDepth: 2 });
    for (const seq of [65534, 0, 1]) jb.push(seq, frame(seq & 0xff));
    assert.deepEqual(play(jb, 4), [254, 'lost', 0, 1]);
    jb.push(65535, frame(255));
    assert.equal(jb.stats.late, 1);
  });

  test('an underrun waits for the late packet instead of skipping it, and depth is capped', () => {
    const jb = new RtpJitterBuffer({ targetDepth: 1, maxDepth: 3 });
    jb.push(1, frame(1));
    assert.deepEqual(play(jb, 3), [1, 'lost', 'lost']);
    jb.push(2, frame(2));
    assert.deepEqual(play(jb, 1), [2]);
    for (let seq = 3; seq < 9; seq++) jb.push(seq, frame(seq));
    assert.equal(jb.depth, 3);
    assert.deepEqual(play(jb, 3), [6, 7, 8]);
    assert.equal(jb.stats.skipped, 3);
  });
});
