// The G.711 leg of a fax session: a spandsp audio fax terminal behind RTP (PCMU/PCMA, 20 ms frames).
// Runs inside the media worker only; advance() is called once per 160 samples of the session clock.
import { randomInt } from 'node:crypto';
import { AudioFax, configureT30 } from '../spandsp/index.ts';
import { G711_PAYLOAD_TYPE, type G711Codec, g711Decode, g711Encode } from './g711.ts';
import type { MediaStats } from './media-protocol.ts';
import { decodeRtpPacket, encodeRtpPacket, RtpJitterBuffer, SAMPLES_PER_FRAME } from './rtp.ts';
import type { FaxLegOptions } from './t38-leg.ts';

export class AudioLeg {
  readonly transport = 'audio';
  readonly terminal: AudioFax;
  readonly payloadType: number;
  private readonly jitter = new RtpJitterBuffer();
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
  }

  /** One 20 ms frame in each direction. */
  advance(samples: number = SAMPLES_PER_FRAME): void {
    const frame = this.jitter.pop();
    if (frame?.kind === 'frame') {
      this.terminal.rx(g711Decode(this.codec, frame.payload));
    } else {
      this.terminal.rxFillin(samples);
    }
    const payload = g711Encode(this.codec, this.terminal.tx(samples));
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
    this.jitter.push(decoded.packet.seq, decoded.packet.payload);
  }

  mediaStats(): MediaStats {
    return {
      datagramsSent: this.datagramsSent,
      datagramsReceived: this.datagramsReceived,
      recovered: 0,
      lost: this.jitter.stats.lost,
      rejected: this.rejected + this.jitter.stats.late,
    };
  }

  close(): void {
    this.terminal.close();
  }
}
