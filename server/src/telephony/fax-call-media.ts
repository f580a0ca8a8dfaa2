// One fax call's media as SIP negotiates it, whichever side placed the call: SDP offers and answers from one
// origin per call, the media session kept in step, the switch to T.38 by re-INVITE (refused or late: audio, ECM).
//
// Inbound calls, outbound faxing and the fax simulator all use it. The sides differ only in who offers and who
// moves an audio call to T.38, and only here:
// - The answering side (inbound calls, the simulator's receiver) takes one stream of the INVITE's offer
//   (`chooseAnswer`): T.38 when offered and allowed, else G.711. An audio call that may be T.38 is moved there by
//   our re-INVITE (`requestT38After`) once the far end has had a head start to send its own, as gateways do.
// - The calling side (outbound faxing, the simulator's sender) offers first (`LocalSdp.offer`): T.38 first, then
//   G.711 in a new INVITE when the far end refuses the media (`callingOffers`, `offerRefused`). It never moves an
//   audio call to T.38 itself: the far end refused our T.38 offer or the trunk wants none (the simulator can still
//   play a sender that re-INVITEs).
// Both sides take the far end's re-INVITE to T.38 when `acceptT38` says so, and follow a new media address.

import { setTimeout as sleep } from 'node:timers/promises';
import type { G711Codec } from '../../../native-workers/media/g711.ts';
import type {
  T38Params as EngineT38Params,
  MediaEngine,
  MediaTransport,
  RemoteAddress,
} from '../../../native-workers/media/media-engine.ts';
import {
  AnswerFailure,
  type AnswerResult,
  AudioCodec,
  answerOffer,
  buildAudioOffer,
  buildT38Offer,
  extractMedia,
  type LocalMediaOptions,
  type MediaDescription,
  newSdpOrigin,
  type SdpOriginState,
} from './sdp/offer-answer.ts';
import { serializeSdp } from './sdp/session-description.ts';
import { T38ErrorCorrection, type T38Params, T38RateManagement } from './sdp/t38.ts';
import { CallState, type ReinviteRequest, type SipCall } from './sip/call.ts';
import type { SipLogger } from './sip/logger.ts';
import { SipStatus } from './sip/status.ts';

/** What the media engine needs from a negotiated stream. */
export type FaxMedia =
  | { transport: 't38'; remote: RemoteAddress; t38: EngineT38Params }
  | { transport: 'audio'; remote: RemoteAddress; codec: G711Codec };

export const g711CodecOf = (codec: AudioCodec): G711Codec => (codec === AudioCodec.Pcma ? 'pcma' : 'pcmu');
export const audioCodecOf = (codec: G711Codec): AudioCodec =>
  codec === 'pcma' ? AudioCodec.Pcma : AudioCodec.Pcmu;

const udptlErrorCorrection = {
  [T38ErrorCorrection.Redundancy]: 'redundancy',
  [T38ErrorCorrection.Fec]: 'fec',
  [T38ErrorCorrection.None]: 'none',
} as const;

/**
 * The negotiated SDP parameters as engine parameters: the far end's T38FaxMaxDatagram bounds what we send, and
 * T38FaxUdpEC (the same in offer and answer once agreed) is the error correction our UDPTL sends.
 */
export function engineT38Params(params: T38Params): EngineT38Params {
  return {
    version: params.version,
    maxBitRate: params.maxBitRate,
    rateManagement: params.rateManagement === T38RateManagement.LocalTcf ? 'localTCF' : 'transferredTCF',
    farMaxDatagram: params.maxDatagram,
    errorCorrection: udptlErrorCorrection[params.errorCorrection],
  };
}

export function faxMediaOf(media: MediaDescription): FaxMedia {
  const remote = { address: media.address, port: media.port };
  return media.kind === 't38'
    ? { transport: 't38', remote, t38: engineT38Params(media.t38) }
    : { transport: 'audio', remote, codec: g711CodecOf(media.codec) };
}

/** Our side of the SDP session: one origin whose version grows with every description we send. */
export class LocalSdp {
  private readonly origin: SdpOriginState = newSdpOrigin();

  constructor(readonly address: string) {}

  private next(): LocalMediaOptions {
    this.origin.sessionVersion++;
    return { address: this.address, origin: { ...this.origin } };
  }

  private audioOffer(port: number, codecs: AudioCodec[]): string {
    return serializeSdp(buildAudioOffer({ ...this.next(), port, codecs, telephoneEvent: false }));
  }

