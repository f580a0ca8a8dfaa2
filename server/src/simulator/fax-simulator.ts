// A remote fax machine on the same engine as the appliance: its own SIP user agent and media engine. Calling:
// it sends a TIFF to a number over T.38, G.711, or audio switched to T.38 by its own re-INVITE, optionally
// over a lossy trunk, and can hang up mid-document or go silent. Receiving (receive()): it answers as a fax machine and
// keeps what arrives, or as a busy line, a line nobody answers, a voice line, or a machine that hangs up after
// page N (fax-receiver.ts). For demos, tests, benches and trunk checks.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { G711Codec } from '../../../native-workers/media/g711.ts';
import {
  type CompletedEvent,
  MediaEngine,
  type PageEvent,
  type PhaseBEvent,
  type RemoteAddress,
} from '../../../native-workers/media/media-engine.ts';
import { audioCodecOf, FaxCallMedia, faxMediaOf, LocalSdp } from '../telephony/fax-call-media.ts';
import { extractMedia } from '../telephony/sdp/offer-answer.ts';
import { T38ErrorCorrection } from '../telephony/sdp/t38.ts';
import { CallState } from '../telephony/sip/call.ts';
import type { TransportName } from '../telephony/sip/headers.ts';
import { type SipLogger, silentLogger } from '../telephony/sip/logger.ts';
import type { OutgoingCall } from '../telephony/sip/outgoing-call.ts';
import { SipStatus } from '../telephony/sip/status.ts';
import { UserAgent, type UserAgentConfig } from '../telephony/sip/user-agent.ts';
import { FaxReceiver, type ReceiveOptions } from './fax-receiver.ts';
import { LossyUdpRelay, type RelayCounts } from './lossy-relay.ts';

export type SimulatorMode = 't38' | 'audio' | 'reinvite';

export type SessionRefreshMethod = 'reinvite' | 'reinvite-new-version' | 'update';

export interface FaxSimulatorOptions {
  /** Address SIP and media bind to; another loopback address (127.0.0.2) makes it another host. */
  address?: string;
  /** SIP port; default 0 (any free port). */
  sipPort?: number;
  /** Media port range; default 40000–44999 (ports in use are skipped). */
  mediaPorts?: { first: number; last: number };
  logger?: SipLogger;
  sip?: Partial<UserAgentConfig>;
}

export type SimulatorProgress =
  | { type: 'ringing'; status: number }
  | { type: 'answered'; transport: 't38' | 'audio' }
  | { type: 'switched'; by: 'local' | 'remote' }
  | { type: 'negotiated'; bitRate: number; ecm: boolean; remoteIdent: string }
  | { type: 'page'; page: number; pagesInFile: number }
  | { type: 'hangup'; afterPage: number };

export interface SendFaxOptions {
  /** The number dialled: the user part of the Request-URI (`+12125550100`). */
  to: string;
  /** Our number (From and TSI); default +15555550100. */
  from?: string;
  /** The appliance (or trunk) to call. */
  target: { host: string; port: number; transport?: TransportName };
  /** A T.6/T.4 TIFF of 1728-px pages (see loadFaxDocument for PDFs). */
  tiffPath: string;
  /** Default t38. */
  mode?: SimulatorMode;
  /** G.711 law for audio and reinvite modes; default pcmu. */
  codec?: G711Codec;
  /** In audio mode, accept the far end's re-INVITE to T.38; default false (an audio-only machine: 488). */
  acceptT38?: boolean;
  /** How a refused re-INVITE to T.38 is answered; default 488 (carriers also send 606 or 415). */
  t38RefusalStatus?: number;
  /** Percent of media datagrams our session drops in each direction (a lossy trunk). */
  lossPercent?: number;
  /** Seed for those drops (one sequence each way), for repeatable runs. */
  lossSeed?: number;
  /** BYE right after this page is confirmed (a dropped call). */
  hangupAfterPage?: number;
  /**
   * A far end that vanishes: once this page is confirmed, no media gets through either way and we never send
   * BYE; the call lasts until the far end hangs up (or `timeoutMs`).
   */
  silentAfterPage?: number;
  /** After our phase E, never send BYE: wait for the far end's (or `timeoutMs`). */
  neverBye?: boolean;
  /** T.38 mode: offer G.711 (`codec`) beside T.38 in the INVITE (m=audio and m=image); the answer picks. */
  offerAudioAndImage?: boolean;
  /** T.38 error correction we offer and then send (T38FaxUdpEC); default redundancy. */
  errorCorrection?: T38ErrorCorrection;
  /**
   * Session refreshes while the document goes, each right after its page is confirmed: a re-INVITE repeating
   * our SDP (RFC 4028), a re-INVITE with a new SDP version and the same media, or an UPDATE without a body.
   */
  refreshes?: { afterPage: number; method: SessionRefreshMethod }[];
  /** In reinvite mode, how long after the answer we re-INVITE; default 300 ms. */
  reinviteAfterMs?: number;
  /** Give up (BYE) after this long; default 180 s. */
  timeoutMs?: number;
  /**
   * T.38 only: our side sends without real-time pacing (spandsp NO_PACING), so a test's fax takes
   * about half the time. The far end still paces its own answers; never for a real carrier.
   */
  noPacing?: boolean;
  onProgress?: (event: SimulatorProgress) => void;
}

