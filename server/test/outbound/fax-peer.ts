// A receiving fax machine for the outbound tests, built from the same UserAgent and MediaEngine
// (answering role): answers T.38 or G.711, or refuses with a SIP status, or hangs up after N pages.
// Stands in for the fax simulator's receive mode until that exists.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaEngine } from '../../../native-workers/media/media-engine.ts';
import { answerOffer, extractMedia, newSdpOrigin } from '../../src/telephony/sdp/offer-answer.ts';
import { serializeSdp } from '../../src/telephony/sdp/session-description.ts';
import type { IncomingCall } from '../../src/telephony/sip/call.ts';
import { UserAgent } from '../../src/telephony/sip/user-agent.ts';

export type PeerMode =
  | { kind: 'receive' }
  | { kind: 'reject'; status: number }
  /** Receive, then send BYE `delayMs` after page `page` arrived (the sender has had its MCF). */
  | { kind: 'hangupAfterPage'; page: number; delayMs: number };

export interface ReceivedCall {
  callId: string;
  from: string | undefined;
  to: string | undefined;
  pAssertedIdentity: string | undefined;
  offer: 't38' | 'audio' | null;
  /** Set for answered calls once their fax ended. */
  rxTiff?: string;
  pages?: number;
  code?: number;
}

export class FaxPeer {
  readonly calls: ReceivedCall[] = [];
  /** What the next calls get; the last entry repeats. */
  modes: PeerMode[] = [{ kind: 'receive' }];
  private readonly dir = mkdtempSync(join(tmpdir(), 'faxseal-peer-'));
  private readonly finished: Promise<void>[] = [];
  private stopped = false;

  private constructor(
    readonly ua: UserAgent,
    private readonly media: MediaEngine,
  ) {
    ua.on('invite', (call) => this.onInvite(call));
  }

  static async start(portRange: { min: number; max: number }): Promise<FaxPeer> {
    const ua = await UserAgent.start({ host: '127.0.0.1', port: 0, transports: ['udp'] });
    const media = new MediaEngine({
      bindAddress: '127.0.0.1',
      portMin: portRange.min,
      portMax: portRange.max,
    });
    return new FaxPeer(ua, media);
  }

  get port(): number {
    return this.ua.port;
  }

  /** Waits for every answered call's fax to end. */
  async settle(): Promise<void> {
    await Promise.all(this.finished);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.ua.stop();
    await this.media.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private onInvite(call: IncomingCall): void {
    const mode = this.modes[Math.min(this.calls.length, this.modes.length - 1)];
    const offered = extractMedia(call.sdpOffer ?? '');
    const record: ReceivedCall = {
      callId: call.callId,
      from: call.fromUser,
      to: call.toUser,
      pAssertedIdentity: call.request.headers.find((h) => h.name.toLowerCase() === 'p-asserted-identity')
        ?.value,
      offer: offered?.kind ?? null,
    };
    this.calls.push(record);
    if (mode.kind === 'reject') {
      call.reject(mode.status);
      return;
    }
    this.finished.push(this.receive(call, record, mode));
  }

  private async receive(call: IncomingCall, record: ReceivedCall, mode: PeerMode): Promise<void> {
    const offered = extractMedia(call.sdpOffer ?? '');
    if (!offered) {
      call.reject(488);
      return;
    }
    const sessionId = `peer-${call.callId}`;
    const rxTiff = join(this.dir, `${this.calls.length}.tif`);
    const { localPort } = await this.media.startSession({
      sessionId,
      transport: offered.kind,
      codec: offered.kind === 'audio' ? (offered.codec === 'PCMA' ? 'pcma' : 'pcmu') : undefined,
      role: 'answering',
      remote: { address: offered.address, port: offered.port },
      job: { rxTiff, localIdent: '+1 212 555 0199' },
    });
    const completion = this.media.waitForCompletion(sessionId);
    const answer = answerOffer(call.sdpOffer!, {
      address: '127.0.0.1',
      origin: newSdpOrigin(),
      t38Port: localPort,
      audioPort: localPort,
    });
    if (!answer.ok) {
      call.reject(488);
      await this.media.stopSession(sessionId);
      return;
    }
    if (mode.kind === 'hangupAfterPage') {
      const onPage = (e: { sessionId: string; page: number }) => {
        if (e.sessionId !== sessionId || e.page !== mode.page) return;
        this.media.off('page', onPage);
        setTimeout(() => void call.bye(), mode.delayMs);
      };
      this.media.on('page', onPage);
    }
    call.on('terminated', () => void this.media.stopSession(sessionId).catch(() => {}));
    call.answer(serializeSdp(answer.answer));
    const done = await completion;
    await call.bye().catch(() => {});
    Object.assign(record, { rxTiff, pages: done.pages, code: done.code });
  }
}