  t38Offer(port: number, t38?: Partial<T38Params>, audioCodecs?: AudioCodec[]): string {
    return serializeSdp(buildT38Offer({ ...this.next(), port, t38, audioCodecs }));
  }

  /**
   * The calling side's offer of one transport; audio offers `codecs` in order. A T.38 offer may carry its
   * own parameters (T38FaxUdpEC…) and, with `withAudio`, G.711 in `codecs` beside it for the answer to pick.
   */
  offer(
    transport: MediaTransport,
    port: number,
    codecs: AudioCodec[],
    options: { t38?: Partial<T38Params>; withAudio?: boolean } = {},
  ): string {
    return transport === 't38'
      ? this.t38Offer(port, options.t38, options.withAudio ? codecs : undefined)
      : this.audioOffer(port, codecs);
  }

  /** Answers with the stream we take: T.38 only when `t38Port` is given, audio only when `audioPort` is. */
  answer(
    offer: string,
    ports: { audioPort?: number; t38Port?: number },
    codecs: AudioCodec[],
  ): AnswerResult & { sdp?: string } {
    const result = answerOffer(offer, { ...this.next(), ...ports, codecs });
    return result.ok ? { ...result, sdp: serializeSdp(result.answer) } : result;
  }
}

/** The calling side's offers in turn: T.38 first when the trunk does T.38, G.711 as the fallback. */
export const callingOffers = (t38: boolean): MediaTransport[] => (t38 ? ['t38', 'audio'] : ['audio']);

const MEDIA_REFUSED = new Set<number>([
  SipStatus.UnsupportedMediaType,
  SipStatus.NotAcceptableHere,
  SipStatus.NotAcceptableAnywhere,
]);

/** A final response to an INVITE that refuses its media, not the call: the calling side tries its next offer. */
export const offerRefused = (status: number): boolean => MEDIA_REFUSED.has(status);

export type AnswerChoice =
  | { ok: true; media: FaxMedia; answer(port: number): string }
  | { ok: false; status: AnswerFailure; reason: string };

/**
 * The answering side's pick from the INVITE's offer, made before the media session exists: the stream decides
 * the session's transport, and `answer` writes our SDP once the session's port is known.
 */
export function chooseAnswer(
  sdp: LocalSdp,
  offer: string,
  accept: { t38: boolean; codecs: AudioCodec[] },
): AnswerChoice {
  const ports = (port: number) => ({ audioPort: port, t38Port: accept.t38 ? port : undefined });
  // Port 9 (discard) stands in for the session's, which the pick decides.
  const probe = sdp.answer(offer, ports(9), accept.codecs);
  if (!probe.ok) {
    const reason = probe.failure === AnswerFailure.BadRequest ? 'Bad SDP' : 'Not Acceptable Here';
    return { ok: false, status: probe.failure, reason };
  }
  return {
    ok: true,
    media: faxMediaOf(probe.media),
    answer: (port) => sdp.answer(offer, ports(port), accept.codecs).sdp!,
  };
}

/** The stream a call is on: T.38, or audio in one G.711 law. */
export type FaxStream = { transport: 't38' } | { transport: 'audio'; codec: G711Codec };

export type T38SwitchResult =
  | { switched: true }
  | { switched: false; status: number; reason: string; tooLate?: boolean };

export interface FaxCallMediaOptions {
  engine: MediaEngine;
  call: SipCall;
  sessionId: string;
  sdp: LocalSdp;
  /** The port our SDP advertises (the session's own, or a relay in front of it). */
  advertisedPort: number;
  /** The stream negotiated at call setup. */
  media: FaxStream;
  /** Accept the far end's re-INVITE to T.38 (an audio-only machine answers 488). */
  acceptT38: boolean;
  /** How a refused re-INVITE to T.38 is answered: 488 by default; carriers also send 606 or 415. */
  t38RefusalStatus?: number;
  /** Maps the far end's media address to where our session must send (a relay may sit between). */
  route?: (remote: RemoteAddress) => RemoteAddress;
  /** Told once the session runs on T.38 after a re-INVITE. */
  onSwitched?: (by: 'local' | 'remote') => void;
  log: SipLogger;
}

/** Keeps a call's SDP and its media-engine session in step for the life of the call. */
export class FaxCallMedia {
  transport: MediaTransport;
  /** Who moved the call to T.38 by re-INVITE, if anyone. */
  switchedBy: 'local' | 'remote' | undefined;
  private readonly codec: G711Codec;

