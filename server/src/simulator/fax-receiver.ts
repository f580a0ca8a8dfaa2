// The fax simulator's receiving side: answers INVITEs on the simulator's user agent as a fax machine (T.38 when
// offered, else G.711 in the answering role, taking or refusing a re-INVITE to T.38 as asked) and keeps each
// received document as a TIFF; or behaves like the lines an outbound fax meets in the wild: busy (486), ringing
// for ever (180, never answered until the caller CANCELs), a voice line (answered with audio, a 400 Hz tone or
// silence, never CED or V.21), any other refusal, or a fax machine that hangs up after page N.

import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { G711_PAYLOAD_TYPE, type G711Codec, g711Encode } from '../../../native-workers/media/g711.ts';
import type {
  CompletedEvent,
  MediaEngine,
  PageEvent,
  PhaseBEvent,
} from '../../../native-workers/media/media-engine.ts';
import { encodeRtpPacket, SAMPLES_PER_FRAME } from '../../../native-workers/media/rtp.ts';
import { T30CompletionCode } from '../../../native-workers/spandsp/codes.ts';
import { chooseAnswer, FaxCallMedia, g711CodecOf, LocalSdp } from '../telephony/fax-call-media.ts';
import { AudioCodec, extractMedia } from '../telephony/sdp/offer-answer.ts';
import { CallState } from '../telephony/sip/call.ts';
import type { IncomingCall } from '../telephony/sip/incoming-call.ts';
import type { SipLogger } from '../telephony/sip/logger.ts';
import { getHeader } from '../telephony/sip/message.ts';
import { SipStatus } from '../telephony/sip/status.ts';

export type ReceiveMode = 'fax' | 'busy' | 'no-answer' | 'voice' | 'reject';
export const RECEIVE_MODES: readonly ReceiveMode[] = ['fax', 'busy', 'no-answer', 'voice', 'reject'];

/** How one call is handled. */
export interface CallBehaviour {
  /** Default fax. */
  mode: ReceiveMode;
  /** Final status in reject mode; default 403. (Busy is 486.) */
  rejectStatus?: number;
  /** 180 Ringing for this long before answering (fax, voice); default 0.3 s. */
  ringSeconds?: number;
  /** Take T.38: in the INVITE's offer and in a re-INVITE; false = an audio-only machine (488 to T.38). Default true. */
  acceptT38?: boolean;
  /** With acceptT38 false, the status a T.38 offer or re-INVITE is refused with; default 488 (606 and 415 are seen too). */
  t38RefusalStatus?: number;
  /** On a call answered on G.711, re-INVITE to T.38 ourselves this long after the ACK (unset: never). */
  requestT38AfterMs?: number;
  /** BYE once this page has been received (a dropped call mid-document). */
  hangupAfterPage?: number;
  /** Between that page and the BYE, so the sender gets our MCF first; default 1500 ms. */
  hangupDelayMs?: number;
  /** Voice mode: a 400 Hz tone (default) or silence. */
  voice?: 'tone' | 'silence';
  /** Voice mode: BYE after this long if the caller has not given up first; default 120 s. */
  voiceSeconds?: number;
}

export interface ReceiveOptions extends Partial<CallBehaviour> {
  /** Answer only calls to this number (the Request-URI's user part); others go to another receiver or get 404. */
  number?: string;
  /** Per call, in arrival order, overrides of the behaviour above; calls past the list get the behaviour above. */
  calls?: Partial<CallBehaviour>[];
  /** Where received TIFFs go (kept); default a temporary directory removed by close(). */
  outDir?: string;
  /** Our CSI; default +15555550199. */
  localIdent?: string;
  /** Each call once it is over, whatever happened. */
  onCall?: (call: ReceivedCall) => void;
  /** Each fax received (answered in fax mode), once its T.30 session has ended. */
  onFax?: (call: ReceivedCall & { fax: ReceivedFax }) => void;
  /** A page received, as it arrives. */
  onPage?: (event: { callId: string; page: number }) => void;
}

export interface ReceivedFax {
  /** The received document (T.6 TIFF), present even when the fax failed part-way (the pages received). */
  rxTiff: string;
  pages: number;
  /** T.30 completion code (0 = OK) and its text. */
  code: number;
  text: string;
  ok: boolean;
  remoteIdent: string;
  bitRate: number;
  ecm: boolean;
  durationMs: number;
}

