// The G.711 leg of a fax session: a spandsp audio fax terminal behind RTP (PCMU/PCMA, 20 ms frames).
// Runs inside the media worker only: advance() sends one frame per 160 samples of the session clock, while
// received audio plays as the packets arrive (RtpPlayout), so a starved thread never invents lost audio.
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { AudioFax, configureT30 } from '../spandsp/index.ts';
import { G711_PAYLOAD_TYPE, type G711Codec, g711Decode, g711Encode } from './g711.ts';
import type { MediaStats } from './media-protocol.ts';
import { decodeRtpPacket, encodeRtpPacket, type PlayoutSink, RtpPlayout, SAMPLES_PER_FRAME } from './rtp.ts';
import type { FaxLegOptions } from './t38-leg.ts';

export class AudioLeg {
  readonly transport = 'audio';
  readonly terminal: AudioFax;
  readonly payloadType: number;
  private readonly playout = new RtpPlayout(performance.now());
  private readonly sink: PlayoutSink;
  private readonly ssrc = randomInt(2 ** 32);
  private seq = randomInt(2 ** 16);
  private timestamp = randomInt(2 ** 32);
  private datagramsSent = 0;
  private datagramsReceived = 0;
  private rejected = 0;

  constructor(
    private readonly options: FaxLegOptions,
    private readonly codec: G711Codec,
  ) {
    this.payloadType = G711_PAYLOAD_TYPE[codec];
    this.terminal = new AudioFax(options.role === 'calling', options.onEvent);
    configureT30(this.terminal, options.t30);
    // Keep sending (silence) between T.30 bursts: the far end's jitter buffer and NAT bindings expect a stream.
    this.terminal.setTransmitOnIdle(true);
    if (options.logLevel) this.terminal.setLogLevel(options.logLevel);
    this.sink = {
      play: (payload) => this.terminal.rx(g711Decode(this.codec, payload)),
      fillIn: (samples) => this.terminal.rxFillin(samples),
    };
  }

  /** Receive side on the session clock: fills in only what the stream has proven missing or silent. */
  pump(now: number): void {
    this.playout.drain(now, this.sink);
  }

  /** One 20 ms frame out; after a stall the session calls this repeatedly to catch up. */
  advance(samples: number = SAMPLES_PER_FRAME): void {
    this.sendFrame(this.terminal.tx(samples));
  }

  /** One frame of silence, the terminal untouched: the stream keeps flowing while its answer is held. */
  silence(samples: number = SAMPLES_PER_FRAME): void {
    this.sendFrame(new Int16Array(samples));
  }

  private sendFrame(audio: Int16Array): void {
    const samples = audio.length;
    const payload = g711Encode(this.codec, audio);
    this.options.send(
      encodeRtpPacket({
        payloadType: this.payloadType,
        seq: this.seq,
        timestamp: this.timestamp,
        ssrc: this.ssrc,
        marker: this.datagramsSent === 0,
        payload,
      }),
    );
    this.seq = (this.seq + 1) & 0xffff;
    this.timestamp = (this.timestamp + samples) >>> 0;
    this.datagramsSent++;
  }

  receive(datagram: Uint8Array): void {
    const decoded = decodeRtpPacket(datagram);
    // Other payload types (comfort noise, telephone-event) carry nothing a fax modem can use.
    if (!decoded.ok || decoded.packet.payloadType !== this.payloadType) {
      this.rejected++;
      return;
    }
    this.datagramsReceived++;
    const now = performance.now();
    this.playout.push(decoded.packet, now);
    this.playout.drain(now, this.sink);
  }

  mediaStats(): MediaStats {
    return {
      datagramsSent: this.datagramsSent,
      datagramsReceived: this.datagramsReceived,
      recovered: 0,
      lost: this.playout.stats.lost,
      rejected: this.rejected + this.playout.stats.late,
    };
  }

  close(): void {
    this.terminal.close();
  }
}