  constructor(private readonly options: FaxCallMediaOptions) {
    this.transport = options.media.transport;
    this.codec = options.media.transport === 'audio' ? options.media.codec : 'pcmu';
    options.call.on('reinvite', (request) => {
      this.onReinvite(request).catch((err) => {
        options.log.error(
          { callId: options.call.callId, err: (err as Error).message },
          'fax re-INVITE failed',
        );
        request.reject(SipStatus.ServerInternalError);
      });
    });
  }

  /**
   * Our move to T.38 on an audio call, the answering side's way: a re-INVITE once the far end has had
   * `headStartMs` to send its own, and on glare (491) once more after RFC 3261 §14.1's wait. Never rejects.
   */
  async requestT38After(headStartMs: number): Promise<void> {
    const { call } = this.options;
    await sleep(headStartMs);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (call.state !== CallState.Confirmed || this.transport === 't38') return;
      const result = await this.requestT38().catch(() => undefined);
      if (!result || result.switched || result.status !== SipStatus.RequestPending) return;
      // The caller owns the Call-ID and waits 2.1–4 s; the callee 0–2 s.
      await sleep(call.direction === 'outbound' ? 2100 + Math.random() * 1900 : Math.random() * 2000);
    }
  }

  private route(remote: RemoteAddress): RemoteAddress {
    return this.options.route ? this.options.route(remote) : remote;
  }

  /** Our re-INVITE to T.38 on an audio call; a refusal leaves the call on audio. */
  async requestT38(): Promise<T38SwitchResult> {
    const { call, engine, sessionId, sdp, advertisedPort, log } = this.options;
    if (this.transport === 't38') return { switched: true };
    const result = await call.reinvite(sdp.t38Offer(advertisedPort));
    if (!result.ok) {
      log.info(
        { callId: call.callId, status: result.status },
        'fax T.38 re-INVITE refused, staying on audio',
      );
      return { switched: false, status: result.status, reason: result.reason };
    }
    const media = extractMedia(result.sdpAnswer);
    if (media?.kind !== 't38') {
      return { switched: false, status: SipStatus.NotAcceptableHere, reason: 'answer without T.38' };
    }
    try {
      await engine.switchToT38(sessionId, {
        remote: this.route({ address: media.address, port: media.port }),
        t38: engineT38Params(media.t38),
      });
    } catch (err) {
      // A page already moved on audio: the far end now expects T.38 but the fax can only finish on audio.
      log.warn({ callId: call.callId, err: (err as Error).message }, 'fax switch to T.38 came too late');
      return { switched: false, status: SipStatus.NotAcceptableHere, reason: 'too late', tooLate: true };
    }
    this.transport = 't38';
    this.switchedBy = 'local';
    log.info({ callId: call.callId }, 'fax switched to T.38 (our re-INVITE)');
    this.options.onSwitched?.('local');
    return { switched: true };
  }

  private async onReinvite(request: ReinviteRequest): Promise<void> {
    const { engine, sessionId, sdp, advertisedPort, acceptT38, log, call } = this.options;
    const wantsT38 = this.transport === 't38' || acceptT38;
    const answer = sdp.answer(
      request.sdpOffer,
      {
        t38Port: wantsT38 ? advertisedPort : undefined,
        audioPort: this.transport === 'audio' ? advertisedPort : undefined,
      },
      [audioCodecOf(this.codec)],
    );
    if (!answer.ok || !answer.sdp) {
      const refusal = !wantsT38 ? this.options.t38RefusalStatus : undefined;
      request.reject(refusal ?? (answer.ok ? SipStatus.NotAcceptableHere : answer.failure));
      return;
    }
    const media = faxMediaOf(answer.media);
    if (media.transport === 't38' && this.transport === 'audio') {
      try {
        await engine.switchToT38(sessionId, { remote: this.route(media.remote), t38: media.t38 });
      } catch (err) {
        log.info({ callId: call.callId, err: (err as Error).message }, 'fax T.38 re-INVITE refused');
        request.reject(SipStatus.NotAcceptableHere);
        return;
      }
      this.transport = 't38';
      this.switchedBy = 'remote';
      log.info({ callId: call.callId }, 'fax switched to T.38 (far end re-INVITE)');
      this.options.onSwitched?.('remote');
    } else {
      // Same transport, perhaps a new address: follow it.
      engine.updateRemote(sessionId, this.route(media.remote));
    }
    request.accept(answer.sdp);
  }
}