export interface SendFaxResult {
  /** SIP Call-ID, the same on the far end's side of the call. */
  callId: string;
  answered: boolean;
  /** Final SIP status of the INVITE. */
  sipStatus: number;
  sipReason: string;
  /** The T.30 outcome (absent when the call was not answered). */
  fax?: CompletedEvent;
  transport?: 't38' | 'audio';
  switchedToT38By?: 'local' | 'remote';
  /** Datagrams let through and dropped, both ways, when lossPercent was set. */
  relay?: RelayCounts;
  /** Re-INVITEs to T.38 from the far end that we refused (audio mode without acceptT38). */
  refusedT38Reinvites?: number;
  /** Who ended the call. */
  hungUpBy?: 'local' | 'remote';
  /** On T.38: the UDPTL error correction the far end answered (and both sides sent). */
  negotiatedErrorCorrection?: T38ErrorCorrection;
  /** The session refreshes sent, with the far end's final status (undefined: not sent, the call was busy). */
  refreshes?: { afterPage: number; method: SessionRefreshMethod; status?: number }[];
}

/** After our phase E the line stays up this long, so the far end gets our last frames before the BYE. */
const LINGER_MS = 1000;

interface SessionListeners {
  phaseB(e: PhaseBEvent): void;
  page(e: PageEvent): void;
}

export class FaxSimulator {
  /** One engine listener per event, routed by session: hundreds of calls may run at once. */
  private readonly listeners = new Map<string, SessionListeners>();

  private readonly receivers: FaxReceiver[] = [];

  private constructor(
    readonly ua: UserAgent,
    readonly engine: MediaEngine,
    readonly address: string,
    private readonly log: SipLogger,
  ) {
    engine.on('phaseB', (e) => this.listeners.get(e.sessionId)?.phaseB(e));
    engine.on('page', (e) => this.listeners.get(e.sessionId)?.page(e));
    ua.on('invite', (call) => {
      // The receiver for this number, else one for any number; without a receiver we are not a callee.
      const receiver =
        this.receivers.find((r) => r.number !== undefined && r.number === call.toUser) ??
        this.receivers.find((r) => r.number === undefined);
      if (receiver) receiver.handle(call);
      else call.reject(this.receivers.length > 0 ? SipStatus.NotFound : SipStatus.TemporarilyUnavailable);
    });
  }

  static async start(options: FaxSimulatorOptions = {}): Promise<FaxSimulator> {
    const address = options.address ?? '127.0.0.1';
    const ua = await UserAgent.start({
      host: address,
      port: options.sipPort ?? 0,
      logger: options.logger ?? silentLogger,
      contactUser: 'fax-simulator',
      userAgent: 'FaxSeal fax simulator',
      ...options.sip,
    });
    const ports = options.mediaPorts ?? { first: 40000, last: 44999 };
    const engine = new MediaEngine({ bindAddress: address, portMin: ports.first, portMax: ports.last });
    return new FaxSimulator(ua, engine, address, options.logger ?? silentLogger);
  }

