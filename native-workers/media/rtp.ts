// RTP (RFC 3550) for G.711 fax audio: packet codec and a small playout jitter buffer.
// Playout follows the packets, not the clock: a gap becomes fax_rx_fillin only once the stream proves it.

export const SAMPLES_PER_FRAME = 160; // 20 ms at 8 kHz

export interface RtpPacket {
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Uint8Array;
}

export type RtpDecodeError = 'RTP_TRUNCATED' | 'RTP_VERSION' | 'RTP_BAD_PADDING';
export type RtpDecodeResult = { ok: true; packet: RtpPacket } | { ok: false; error: RtpDecodeError };

export function encodeRtpPacket(packet: RtpPacket): Uint8Array {
  const out = new Uint8Array(12 + packet.payload.length);
  const view = new DataView(out.buffer);
  out[0] = 0x80; // V=2, no padding, no extension, no CSRC
  out[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  view.setUint16(2, packet.seq & 0xffff);
  view.setUint32(4, packet.timestamp >>> 0);
  view.setUint32(8, packet.ssrc >>> 0);
  out.set(packet.payload, 12);
  return out;
}

export function decodeRtpPacket(datagram: Uint8Array): RtpDecodeResult {
  if (datagram.length < 12) return { ok: false, error: 'RTP_TRUNCATED' };
  if (datagram[0] >> 6 !== 2) return { ok: false, error: 'RTP_VERSION' };
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  let start = 12 + (datagram[0] & 0x0f) * 4;
  if (datagram[0] & 0x10) {
    if (start + 4 > datagram.length) return { ok: false, error: 'RTP_TRUNCATED' };
    start += 4 + view.getUint16(start + 2) * 4;
  }
  let end = datagram.length;
  if (datagram[0] & 0x20) end -= datagram[datagram.length - 1];
  if (start > datagram.length) return { ok: false, error: 'RTP_TRUNCATED' };
  if (end < start) return { ok: false, error: 'RTP_BAD_PADDING' };
  return {
    ok: true,
    packet: {
      marker: (datagram[1] & 0x80) !== 0,
      payloadType: datagram[1] & 0x7f,
      seq: view.getUint16(2),
      timestamp: view.getUint32(4),
      ssrc: view.getUint32(8),
      payload: datagram.subarray(start, end),
    },
  };
}

/** Where played-out audio goes: the fax modem's receive side. */
export interface PlayoutSink {
  /** One packet's payload, in order. */
  play(payload: Uint8Array): void;
  /** Stands in for `samples` of missing audio (fax_rx_fillin) so modems and T.30 timers keep time. */
  fillIn(samples: number): void;
}

export interface PlayoutOptions {
  /** A missing packet is declared lost once packets this many frames after it have arrived (default 3). */
  reorderFrames?: number;
  /** With nothing arriving at all for this long, time is filled in so T.30 timers still run (default 1 s). */
  silenceMs?: number;
}

export interface PlayoutStats {
  played: number;
  /** Packets a later packet proved missing, each filled in. */
  lost: number;
  late: number;
  duplicates: number;
  /** Samples filled in because the far end went quiet (or its timestamps jumped). */
  silenceSamples: number;
}

interface Buffered {
  timestamp: number;
  payload: Uint8Array;
}

/** Samples beyond which a timestamp jump is taken as a restart rather than a pause (5 s). */
const MAX_TIMESTAMP_JUMP = 40_000;
/** A packet this far behind or ahead of playout is from a restarted stream, not merely late or early. */
const RESYNC_BEHIND_FRAMES = 50;
const RESYNC_AHEAD_FRAMES = 500;

/**
 * Receive-side playout driven by the packets, not by our clock. A packet plays as soon as every packet
 * before it has played, so a media thread that was starved and reads a backlog after its clock fired
 * never invents audio for packets it merely has not read yet. Fill-in happens only where the stream
 * proves audio missing: a gap that later packets confirm, a timestamp jump, or a long silence.
 */
export class RtpPlayout {
  private readonly frames = new Map<number, Buffered>();
  private next: number | undefined;
  private ssrc: number | undefined;
  /** RTP timestamp the next in-order packet should carry. */
  private expectedTimestamp: number | undefined;
  private lastFrameSamples = SAMPLES_PER_FRAME;
  private lastActivity: number;
  /** Silence filled in since audio last played: a timestamp jump covering it is not filled twice. */
  private silenceCredit = 0;
  private readonly reorderFrames: number;
  private readonly silenceMs: number;
  readonly stats: PlayoutStats = { played: 0, lost: 0, late: 0, duplicates: 0, silenceSamples: 0 };

  constructor(now: number, options: PlayoutOptions = {}) {
    this.lastActivity = now;
    this.reorderFrames = options.reorderFrames ?? 3;
    this.silenceMs = options.silenceMs ?? 1000;
  }

  push(packet: Pick<RtpPacket, 'seq' | 'timestamp' | 'ssrc' | 'payload'>, now: number): void {
    this.lastActivity = Math.max(this.lastActivity, now);
    if (this.ssrc !== packet.ssrc || this.next === undefined) this.resync(packet);
    const ahead = (packet.seq - this.next!) & 0xffff;
    if (ahead >= 0x8000 && 0x10000 - ahead <= RESYNC_BEHIND_FRAMES) {
      this.stats.late++;
      return;
    }
    if (ahead > RESYNC_AHEAD_FRAMES) this.resync(packet);
    if (this.frames.has(packet.seq)) {
      this.stats.duplicates++;
      return;
    }
    this.frames.set(packet.seq, { timestamp: packet.timestamp, payload: packet.payload });
  }

  /** Plays every packet that can play now; fills in only where audio is proven missing. */
  drain(now: number, sink: PlayoutSink): void {
    while (this.next !== undefined) {
      const frame = this.frames.get(this.next);
      if (frame) {
        this.frames.delete(this.next);
        this.fillTimestampJump(frame.timestamp, sink);
        sink.play(frame.payload);
        this.stats.played++;
        this.lastFrameSamples = frame.payload.length || SAMPLES_PER_FRAME;
        this.expectedTimestamp = (frame.timestamp + this.lastFrameSamples) >>> 0;
        this.next = (this.next + 1) & 0xffff;
        this.silenceCredit = 0;
        this.lastActivity = Math.max(this.lastActivity, now);
        continue;
      }
      if (!this.gapConfirmed()) break;
      sink.fillIn(this.lastFrameSamples);
      this.stats.lost++;
      if (this.expectedTimestamp !== undefined)
        this.expectedTimestamp = (this.expectedTimestamp + this.lastFrameSamples) >>> 0;
      this.next = (this.next + 1) & 0xffff;
    }
    const quietSamples = Math.floor((now - this.lastActivity - this.silenceMs) * 8);
    for (let due = quietSamples - this.silenceCredit; due > 0; due -= SAMPLES_PER_FRAME) {
      const n = Math.min(due, SAMPLES_PER_FRAME);
      sink.fillIn(n);
      this.silenceCredit += n;
      this.stats.silenceSamples += n;
    }
  }

  private gapConfirmed(): boolean {
    if (this.frames.size === 0) return false;
    for (const seq of this.frames.keys()) {
      if (((seq - this.next!) & 0xffff) >= this.reorderFrames) return true;
    }
    return false;
  }

  /** The far end paused with seq running on (or we filled a silence): fill what the timestamps say. */
  private fillTimestampJump(timestamp: number, sink: PlayoutSink): void {
    if (this.expectedTimestamp === undefined) return;
    const jump = (timestamp - this.expectedTimestamp) | 0;
    if (jump <= 0 || jump > MAX_TIMESTAMP_JUMP) return;
    for (let due = jump - this.silenceCredit; due > 0; due -= SAMPLES_PER_FRAME) {
      sink.fillIn(Math.min(due, SAMPLES_PER_FRAME));
      this.stats.silenceSamples += Math.min(due, SAMPLES_PER_FRAME);
    }
  }

  private resync(packet: Pick<RtpPacket, 'seq' | 'ssrc'>): void {
    this.frames.clear();
    this.ssrc = packet.ssrc;
    this.next = packet.seq;
    this.expectedTimestamp = undefined;
  }
}
