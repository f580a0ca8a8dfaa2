// UDPTL (ITU-T T.38 Annex / clause 9): frames IFP packets into UDP datagrams with redundancy, and rebuilds
// the in-order IFP stream on receive, recovering lost primaries from the secondaries of later datagrams.
//
// Wire format (ASN.1 PER, aligned): seq (2 bytes) · primary IFP as an open type (length determinant: one
// byte < 128, else 0x80|hi, lo) · error recovery: 0x00 + count + secondary IFPs newest first (redundancy),
// or 0x80 + FEC info. We send redundancy only; FEC datagrams are accepted for their primary.

/** Datagram size used when the far end did not say (SDP T38FaxMaxDatagram absent). */
export const DEFAULT_MAX_DATAGRAM = 400;
export const DEFAULT_REDUNDANCY_DEPTH = 3;

export interface UdptlPacket {
  seq: number;
  primary: Uint8Array;
  /** Secondary IFPs, newest first: secondaries[0] is seq − 1. Empty for FEC datagrams. */
  secondaries: Uint8Array[];
}

export type UdptlDecodeError = 'UDPTL_TRUNCATED' | 'UDPTL_FRAGMENTED' | 'UDPTL_BAD_FEC';

export type UdptlDecodeResult = { ok: true; packet: UdptlPacket } | { ok: false; error: UdptlDecodeError };

function lengthDeterminantSize(length: number): number {
  return length < 0x80 ? 1 : 2;
}

function openTypeSize(ifp: Uint8Array): number {
  return lengthDeterminantSize(ifp.length) + ifp.length;
}

/**
 * Encodes one datagram, keeping as many secondaries (newest first) as fit in maxDatagram bytes.
 * The primary is always sent, even when it alone exceeds maxDatagram: dropping it would lose the IFP.
 */
export function encodeUdptlPacket(packet: UdptlPacket, maxDatagram = DEFAULT_MAX_DATAGRAM): Uint8Array {
  if (packet.primary.length >= 0x4000)
    throw new RangeError('ERR_UDPTL_IFP_TOO_LARGE: IFP exceeds 16383 bytes');
  let size = 2 + openTypeSize(packet.primary) + 1 + 1;
  let count = 0;
  for (const secondary of packet.secondaries) {
    const next = size + openTypeSize(secondary);
    if (next > maxDatagram || count === 0x7f) break;
    size = next;
    count++;
  }
  const out = new Uint8Array(size);
  let at = 0;
  const putOpenType = (ifp: Uint8Array) => {
    if (ifp.length < 0x80) {
      out[at++] = ifp.length;
    } else {
      out[at++] = 0x80 | (ifp.length >> 8);
      out[at++] = ifp.length & 0xff;
    }
    out.set(ifp, at);
    at += ifp.length;
  };
  out[at++] = (packet.seq >> 8) & 0xff;
  out[at++] = packet.seq & 0xff;
  putOpenType(packet.primary);
  out[at++] = 0x00; // error recovery: secondary-ifp-packets
  out[at++] = count;
  for (let i = 0; i < count; i++) putOpenType(packet.secondaries[i]);
  return out;
}

/** Reads PER length determinants and open types; the first problem sticks in `error`. */
class PerReader {
  at = 0;
  error: UdptlDecodeError | undefined;

  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.at;
  }

  byte(): number {
    if (this.at >= this.buf.length) return this.fail('UDPTL_TRUNCATED');
    return this.buf[this.at++];
  }

  length(): number {
    const first = this.byte();
    if ((first & 0x80) === 0) return first;
    // 0xC0 marks a fragmented (≥ 16K) length, which no IFP or entry count ever needs.
    if ((first & 0xc0) === 0xc0) return this.fail('UDPTL_FRAGMENTED');
    return ((first & 0x3f) << 8) | this.byte();
  }

  openType(): Uint8Array {
    const length = this.length();
    if (length > this.remaining) this.fail('UDPTL_TRUNCATED');
    if (this.error) return new Uint8Array(0);
    this.at += length;
    return this.buf.subarray(this.at - length, this.at);
  }

  private fail(code: UdptlDecodeError): number {
    this.error ??= code;
    return 0;
  }
}

