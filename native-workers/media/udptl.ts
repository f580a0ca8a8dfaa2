// UDPTL (ITU-T T.38 clause 9.1): frames IFP packets into UDP datagrams with redundancy, parity FEC or no error
// correction (SDP T38FaxUdpEC), and rebuilds the in-order IFP stream on receive, recovering lost primaries from
// the secondaries or the FEC entries of later datagrams.
//
// Wire format (ASN.1 PER, aligned): seq (2 bytes) · primary IFP as an open type (length determinant: one
// byte < 128, else 0x80|hi, lo) · error recovery: 0x00 + count + secondary IFPs newest first (redundancy; no
// EC is a count of 0), or 0x80 + fec-npackets (0x01, span) + count + FEC entries. FEC entry m of datagram s is
// the XOR (zero-padded to the longest) of IFPs s+m−j·entries for j = 1..span: interleaved parity, so up to
// `entries` consecutive losses are rebuilt from the next datagram.

/** Datagram size used when the far end did not say (SDP T38FaxMaxDatagram absent). */
export const DEFAULT_MAX_DATAGRAM = 400;
export const DEFAULT_REDUNDANCY_DEPTH = 3;
/** FEC geometry when we send FEC: each entry covers 3 IFPs, 3 entries interleaved (as Asterisk's default). */
export const DEFAULT_FEC_SPAN = 3;
export const DEFAULT_FEC_ENTRIES = 3;

export type UdptlErrorCorrection = 'redundancy' | 'fec' | 'none';

export interface UdptlFec {
  span: number;
  /** entries[m] is the parity of IFPs seq+m−j·entries.length, j = 1..span. */
  entries: Uint8Array[];
}

export interface UdptlPacket {
  seq: number;
  primary: Uint8Array;
  /** Secondary IFPs, newest first: secondaries[0] is seq − 1. Empty for FEC datagrams. */
  secondaries: Uint8Array[];
  /** Present on FEC datagrams instead of secondaries. */
  fec?: UdptlFec;
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
  const { fec } = packet;
  let size = 2 + openTypeSize(packet.primary) + 1 + 1 + (fec ? 2 : 0);
  let count = 0;
  // FEC entries all go (each is needed to rebuild its own IFPs); secondaries as many as fit.
  for (const extra of fec ? fec.entries : packet.secondaries) {
    const next = size + openTypeSize(extra);
    if ((!fec && next > maxDatagram) || count === 0x7f) break;
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
  if (fec) {
    out[at++] = 0x80; // error recovery: fec-info
    out[at++] = 1; // fec-npackets, an unconstrained INTEGER: one byte of length, then the span
    out[at++] = fec.span;
    out[at++] = count;
    for (let i = 0; i < count; i++) putOpenType(fec.entries[i]);
    return out;
  }
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
    if (reader.error) return { ok: false, error: reader.error };
    return { ok: true, packet: { seq, primary, secondaries } };
  }
  // fec-npackets is an unconstrained INTEGER; a span needs one byte, so its length must be 1.
  if (reader.byte() !== 1) return { ok: false, error: 'UDPTL_BAD_FEC' };
  const span = reader.byte();
  const count = reader.length();
  const entries: Uint8Array[] = [];
  for (let i = 0; i < count && !reader.error; i++) entries.push(reader.openType());
  if (reader.error) return { ok: false, error: reader.error };
  if (span === 0 || count === 0) return { ok: true, packet: { seq, primary, secondaries } };
  return { ok: true, packet: { seq, primary, secondaries, fec: { span, entries } } };
}

/** XOR of IFPs, zero-padded to the longest: one FEC entry. */
function parity(ifps: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(Math.max(0, ...ifps.map((p) => p.length)));
  for (const ifp of ifps) for (let i = 0; i < ifp.length; i++) out[i] ^= ifp[i];
  return out;
}

export interface UdptlSenderOptions {
  /** Far end's T38FaxMaxDatagram (whole UDPTL payload). */
  maxDatagram?: number;
  /** What the SDP negotiated (T38FaxUdpEC); default redundancy. */
  errorCorrection?: UdptlErrorCorrection;
  /** How many earlier IFPs ride along in each datagram (≥ 3 survives 5 % random loss). */
  redundancyDepth?: number;
  fecSpan?: number;
  fecEntries?: number;
}

/** Numbers outgoing IFPs and adds the error correction negotiated: earlier IFPs, their parity, or nothing. */
export class UdptlSender {
  private seq = 0;
  /** Earlier IFPs, newest first: history[0] is seq − 1. */
  private readonly history: Uint8Array[] = [];
  private readonly depth: number;
  private readonly errorCorrection: UdptlErrorCorrection;
  private readonly fecSpan: number;
  private readonly fecEntries: number;
  maxDatagram: number;

  constructor(options: UdptlSenderOptions = {}) {
    this.errorCorrection = options.errorCorrection ?? 'redundancy';
    this.fecSpan = options.fecSpan ?? DEFAULT_FEC_SPAN;
    this.fecEntries = options.fecEntries ?? DEFAULT_FEC_ENTRIES;
    this.depth =
      this.errorCorrection === 'fec'
        ? this.fecSpan * this.fecEntries
        : this.errorCorrection === 'none'
          ? 0
          : (options.redundancyDepth ?? DEFAULT_REDUNDANCY_DEPTH);
    this.maxDatagram = options.maxDatagram ?? DEFAULT_MAX_DATAGRAM;
  }