export interface ReceivedCall {
  /** 1-based arrival order at this receiver. */
  index: number;
  callId: string;
  mode: ReceiveMode;
  from: string | undefined;
  to: string | undefined;
  pAssertedIdentity: string | undefined;
  /** What the INVITE offered. */
  offer: 't38' | 'audio' | null;
  /** Our final response to the INVITE: 200, or the refusal (486, 488, 403…); 487 when the caller CANCELled. */
  sipStatus: number;
  /** Media the call was answered with, and after a re-INVITE. */
  answeredWith?: 't38' | 'audio';
  transport?: 't38' | 'audio';
  switchedToT38By?: 'local' | 'remote';
  /** Re-INVITEs to T.38 we refused (voice line, audio-only machine). */
  refusedReinvites: number;
  /** Set in fax mode once answered. */
  fax?: ReceivedFax;
  hungUpBy?: 'local' | 'remote';
  /** Ms from INVITE to the end of the call. */
  durationMs: number;
  /**
   * Ms the caller let it ring before its CANCEL, by the Timestamp headers of its INVITE and CANCEL
   * (RFC 3261 §20.38): the caller's own clock, whatever delayed the messages on their way here.
   */
  cancelledAfterMs?: number;
}

/** What a receiver needs from the simulator that owns the user agent and media engine. */
export interface ReceiverHost {
  engine: MediaEngine;
  address: string;
  log: SipLogger;
  listen(sessionId: string, listeners: { phaseB(e: PhaseBEvent): void; page(e: PageEvent): void }): void;
  unlisten(sessionId: string): void;
  detach(receiver: FaxReceiver): void;
}

/** After its T.30 session ends, how long a fax call waits for the caller's BYE before sending its own. */
const CALLER_HANGUP_MS = 1500;
const ALL_CODECS = [AudioCodec.Pcmu, AudioCodec.Pcma];

function terminated(call: IncomingCall): Promise<void> {
  if (call.state === CallState.Terminated) return Promise.resolve();
  return call.next('terminated').then(() => undefined);
}