  /**
   * Starts answering calls (to `number`, or to any number): as a fax machine by default, or busy, never
   * answering, a voice line, or a refusal. Returns the receiver, whose `calls` record every call and fax.
   */
  receive(options: ReceiveOptions = {}): FaxReceiver {
    if (this.receivers.some((r) => r.number === options.number))
      throw new Error(`ERR_SIMULATOR_RECEIVER: already receiving for ${options.number ?? 'any number'}`);
    const receiver = new FaxReceiver(
      {
        engine: this.engine,
        address: this.address,
        log: this.log,
        listen: (sessionId, listeners) => this.listeners.set(sessionId, listeners),
        unlisten: (sessionId) => this.listeners.delete(sessionId),
        detach: (r) => {
          const i = this.receivers.indexOf(r);
          if (i >= 0) this.receivers.splice(i, 1);
        },
      },
      options,
    );
    this.receivers.push(receiver);
    return receiver;
  }

  get sipPort(): number {
    return this.ua.port;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.receivers].map((r) => r.close()));
    await this.ua.stop();
    await this.engine.close();
  }

  /** One session refresh in the middle of a fax; its final status lands in `log`. */
  private async refresh(
    call: OutgoingCall,
    sameT38Offer: () => string,
    refresh: { afterPage: number; method: SessionRefreshMethod },
    log: NonNullable<SendFaxResult['refreshes']>,
  ): Promise<void> {
    const entry: (typeof log)[number] = { ...refresh };
    log.push(entry);
    if (refresh.method === 'reinvite-new-version') {
      // The same T.38 stream in a new SDP version: the far end must answer it and carry on as before.
      const result = await call.reinvite(sameT38Offer());
      entry.status = result.ok ? SipStatus.Ok : result.status;
      return;
    }
    const response = await call.refreshSession(refresh.method === 'update' ? 'UPDATE' : 'INVITE');
    entry.status = response?.status;
  }

  /** Places one fax call and resolves when it is over. Several may run at once. */
  async send(options: SendFaxOptions): Promise<SendFaxResult> {
    const mode = options.mode ?? 't38';
    const codec = options.codec ?? 'pcmu';
    const from = options.from ?? '+15555550100';
    const progress = options.onProgress ?? (() => {});
    const log = silentLogger;
    const sessionId = `sim-${randomUUID()}`;
    // Offering audio and image, the session starts on audio and moves to T.38 if that is the answer (no media
    // has moved before the answer, so nothing is lost).
    const dual = mode === 't38' && options.offerAudioAndImage === true;
    const { localPort } = await this.engine.startSession({
      sessionId,
      transport: mode === 't38' && !dual ? 't38' : 'audio',
      codec,
      role: 'calling',
      job: { txTiff: { path: options.tiffPath }, localIdent: from.slice(0, 20) },
      t38: options.noPacing && mode === 't38' ? { noPacing: true } : undefined,
      // The lossy trunk is played on the media thread, where a busy main thread cannot delay what gets through.
      loss: options.lossPercent ? { rate: options.lossPercent / 100, seed: options.lossSeed } : undefined,
    });
    // A far end that will vanish sits behind a relay we can mute.
    const relay =
      options.silentAfterPage !== undefined
        ? await LossyUdpRelay.start(this.address, { address: this.address, port: localPort }, 0)
        : undefined;
    const route = (remote: RemoteAddress): RemoteAddress => {
      if (!relay) return remote;
      relay.setFar(remote);
      return relay.localFacingAddress();
    };
    const advertisedPort = relay?.farFacingPort ?? localPort;
    const sdp = new LocalSdp(this.address);
    const errorCorrection = options.errorCorrection ?? T38ErrorCorrection.Redundancy;
    const sdpOffer = sdp.offer(mode === 't38' ? 't38' : 'audio', advertisedPort, [audioCodecOf(codec)], {
      t38: { errorCorrection },
      withAudio: dual,
    });
    const refreshes: NonNullable<SendFaxResult['refreshes']> = [];

    let call: OutgoingCall | undefined;
    let hungUpAfterPage = false;
    const phaseB = (e: PhaseBEvent) =>
      progress({
        type: 'negotiated',
        bitRate: e.stats.bitRate,
        ecm: e.stats.ecm,
        remoteIdent: e.stats.remoteIdent,
      });
    const page = (e: PageEvent) => {
      progress({ type: 'page', page: e.page, pagesInFile: e.stats.pagesInFile });
      if (options.hangupAfterPage !== undefined && e.page >= options.hangupAfterPage && !hungUpAfterPage) {
        hungUpAfterPage = true;
        progress({ type: 'hangup', afterPage: e.page });
        void call?.bye();
      }
      if (options.silentAfterPage !== undefined && e.page === options.silentAfterPage) relay?.mute();
      for (const refresh of options.refreshes ?? []) {
        if (refresh.afterPage === e.page && call)
          void this.refresh(
            call,
            sdp.t38Offer.bind(sdp, advertisedPort, { errorCorrection }),
            refresh,
            refreshes,
          );
      }
    };
    this.listeners.set(sessionId, { phaseB, page });
    const completion = this.engine.waitForCompletion(sessionId).catch(() => undefined);
    const giveUp = new AbortController();
    try {
      call = this.ua.invite({
        to: `sip:${options.to}@${options.target.host}:${options.target.port}`,
        from: `sip:${from}@${this.address}`,
        sdpOffer,
        target: options.target,
      });
      call.on('provisional', (p) => progress({ type: 'ringing', status: p.status }));
      const outcome = await call.result;
      if (!outcome.answered) {
        return { callId: call.callId, answered: false, sipStatus: outcome.status, sipReason: outcome.reason };
      }
      const answered = extractMedia(outcome.sdpAnswer);
      if (!answered) {
        await call.bye();
        return {
          callId: call.callId,
          answered: true,
          sipStatus: outcome.status,
          sipReason: 'answer without usable media',
        };
      }
      const negotiated = faxMediaOf(answered);
      if (dual && negotiated.transport === 't38')
        await this.engine.switchToT38(sessionId, { remote: route(negotiated.remote), t38: negotiated.t38 });
      else
        this.engine.updateRemote(
          sessionId,
          route(negotiated.remote),
          negotiated.transport === 't38' ? negotiated.t38 : undefined,
        );
      progress({ type: 'answered', transport: negotiated.transport });
      const acceptT38 = mode !== 'audio' || options.acceptT38 === true;
      const media = new FaxCallMedia({
        engine: this.engine,
        call,
        sessionId,
        sdp,
        advertisedPort,
        media: negotiated,
        acceptT38,
        t38RefusalStatus: options.t38RefusalStatus,
        route,
        onSwitched: (by) => progress({ type: 'switched', by }),
        log,
      });
      // A refused switch leaves the call on audio, which is the point of the test.
      if (mode === 'reinvite' && negotiated.transport === 'audio')
        void media.requestT38After(options.reinviteAfterMs ?? 300);
      let refusedT38Reinvites = 0;
      call.on('reinvite', (r) => {
        if (!acceptT38 && media.transport === 'audio' && extractMedia(r.sdpOffer)?.kind === 't38')
          refusedT38Reinvites++;
      });
      const ended = call.state === CallState.Terminated ? Promise.resolve() : call.next('terminated');
      const timeout = sleep(options.timeoutMs ?? 180_000, 'timeout' as const, {
        signal: giveUp.signal,
      }).catch(() => 'fax' as const);
      const first = await Promise.race([
        completion.then(() => 'fax' as const),
        ended.then(() => 'call' as const),
        timeout,
      ]);
      // A far end that vanished (or never hangs up) holds the line until the other side ends it.
      const holdLine = options.neverBye === true || options.silentAfterPage !== undefined;
      if (first === 'fax') await Promise.race([ended, holdLine ? timeout : sleep(LINGER_MS)]);
      const hungUpBy = call.state === CallState.Terminated ? (call.termination?.by ?? 'remote') : 'local';
      if (call.state !== CallState.Terminated) await call.bye();
      await this.engine.stopSession(sessionId).catch(() => undefined);
      return {
        callId: call.callId,
        answered: true,
        sipStatus: outcome.status,
        sipReason: 'OK',
        fax: await completion,
        transport: media.transport,
        switchedToT38By: media.switchedBy,
        relay: (await completion)?.media.simulatedLoss,
        refusedT38Reinvites,
        hungUpBy,
        negotiatedErrorCorrection: answered.kind === 't38' ? answered.t38.errorCorrection : undefined,
        refreshes,
      };
    } finally {
      giveUp.abort();
      this.listeners.delete(sessionId);
      // Unanswered calls still hold a session; a second stop is refused harmlessly.
      await this.engine.stopSession(sessionId).catch(() => undefined);
      relay?.close();
    }
  }
}