  /** Frames one IFP. Send the result as many times as spandsp asked for copies: repeats share the seq. */
  frame(ifp: Uint8Array): Uint8Array {
    const packet: UdptlPacket = { seq: this.seq, primary: ifp, secondaries: this.history };
    if (this.errorCorrection === 'fec') packet.fec = this.fec();
    const datagram = encodeUdptlPacket(packet, this.maxDatagram);
    this.seq = (this.seq + 1) & 0xffff;
    // spandsp's buffer is reused after the callback; keep our own copy for later secondaries.
    if (this.depth > 0) this.history.unshift(Uint8Array.from(ifp));
    if (this.history.length > this.depth) this.history.pop();
    return datagram;
  }

  /** Entry m: parity of seq+m−j·entries (j = 1..span), i.e. history[entries·j − m − 1]; IFPs before the first are empty. */
  private fec(): UdptlFec {
    const entries: Uint8Array[] = [];
    for (let m = 0; m < this.fecEntries; m++) {
      const covered: Uint8Array[] = [];
      for (let j = 1; j <= this.fecSpan; j++) {
        const ifp = this.history[this.fecEntries * j - m - 1];
        if (ifp) covered.push(ifp);
      }
      entries.push(parity(covered));
    }
    return { span: this.fecSpan, entries };
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

/** IFPs kept for FEC repair: more than any span × entries seen in the field (3 × 3, 5 × 3). */
const FEC_WINDOW = 32;

/** Rebuilds the in-order IFP stream; every IFP is delivered at most once. */
export class UdptlReceiver {
  private expected: number | undefined;
  /** Recent IFPs by seq (FEC repair XORs them out); a seq missing here was lost or never sent. */
  private readonly recent = new Map<number, Uint8Array>();
  /** The first seq received: IFPs before it (the stream's start) count as empty in FEC parity. */
  private first: number | undefined;
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
    this.first ??= seq;
    this.remember(seq, primary);
    const repaired =
      decoded.packet.fec && ahead > 0 && ahead <= MAX_SEQ_JUMP
        ? this.repair(seq, ahead, decoded.packet.fec)
        : undefined;
    if (ahead <= MAX_SEQ_JUMP) {
      for (let missing = ahead; missing > 0; missing--) {
        const lostSeq = (seq - missing) & 0xffff;
        const secondary = secondaries[missing - 1] ?? repaired?.get(lostSeq);
        if (secondary) {
          out.push({ seq: lostSeq, ifp: secondary, recovered: true });
          this.remember(lostSeq, secondary);
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

  private remember(seq: number, ifp: Uint8Array): void {
    this.recent.set(seq, Uint8Array.from(ifp));
    this.recent.delete((seq - FEC_WINDOW) & 0xffff);
  }

  /**
   * The IFPs among the `gap` before `seq` that this datagram's FEC entries rebuild: an entry whose group lacks
   * exactly one IFP gives it back (parity of the entry and the rest). Repeats until nothing more comes back, as
   * one repair can complete another group. A rebuilt IFP is as long as the longest of its group: when it is not
   * the longest its true end is unknown, and trailing zero bytes are trimmed (T.30 ECM catches the rare wrong cut).
   */
  private repair(seq: number, gap: number, fec: UdptlFec): Map<number, Uint8Array> {
    const { span, entries } = fec;
    const missing = new Set<number>();
    for (let k = 1; k <= gap; k++) missing.add((seq - k) & 0xffff);
    const repaired = new Map<number, Uint8Array>();
    const known = (s: number): Uint8Array | undefined => {
      if (repaired.has(s)) return repaired.get(s);
      if (missing.has(s)) return undefined;
      // Before the stream's first datagram the sender had nothing: empty. Else what we kept, or unknown.
      if (
        this.first !== undefined &&
        ((this.first - s) & 0xffff) > 0 &&
        ((this.first - s) & 0xffff) <= FEC_WINDOW
      )
        return this.recent.get(s) ?? new Uint8Array(0);
      return this.recent.get(s);
    };
    for (let progress = true; progress; ) {
      progress = false;
      entries.forEach((entry, m) => {
        const group = Array.from({ length: span }, (_, j) => (seq + m - (j + 1) * entries.length) & 0xffff);
        const unknown = group.filter((s) => known(s) === undefined);
        if (unknown.length !== 1 || !missing.has(unknown[0])) return;
        const others = group.filter((s) => s !== unknown[0]).map((s) => known(s)!);
        const rebuilt = parity([entry, ...others]);
        let length = rebuilt.length;
        if (others.some((o) => o.length >= entry.length))
          while (length > 1 && rebuilt[length - 1] === 0) length--;
        repaired.set(unknown[0], rebuilt.subarray(0, length));
        progress = true;
      });
    }
    return repaired;
  }
}
