// RTP, G.711 and playout tests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { g711Decode, g711Encode } from './g711.ts';
import { decodeRtpPacket, encodeRtpPacket, RtpPlayout } from './rtp.ts';

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

describe('RTP playout', () => {
  const SSRC = 7;
  const packet = (seq: number, timestamp = seq * 160) => ({
    seq: seq & 0xffff,
    timestamp: timestamp >>> 0,
    ssrc: SSRC,
    payload: new Uint8Array(160).fill(seq & 0xff),
  });
  /** What the modem was fed: payload markers, `fill:<samples>` for fill-in. */
  const recorder = () => {
    const fed: (number | string)[] = [];
    const sink = {
      play: (p: Uint8Array) => fed.push(p[0]),
      fillIn: (n: number) => fed.push(`fill:${n}`),
    };
    return { fed, sink };
  };

  test('plays reordered packets in order, drops duplicates and late ones', () => {
    const playout = new RtpPlayout(0);
    const { fed, sink } = recorder();
    for (const seq of [10, 12, 12, 11, 13]) {
      playout.push(packet(seq), 1);
      playout.drain(1, sink);
    }
    assert.deepEqual(fed, [10, 11, 12, 13]);
    playout.push(packet(9), 2);
    assert.deepEqual(playout.stats, { played: 4, lost: 0, late: 1, duplicates: 1, silenceSamples: 0 });
  });

  test('a starved reader plays its backlog without inventing audio, however late its clock is', () => {
    const playout = new RtpPlayout(0);
    const { fed, sink } = recorder();
    playout.push(packet(1), 0);
    playout.drain(0, sink);
    // 900 ms with no reads (the thread was starved), then the clock fires before the backlog is read.
    playout.drain(900, sink);
    for (let seq = 2; seq <= 46; seq++) playout.push(packet(seq), 901);
    playout.drain(901, sink);
    assert.equal(fed.length, 46);
    assert.ok(fed.every((f) => typeof f === 'number'));
  });

  test('a gap is filled in only once later packets confirm it, across the seq wrap', () => {
    const playout = new RtpPlayout(0, { reorderFrames: 3 });
    const { fed, sink } = recorder();
    for (const seq of [65534, 0, 1]) {
      playout.push(packet(seq, 65534 * 160 + ((seq - 65534) & 0xffff) * 160), 0);
      playout.drain(0, sink);
    }
    assert.deepEqual(fed, [254], 'waits: 65535 may still come');
    playout.push(packet(2, 65534 * 160 + 4 * 160), 0);
    playout.drain(0, sink);
    assert.deepEqual(fed, [254, 'fill:160', 0, 1, 2]);
    assert.equal(playout.stats.lost, 1);
  });

  test('long silence is filled in so T.30 timers run, and not again when the timestamps catch up', () => {
    const playout = new RtpPlayout(0, { silenceMs: 1000 });
    const { fed, sink } = recorder();
    playout.push(packet(1), 0);
    playout.drain(0, sink);
    playout.drain(1040, sink);
    assert.deepEqual(fed, [1, 'fill:160', 'fill:160']);
    // The far end paused 1.5 s of timestamps with seq running on: only the rest is filled in.
    playout.push(packet(2, 2 * 160 + 12_000 - 160), 1100);
    playout.drain(1100, sink);
    const filled = fed
      .filter((f) => typeof f === 'string')
      .reduce((n, f) => n + Number(String(f).slice(5)), 0);
    assert.equal(filled, 12_000 - 160);
    assert.equal(fed.at(-1), 2);
  });

  test('a new SSRC or a far jump restarts playout instead of dropping everything as late', () => {
    const playout = new RtpPlayout(0);
    const { fed, sink } = recorder();
    playout.push(packet(100), 0);
    playout.push({ ...packet(5), ssrc: 8 }, 0);
    playout.push({ ...packet(6), ssrc: 8 }, 0);
    playout.drain(0, sink);
    playout.push({ ...packet(30_000), ssrc: 8 }, 0);
    playout.drain(0, sink);
    assert.deepEqual(fed, [5, 6, 30_000 & 0xff]);
  });
});
