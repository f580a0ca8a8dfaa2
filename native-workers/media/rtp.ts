// RTP (RFC 3550) for G.711 fax audio: packet codec and a small playout jitter buffer.
// The media worker pulls one 20 ms frame per 160 samples of its clock; a gap becomes fax_rx_fillin.

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

/** What the playout clock gets for one frame slot. */
export type PlayoutFrame =
  | { kind: 'frame'; payload: Uint8Array }
  /** A packet is missing: stand in with fax_rx_fillin so modems and T.30 timers keep time. */
  | { kind: 'lost' };

export interface JitterBufferOptions {
  /** Frames held before playout starts, absorbing that much arrival jitter (default 3 = 60 ms). */
  targetDepth?: number;
  /** Beyond this many buffered frames the oldest are skipped, so delay cannot grow without bound. */
  maxDepth?: number;
}

export interface JitterBufferStats {
  played: number;
  lost: number;
  late: number;
  duplicates: number;
  skipped: number;
}

/**
 * Reorders by RTP sequence number and plays out one frame per pop(). On underrun it stands in for the frame
 * but keeps waiting for it (a late packet still plays, the delay grows by a frame); when packets after a gap
 * are already here the gap is declared lost and skipped. maxDepth caps the delay that underruns can add.
 */
export class RtpJitterBuffer {
  private readonly frames = new Map<number, Uint8Array>();
  private next: number | undefined;
  private started = false;
  private readonly targetDepth: number;
  private readonly maxDepth: number;
  readonly stats: JitterBufferStats = { played: 0, lost: 0, late: 0, duplicates: 0, skipped: 0 };

  constructor(options: JitterBufferOptions = {}) {
    this.targetDepth = options.targetDepth ?? 3;
    this.maxDepth = options.maxDepth ?? 10;
  }

  get depth(): number {
    return this.frames.size;
  }

  push(seq: number, payload: Uint8Array): void {
    if (this.next === undefined) this.next = seq;
    const ahead = (seq - this.next) & 0xffff;
    if (ahead >= 0x8000) {
      // Before playout starts an earlier packet just moves the start back.
      if (this.started) {
        this.stats.late++;
        return;
      }
      this.next = seq;
    }
    if (this.frames.has(seq)) {
      this.stats.duplicates++;
      return;
    }
    this.frames.set(seq, payload);
    while (this.frames.size > this.maxDepth) {
      this.frames.delete(this.next);
      this.next = (this.next + 1) & 0xffff;
      this.stats.skipped++;
    }
  }

  /** The frame for the next 20 ms slot, or undefined while still filling up before playout starts. */
  pop(): PlayoutFrame | undefined {
    if (!this.started) {
      if (this.frames.size < this.targetDepth) return undefined;
      this.started = true;
    }
    const seq = this.next;
    const payload = seq === undefined ? undefined : this.frames.get(seq);
    if (seq !== undefined && payload) {
      this.frames.delete(seq);
      this.next = (seq + 1) & 0xffff;
      this.stats.played++;
      return { kind: 'frame', payload };
    }
    this.stats.lost++;
    if (seq !== undefined && this.frames.size > 0) this.next = (seq + 1) & 0xffff;
    return { kind: 'lost' };
  }
}