export class FaxReceiver {
  /** Every call, in arrival order; an entry is added when the INVITE arrives and completed when it is over. */
  readonly calls: ReceivedCall[] = [];
  readonly outDir: string;
  private readonly ownsDir: boolean;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly live = new Set<IncomingCall>();
  private closed = false;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly host: ReceiverHost,
    readonly options: ReceiveOptions,
  ) {
    if (options.outDir) {
      this.outDir = options.outDir; // created with the first fax
      this.ownsDir = false;
    } else {
      this.outDir = mkdtempSync(join(tmpdir(), 'faxseal-sim-rx-'));
      this.ownsDir = true;
    }
  }

  get number(): string | undefined {
    return this.options.number;
  }

  /** Resolves once `count` calls have arrived and every call so far is over. */
  async settled(count = 0, timeoutMs = 300_000): Promise<ReceivedCall[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.calls.length < count || this.inFlight.size > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `fax simulator: ${this.calls.length} of ${count} call(s), ${this.inFlight.size} in progress`,
        );
      if (this.inFlight.size > 0) await Promise.race([Promise.all(this.inFlight), sleep(250)]);
      else await Promise.race([new Promise<void>((r) => this.waiters.push(r)), sleep(250)]);
    }
    return this.calls;
  }

  /** Hangs up calls in progress (their faxes are kept) and stops taking calls. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.host.detach(this);
    for (const call of this.live) {
      if (call.state === CallState.Offered || call.state === CallState.Ringing)
        call.reject(SipStatus.TemporarilyUnavailable);
      else if (call.state !== CallState.Terminated) void call.bye().catch(() => undefined);
    }
    await Promise.all(this.inFlight);
    if (this.ownsDir) rmSync(this.outDir, { recursive: true, force: true });
  }

  /** Called by the simulator for each INVITE routed here. */
  handle(call: IncomingCall): void {
    const index = this.calls.length + 1;
    const behaviour: CallBehaviour = {
      mode: 'fax',
      ...stripUndefined(this.options),
      ...stripUndefined(this.options.calls?.[index - 1] ?? {}),
    };
    const offered = call.sdpOffer ? extractMedia(call.sdpOffer) : null;
    const record: ReceivedCall = {
      index,
      callId: call.callId,
      mode: behaviour.mode,
      from: call.fromUser,
      to: call.toUser,
      pAssertedIdentity: getHeader(call.request, 'P-Asserted-Identity'),
      offer: offered?.kind ?? null,
      sipStatus: 0,
      refusedReinvites: 0,
      durationMs: -1,
    };
    this.calls.push(record);
    call.once('cancel', ({ request }) => {
      const sentAt = (m: typeof request) => Number(getHeader(m, 'Timestamp') ?? Number.NaN);
      const ms = (sentAt(request) - sentAt(call.request)) * 1000;
      if (Number.isFinite(ms)) record.cancelledAfterMs = Math.round(ms);
    });
    for (const wake of this.waiters.splice(0)) wake();
    this.live.add(call);
    const started = Date.now();
    const run = this.run(call, record, behaviour)
      .catch((err: Error) => {
        this.host.log.error({ callId: call.callId, err: err.message }, 'fax simulator: call failed');
        if (call.state === CallState.Offered || call.state === CallState.Ringing) {
          call.reject(SipStatus.ServerInternalError);
          record.sipStatus = SipStatus.ServerInternalError;
        } else if (call.state !== CallState.Terminated) return call.bye().catch(() => undefined);
      })
      .finally(() => {
        record.durationMs = Date.now() - started;
        if (call.termination) record.hungUpBy ??= call.termination.by;
        record.hungUpBy ??= 'local';
        this.live.delete(call);
        this.inFlight.delete(run);
        this.options.onCall?.(record);
        if (record.fax) this.options.onFax?.({ ...record, fax: record.fax });
      });
    this.inFlight.add(run);
  }

  private async run(call: IncomingCall, record: ReceivedCall, b: CallBehaviour): Promise<void> {
    switch (b.mode) {
      case 'busy':
        return this.refuse(call, record, SipStatus.BusyHere);
      case 'reject':
        return this.refuse(call, record, b.rejectStatus ?? SipStatus.Forbidden);
      case 'no-answer':
        // 180, then nothing: the caller's ring timeout CANCELs (487).
        call.ringing();
        await terminated(call);
        record.sipStatus = call.termination?.status ?? SipStatus.RequestTerminated;
        return;
      case 'voice':
        return this.voice(call, record, b);
      case 'fax':
        return this.fax(call, record, b);
    }
  }

  private refuse(call: IncomingCall, record: ReceivedCall, status: number): void {
    call.reject(status);
    record.sipStatus = status;
  }

  /** Rings, then answers; false if the caller gave up while it rang. */
  private async ring(call: IncomingCall, record: ReceivedCall, b: CallBehaviour): Promise<boolean> {
    call.ringing();
    await Promise.race([sleep((b.ringSeconds ?? 0.3) * 1000), terminated(call)]);
    if (call.state === CallState.Terminated) {
      record.sipStatus = call.termination?.status ?? SipStatus.RequestTerminated;
      return false;
    }
    return true;
  }

  private async fax(call: IncomingCall, record: ReceivedCall, b: CallBehaviour): Promise<void> {
    const { engine, address } = this.host;
    const acceptT38 = b.acceptT38 !== false;
    if (!call.sdpOffer) return this.refuse(call, record, SipStatus.NotAcceptableHere);
    const sdp = new LocalSdp(address);
    const choice = chooseAnswer(sdp, call.sdpOffer, { t38: acceptT38, codecs: ALL_CODECS });
    if (!choice.ok) {
      const t38Refused = !acceptT38 && extractMedia(call.sdpOffer)?.kind === 't38';
      return this.refuse(call, record, (t38Refused && b.t38RefusalStatus) || choice.status);
    }
    const offered = choice.media;
    const sessionId = `sim-rx-${record.index}-${call.callId}`;
    mkdirSync(this.outDir, { recursive: true });
    const rxTiff = join(this.outDir, `fax-${String(record.index).padStart(3, '0')}-${safe(call.callId)}.tif`);
    const { localPort } = await engine.startSession({
      sessionId,
      transport: offered.transport,
      codec: offered.transport === 'audio' ? offered.codec : undefined,
      t38: offered.transport === 't38' ? offered.t38 : undefined,
      role: 'answering',
      job: { rxTiff, localIdent: (this.options.localIdent ?? '+15555550199').slice(0, 20) },
    });
    const completion = engine.waitForCompletion(sessionId).catch((): CompletedEvent | undefined => undefined);
    const ended = terminated(call);
    let hangupTimer: NodeJS.Timeout | undefined;
    this.host.listen(sessionId, {
      phaseB: () => {},
      page: (e) => {
        if (e.direction !== 'rx') return;
        this.options.onPage?.({ callId: call.callId, page: e.page });
        if (b.hangupAfterPage !== undefined && e.page >= b.hangupAfterPage && !hangupTimer) {
          hangupTimer = setTimeout(() => void call.bye().catch(() => undefined), b.hangupDelayMs ?? 1500);
        }
      },
    });
    try {
      if (!(await this.ring(call, record, b))) return;
      const answer = choice.answer(localPort);
      const media = new FaxCallMedia({
        engine,
        call,
        sessionId,
        sdp,
        advertisedPort: localPort,
        media: offered,
        acceptT38,
        t38RefusalStatus: b.t38RefusalStatus,
        log: this.host.log,
      });
      if (offered.transport === 'audio' && acceptT38 && b.requestT38AfterMs !== undefined) {
        const delay = b.requestT38AfterMs;
        call.once('ack', () => void media.requestT38After(delay));
      }
      call.answer(answer);
      record.sipStatus = SipStatus.Ok;
      record.answeredWith = offered.transport;
      engine.updateRemote(sessionId, offered.remote);
      const first = await Promise.race([
        completion.then(() => 'fax' as const),
        ended.then(() => 'call' as const),
      ]);
      if (first === 'fax') await Promise.race([ended, sleep(CALLER_HANGUP_MS)]);
      if (call.state !== CallState.Terminated) {
        record.hungUpBy = 'local';
        await call.bye().catch(() => undefined);
      }
      await engine.stopSession(sessionId).catch(() => undefined);
      const done = await completion;
      record.transport = media.transport;
      record.switchedToT38By = media.switchedBy;
      record.fax = {
        rxTiff,
        pages: done?.pages ?? 0,
        code: done?.code ?? T30CompletionCode.CALLDROPPED,
        text: done?.text ?? 'Media session lost',
        ok: done?.ok ?? false,
        remoteIdent: done?.stats.remoteIdent ?? '',
        bitRate: done?.stats.bitRate ?? 0,
        ecm: done?.stats.ecm ?? false,
        durationMs: done?.durationMs ?? 0,
      };
    } finally {
      clearTimeout(hangupTimer);
      this.host.unlisten(sessionId);
      await engine.stopSession(sessionId).catch(() => undefined);
    }
  }

  /** A telephone: G.711 only (488 to a T.38 offer or re-INVITE), and it never sounds like a fax machine. */
  private async voice(call: IncomingCall, record: ReceivedCall, b: CallBehaviour): Promise<void> {
    const offered = call.sdpOffer ? extractMedia(call.sdpOffer) : null;
    const sdp = new LocalSdp(this.host.address);
    const probe = call.sdpOffer ? sdp.answer(call.sdpOffer, { audioPort: 9 }, ALL_CODECS) : undefined;
    if (!probe?.ok || offered?.kind !== 'audio')
      return this.refuse(call, record, SipStatus.NotAcceptableHere);
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, this.host.address, () => resolve());
    });
    socket.on('error', () => undefined);
    socket.on('message', () => undefined); // whatever the caller sends (CNG, V.21) falls on deaf ears
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!(await this.ring(call, record, b))) return;
      const answer = sdp.answer(call.sdpOffer!, { audioPort: socket.address().port }, ALL_CODECS);
      if (!answer.ok || answer.media.kind !== 'audio')
        return this.refuse(call, record, SipStatus.NotAcceptableHere);
      call.on('reinvite', (r) => {
        record.refusedReinvites++;
        r.reject(SipStatus.NotAcceptableHere);
      });
      call.answer(answer.sdp!);
      record.sipStatus = SipStatus.Ok;
      record.answeredWith = 'audio';
      record.transport = 'audio';
      const remote = { address: answer.media.address, port: answer.media.port };
      timer = startTone(socket, remote, g711CodecOf(answer.media.codec), b.voice ?? 'tone');
      await Promise.race([terminated(call), sleep((b.voiceSeconds ?? 120) * 1000)]);
      if (call.state !== CallState.Terminated) {
        record.hungUpBy = 'local';
        await call.bye().catch(() => undefined);
      }
    } finally {
      clearInterval(timer);
      socket.close();
    }
  }
}

