// A UDP relay that drops a fraction of datagrams in each direction (or, muted, all of them): the simulator puts
// it between its own media session and the far end to play a far end that goes silent mid-call. (A lossy trunk
// is played by the simulator's media session itself, on the media thread.)

import dgram from 'node:dgram';
import type { RemoteAddress } from '../../../native-workers/media/media-engine.ts';
// Seeded so a lossy run can be repeated datagram for datagram.
import { seededRandom } from '../../../scripts/fixtures/seeded-random.ts';

export interface RelayCounts {
  forwarded: number;
  dropped: number;
}

export class LossyUdpRelay {
  private far: RemoteAddress | undefined;
  private readonly counts: RelayCounts = { forwarded: 0, dropped: 0 };

  private constructor(
    private readonly localFacing: dgram.Socket,
    private readonly farFacing: dgram.Socket,
    private readonly local: RemoteAddress,
    private lossRate: number,
    private readonly random: () => number,
  ) {
    localFacing.on('message', (datagram) => {
      if (this.far) this.forward(farFacing, datagram, this.far);
    });
    farFacing.on('message', (datagram, from) => {
      // Symmetric media: until the far end's SDP says otherwise, answer whoever speaks.
      this.far ??= { address: from.address, port: from.port };
      this.forward(localFacing, datagram, this.local);
    });
  }

  /**
   * Binds both sides on `address`. `local` is our own media session; `lossRate` is 0–1.
   * Put `farFacingPort` in the SDP and send our session's media to `localFacingPort`.
   */
  static async start(address: string, local: RemoteAddress, lossRate: number, seed?: number) {
    const bind = async () => {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, address, () => resolve());
      });
      return socket;
    };
    const [localFacing, farFacing] = await Promise.all([bind(), bind()]);
    const random = seed === undefined ? Math.random : seededRandom(seed);
    return new LossyUdpRelay(localFacing, farFacing, local, lossRate, random);
  }

  get localFacingPort(): number {
    return this.localFacing.address().port;
  }

  get farFacingPort(): number {
    return this.farFacing.address().port;
  }

  /** Where our session must send to reach the far end through the relay. */
  localFacingAddress(): RemoteAddress {
    return { address: this.local.address, port: this.localFacingPort };
  }

  setFar(far: RemoteAddress): void {
    this.far = far;
  }

  /** From now on nothing gets through either way: the far end of a call that vanished without a BYE. */
  mute(): void {
    this.lossRate = 1;
  }

  stats(): RelayCounts {
    return { ...this.counts };
  }

  close(): void {
    this.localFacing.close();
    this.farFacing.close();
  }

  private forward(via: dgram.Socket, datagram: Buffer, to: RemoteAddress): void {
    if (this.random() < this.lossRate) {
      this.counts.dropped++;
      return;
    }
    this.counts.forwarded++;
    via.send(datagram, to.port, to.address);
  }
}
