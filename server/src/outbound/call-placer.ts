// Places one outbound fax call: INVITE through a trunk with the caller's number in From and
// P-Asserted-Identity, T.38 offered first and G.711 as the fallback when the far end refuses it
// (488/606/415), digest answered when the trunk has credentials, then a calling media session that
// sends the TIFF from `startPage` on. Offers and answers to re-INVITEs go through FaxCallMedia, as on
// inbound calls; the dialer only sees the OutboundCallPlacer interface.

import type { CompletedEvent, MediaEngine, PageEvent } from '../../../native-workers/media/media-engine.ts';
import {
  audioCodecOf,
  callingOffers,
  FaxCallMedia,
  faxMediaOf,
  LocalSdp,
  offerRefused,
} from '../telephony/fax-call-media.ts';
import { extractMedia } from '../telephony/sdp/offer-answer.ts';
import type { CallEndCause } from '../telephony/sip/call.ts';
import type { DigestCredentials } from '../telephony/sip/digest.ts';
import type { InviteOutcome, OutgoingCall } from '../telephony/sip/outgoing-call.ts';
import type { UserAgent } from '../telephony/sip/user-agent.ts';

export interface CallTarget {
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
}

export interface OutboundCallRequest {
  /** Unique per attempt: names the media sessions. */
  ref: string;
  target: CallTarget;
  credentials?: DigestCredentials;
  /** E.164 caller ID (the user's number). */
  from: string;
  /** E.164 destination. */
  to: string;
  /** Offer T.38 first (else audio only). */
  t38: boolean;
  /** Audio codec to offer, in order of preference; the first is used. */
  codecs: ('pcmu' | 'pcma')[];
  tiffPath: string;
  /** 0-based first page to send: pages already confirmed on an earlier attempt are skipped. */
  startPage: number;
  /** Give up ringing after this long (CANCEL). */
  ringTimeoutMs: number;
  /** Pages confirmed by the far end so far in this call (T.30 phase D). */
  onPage?: (pagesConfirmed: number) => void;
  onAnswered?: (transport: 't38' | 'audio') => void;
}

export interface FaxCompletion {
  code: number;
  text: string;
  ok: boolean;
  /** Pages confirmed in this call (counted from startPage). */
  pages: number;
  remoteIdent: string;
  bitRate: number;
  durationMs: number;
}

export type OutboundCallOutcome =
  | {
      answered: false;
      callId: string;
      status: number;
      reason: string;
      cause: CallEndCause;
      ringTimedOut: boolean;
    }
  | { answered: true; callId: string; transport: 't38' | 'audio'; completion: FaxCompletion };

export interface ProbeOutcome {
  answered: boolean;
  status: number;
  reason: string;
  cause: CallEndCause | null;
  ringTimedOut: boolean;
}

/** What the dialer and the trunk admin need from the SIP side. */
export interface OutboundCallPlacer {
  place(request: OutboundCallRequest): Promise<OutboundCallOutcome>;
  /** A test call: INVITE, and BYE at once if answered. No fax is sent. */
  probe(
    request: Omit<OutboundCallRequest, 'tiffPath' | 'startPage' | 'onPage' | 'onAnswered'>,
  ): Promise<ProbeOutcome>;
}

export class SipCallPlacer implements OutboundCallPlacer {
  constructor(
    private readonly ua: UserAgent,
    /** Called at each call: the engine may be started lazily. */
    private readonly mediaEngine: () => MediaEngine,
  ) {}

  private get media(): MediaEngine {
    return this.mediaEngine();
  }

  async place(request: OutboundCallRequest): Promise<OutboundCallOutcome> {
    let last: OutboundCallOutcome | undefined;
    for (const [i, transport] of callingOffers(request.t38).entries()) {
      last = await this.attempt(request, transport, `${request.ref}-${i}`);
      if (last.answered || !offerRefused(last.status)) return last;
    }
    return last!;
  }

  async probe(
    request: Omit<OutboundCallRequest, 'tiffPath' | 'startPage' | 'onPage' | 'onAnswered'>,
  ): Promise<ProbeOutcome> {
    // Port 9 (discard): the call is hung up as soon as it is answered, no media flows.
    const codec = audioCodecOf(request.codecs[0] ?? 'pcmu');
    const offer = new LocalSdp(this.ua.host).offer(callingOffers(request.t38)[0], 9, [codec]);
    const call = this.invite(request, offer);
    const ring = this.ringTimer(call, request.ringTimeoutMs);
    const outcome = await settled(call);
    clearTimeout(ring.timer);
    if (outcome.answered) {
      await call.bye();
      return { answered: true, status: outcome.status, reason: 'OK', cause: null, ringTimedOut: false };
    }
    return {
      answered: false,
      status: outcome.status,
      reason: outcome.reason,
      cause: outcome.cause,
      ringTimedOut: ring.fired,
    };
  }