/** 20 ms G.711 frames of a 400 Hz tone (a ringback-like "hello?") or silence, paced by the wall clock. */
function startTone(
  socket: dgram.Socket,
  remote: { address: string; port: number },
  codec: G711Codec,
  sound: 'tone' | 'silence',
): NodeJS.Timeout {
  const payloadType = G711_PAYLOAD_TYPE[codec];
  const ssrc = (Math.random() * 2 ** 32) >>> 0;
  let seq = Math.floor(Math.random() * 65536);
  let timestamp = (Math.random() * 2 ** 32) >>> 0;
  let sample = 0;
  let sent = 0;
  const t0 = performance.now();
  const frame = () => {
    const pcm = new Int16Array(SAMPLES_PER_FRAME);
    if (sound === 'tone')
      for (let i = 0; i < pcm.length; i++)
        pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 400 * sample++) / 8000));
    const packet = encodeRtpPacket({
      payloadType,
      seq,
      timestamp,
      ssrc,
      marker: sent === 0,
      payload: g711Encode(codec, pcm),
    });
    socket.send(packet, remote.port, remote.address);
    seq = (seq + 1) & 0xffff;
    timestamp = (timestamp + SAMPLES_PER_FRAME) >>> 0;
    sent++;
  };
  return setInterval(() => {
    // Catch up after a late timer so the far end's jitter buffer sees a steady 50 frames a second.
    const due = Math.floor((performance.now() - t0) / 20) + 1;
    while (sent < due) frame();
  }, 20);
}

function safe(callId: string): string {
  return callId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
