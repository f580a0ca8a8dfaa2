// The T.38 leg of a fax session: a spandsp T.38 terminal behind UDPTL with the negotiated error correction.
// Runs inside the media worker only; the session owns the socket and the clock and calls advance().
import { T38RateManagement, T38TerminalOption } from '../spandsp/codes.ts';
import { configureT30, type T30Config, type T30EventHandler, T38Terminal } from '../spandsp/index.ts';
import type { FaxRole, MediaStats, T38Params } from './media-protocol.ts';
import { DEFAULT_MAX_DATAGRAM, UdptlReceiver, UdptlSender } from './udptl.ts';

export interface FaxLegOptions {
  role: FaxRole;
  t30: T30Config;
  send: (datagram: Uint8Array) => void;
  onEvent: T30EventHandler;
  logLevel: number;
}

export class T38Leg {
  readonly transport = 't38';
  readonly terminal: T38Terminal;
  private readonly sender: UdptlSender;
  private readonly receiver = new UdptlReceiver();
  private datagramsSent = 0;
  private rejected = 0;
  private done = false;

  /** `staleRtpPayloadType`: after a switch from audio, RTP still in flight on the shared port is dropped. */
  constructor(
    options: FaxLegOptions,
    params: T38Params = {},
    private readonly staleRtpPayloadType?: number,
  ) {
    const farMaxDatagram = params.farMaxDatagram ?? DEFAULT_MAX_DATAGRAM;
    this.sender = new UdptlSender({
      maxDatagram: farMaxDatagram,
      errorCorrection: params.errorCorrection,
      redundancyDepth: params.redundancyDepth,
    });
    this.terminal = new T38Terminal(
      options.role === 'calling',
      (ifp, copies) => {
        // Repeats of an indicator share one UDPTL seq; the far end drops the extras as duplicates.
        const datagram = this.sender.frame(ifp);
        for (let i = 0; i < copies; i++) options.send(datagram);
        this.datagramsSent += copies;
      },
      options.onEvent,
    );
    const t = this.terminal;
    configureT30(t, options.t30);
    t.setT38Version(params.version ?? 0);
    t.setMaxDatagram(farMaxDatagram);
    t.setMaxBuffer(params.maxBuffer ?? 1800);
    t.setRateManagement(
      params.rateManagement === 'localTCF' ? T38RateManagement.LOCAL_TCF : T38RateManagement.TRANSFERRED_TCF,
    );
    t.setFastestRate(params.maxBitRate ?? 14400);
    if (params.noPacing) t.setOptions(T38TerminalOption.NO_PACING);
    if (options.logLevel) t.setLogLevel(options.logLevel);
  }

  advance(samples: number): void {
    if (!this.done) this.done = this.terminal.sendTimeout(samples);
  }

  receive(datagram: Uint8Array): void {
    const pt = this.staleRtpPayloadType;
    if (pt !== undefined && datagram.length === 172 && datagram[0] === 0x80 && (datagram[1] & 0x7f) === pt) {
      this.rejected++;
      return;
    }
    for (const { ifp, seq } of this.receiver.receive(datagram)) this.terminal.rxIfp(ifp, seq);
  }

  mediaStats(): MediaStats {
    const s = this.receiver.stats;
    return {
      datagramsSent: this.datagramsSent,
      datagramsReceived: s.datagrams,
      recovered: s.recovered,
      lost: s.lost,
      rejected: s.malformed + this.rejected,
    };
  }

  close(): void {
    this.terminal.close();
  }
}