export function decodeUdptlPacket(datagram: Uint8Array): UdptlDecodeResult {
  const reader = new PerReader(datagram);
  const seq = (reader.byte() << 8) | reader.byte();
  const primary = reader.openType();
  const recovery = reader.byte();
  const secondaries: Uint8Array[] = [];
  if (reader.error) return { ok: false, error: reader.error };
  if ((recovery & 0x80) === 0) {
    const count = reader.length();
    for (let i = 0; i < count && !reader.error; i++) secondaries.push(reader.openType());
  } else if (reader.byte() !== 1) {
    // FEC info starts with the span as a 1-byte length; anything else is not UDPTL.
    return { ok: false, error: 'UDPTL_BAD_FEC' };
  }
  if (reader.error) return { ok: false, error: reader.error };
  return { ok: true, packet: { seq, primary, secondaries } };
}

export interface UdptlSenderOptions {
  /** Far end's T38FaxMaxDatagram (whole UDPTL payload). */
  maxDatagram?: number;
  /** How many earlier IFPs ride along in each datagram (≥ 3 survives 5 % random loss). */
  redundancyDepth?: number;
}

/** Numbers outgoing IFPs and adds the most recent earlier ones as secondaries. */
export class UdptlSender {
  private seq = 0;
  private readonly history: Uint8Array[] = [];
  private readonly depth: number;
  maxDatagram: number;

  constructor(options: UdptlSenderOptions = {}) {
    this.depth = options.redundancyDepth ?? DEFAULT_REDUNDANCY_DEPTH;
    this.maxDatagram = options.maxDatagram ?? DEFAULT_MAX_DATAGRAM;
  }

  /** Frames one IFP. Send the result as many times as spandsp asked for copies: repeats share the seq. */
  frame(ifp: Uint8Array): Uint8Array {
    const datagram = encodeUdptlPacket(
      { seq: this.seq, primary: ifp, secondaries: this.history },
      this.maxDatagram,
    );
    this.seq = (this.seq + 1) & 0xffff;
    // spandsp's buffer is reused after the callback; keep our own copy for later secondaries.
    this.history.unshift(Uint8Array.from(ifp));
    if (this.history.length > this.depth) this.history.pop();
    return datagram;
  }
}

export interface ReceivedIfp {
  seq: number;
  ifp: Uint8Array;
  /** True when rebuilt from a later datagram's secondaries. */
  recovered: boolean;
}

export interface UdptlReceiverStats {
  datagrams: number;
  delivered: number;
  recovered: number;
  /** IFPs missing from every datagram that could have carried them. */
  lost: number;
  /** Repeated copies and late datagrams, dropped. */
  duplicates: number;
  malformed: number;
}

/** A jump larger than this is a restarted far end, not a loss burst: resynchronise instead of "recovering". */
const MAX_SEQ_JUMP = 1000;

/** Rebuilds the in-order IFP stream; every IFP is delivered at most once. */
export class UdptlReceiver {
  private expected: number | undefined;
  readonly stats: UdptlReceiverStats = {
    datagrams: 0,
    delivered: 0,
    recovered: 0,
    lost: 0,
    duplicates: 0,
    malformed: 0,
  };

  receive(datagram: Uint8Array): ReceivedIfp[] {
    this.stats.datagrams++;
    const decoded = decodeUdptlPacket(datagram);
    if (!decoded.ok) {
      this.stats.malformed++;
      return [];
    }
    const { seq, primary, secondaries } = decoded.packet;
    const expected = this.expected ?? seq;
    const ahead = (seq - expected) & 0xffff;
    if (ahead >= 0x8000) {
      this.stats.duplicates++;
      return [];
    }
    const out: ReceivedIfp[] = [];
    if (ahead <= MAX_SEQ_JUMP) {
      for (let missing = ahead; missing > 0; missing--) {
        const secondary = secondaries[missing - 1];
        if (secondary) {
          out.push({ seq: (seq - missing) & 0xffff, ifp: secondary, recovered: true });
        } else {
          this.stats.lost++;
        }
      }
    }
    out.push({ seq, ifp: primary, recovered: false });
    this.expected = (seq + 1) & 0xffff;
    this.stats.recovered += out.length - 1;
    this.stats.delivered += out.length;
    return out;
  }
}