  private async attempt(
    request: OutboundCallRequest,
    transport: 't38' | 'audio',
    sessionId: string,
  ): Promise<OutboundCallOutcome> {
    const codec = request.codecs[0] ?? 'pcmu';
    const { localPort } = await this.media.startSession({
      sessionId,
      transport,
      codec,
      role: 'calling',
      job: {
        txTiff: { path: request.tiffPath, startPage: request.startPage },
        localIdent: request.from.slice(0, 20),
      },
    });
    const completion = this.media.waitForCompletion(sessionId);
    const onPage = (e: PageEvent) => {
      if (e.sessionId === sessionId && e.direction === 'tx') request.onPage?.(e.page);
    };
    this.media.on('page', onPage);
    try {
      // One SDP session for the call: our answer to a re-INVITE is its next version (RFC 3264 §8).
      const sdp = new LocalSdp(this.ua.host);
      const call = this.invite(request, sdp.offer(transport, localPort, [audioCodecOf(codec)]));
      const ring = this.ringTimer(call, request.ringTimeoutMs);
      const outcome = await settled(call);
      clearTimeout(ring.timer);
      if (!outcome.answered) {
        await this.stopSession(sessionId);
        return {
          answered: false,
          callId: call.callId,
          status: outcome.status,
          reason: outcome.reason,
          cause: outcome.cause,
          ringTimedOut: ring.fired,
        };
      }
      const answered = extractMedia(outcome.sdpAnswer);
      // The answer's T.38 parameters (its T38FaxMaxDatagram, the error correction agreed) shape what we send.
      if (answered) {
        const negotiated = faxMediaOf(answered);
        this.media.updateRemote(
          sessionId,
          negotiated.remote,
          negotiated.transport === 't38' ? negotiated.t38 : undefined,
        );
      }
      request.onAnswered?.(transport);
      // Answers the far end's re-INVITEs for the life of the call: it may move an audio call to T.38
      // before any page has moved.
      new FaxCallMedia({
        engine: this.media,
        call,
        sessionId,
        sdp,
        advertisedPort: localPort,
        media: transport === 't38' ? { transport } : { transport, codec },
        // A T.38 trunk offers T.38 first and takes the far end's re-INVITE to it; a trunk with T.38 off is
        // G.711 pass-through only, and a re-INVITE to T.38 on it is refused 488.
        acceptT38: request.t38,
        log: this.ua.logger,
      });
      // A hang-up from the far end (or a dead dialog) ends the session: T.30 reports CALLDROPPED.
      call.on('terminated', () => void this.stopSession(sessionId));
      const done: CompletedEvent = await completion;
      await call.bye();
      await this.stopSession(sessionId);
      return {
        answered: true,
        callId: call.callId,
        transport: done.transport,
        completion: {
          code: done.code,
          text: done.text,
          ok: done.ok,
          pages: done.pages,
          remoteIdent: done.stats.remoteIdent,
          bitRate: done.stats.bitRate,
          durationMs: done.durationMs,
        },
      };
    } catch (err) {
      await this.stopSession(sessionId);
      throw err;
    } finally {
      this.media.off('page', onPage);
    }
  }

  private invite(
    request: Pick<OutboundCallRequest, 'target' | 'credentials' | 'from' | 'to'>,
    sdpOffer: string,
  ): OutgoingCall {
    const { target } = request;
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    const local = this.ua.host.includes(':') ? `[${this.ua.host}]` : this.ua.host;
    // A TLS trunk is dialled with a sips URI (RFC 5630): TLS on every hop, and sips in the far end's Contact.
    const scheme = target.transport === 'tls' ? 'sips' : 'sip';
    const transportParam = target.transport === 'tcp' ? ';transport=tcp' : '';
    return this.ua.invite({
      to: `${scheme}:${request.to}@${host}:${target.port}${transportParam}`,
      from: `sip:${request.from}@${local}`,
      pAssertedIdentity: `<sip:${request.from}@${local}>`,
      sdpOffer,
      target: { host: target.host, port: target.port, transport: target.transport },
      credentials: request.credentials,
    });
  }

  private ringTimer(call: OutgoingCall, ms: number): { timer: NodeJS.Timeout; fired: boolean } {
    // Timers run on the event loop's millisecond clock, which may lag the monotonic one the INVITE's Timestamp
    // is read from: a timer that fires a fraction early waits out the rest, so the line rings its full time.
    const startedAt = performance.now();
    const ring: { timer: NodeJS.Timeout; fired: boolean } = { fired: false, timer: undefined as never };
    const check = () => {
      const left = ms - (performance.now() - startedAt);
      if (left > 0) {
        ring.timer = setTimeout(check, Math.ceil(left));
        return;
      }
      ring.fired = true;
      call.cancel();
    };
    ring.timer = setTimeout(check, ms);
    call.once('answered', () => clearTimeout(ring.timer));
    return ring;
  }

  private async stopSession(sessionId: string): Promise<void> {
    try {
      await this.media.stopSession(sessionId);
    } catch {
      // Already stopped (the far end hung up first): nothing left to free.
    }
  }
}

/** The INVITE's outcome, or how the call ended when it was torn down first (user agent stopped). */
function settled(call: OutgoingCall): Promise<InviteOutcome> {
  return Promise.race([
    call.result,
    call
      .next('terminated')
      .then(
        (t): InviteOutcome => ({ answered: false, status: t.status, reason: t.reason ?? '', cause: t.cause }),
      ),
  ]);
}
