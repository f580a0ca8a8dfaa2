// Calls as the application sees them: an INVITE dialog with answer/reject/re-INVITE/BYE, CANCEL,
// and RFC 4028 session timers refreshed by re-INVITE or UPDATE so that long faxes are never cut.
import { type ClientRequestHandlers, sendClientRequest } from './client-request.ts';
import { Dialog } from './dialog.ts';
import type { DigestCredentials } from './digest.ts';
import { TypedEmitter } from './emitter.ts';
import { newTag, parseCSeq, type TransportName } from './headers.ts';
import type { SipLogger } from './logger.ts';
import { getHeader, headerTokens, type SipHeader, type SipRequest, type SipResponse } from './message.ts';
import { SipStatus } from './status.ts';
import type { ServerTransaction, TransactionLayer } from './transaction.ts';
import type { Source } from './transport.ts';
import { type NameAddr, parseNameAddr, uriUser } from './uri.ts';

export enum CallState {
  /** Inbound INVITE received and 100 Trying sent; the application has not answered yet. */
  Offered = 'offered',
  /** Outbound INVITE sent, nothing but 100 heard. */
  Calling = 'calling',
  /** 180/183 sent or received. */
  Ringing = 'ringing',
  /** 2xx sent, waiting for the ACK. */
  Answered = 'answered',
  /** ACK received or sent: media flows. */
  Confirmed = 'confirmed',
  Terminated = 'terminated',
}

export enum CallEndCause {
  /** BYE, from either side. */
  NormalClearing = 'normal_clearing',
  /** Final response ≥ 300 to the INVITE, from either side; `status` tells which. */
  Rejected = 'rejected',
  /** CANCEL before the answer: the INVITE got 487. */
  Cancelled = 'cancelled',
  /** No final response (Timer B) or the far end stopped responding to in-dialog requests. */
  RequestTimeout = 'request_timeout',
  /** Our 2xx was never ACKed within 64*T1. */
  NoAck = 'no_ack',
  /** The session timer ran out without a refresh (RFC 4028 §10). */
  SessionExpired = 'session_expired',
  /** The dialog vanished at the far end (481 to an in-dialog request). */
  DialogGone = 'dialog_gone',
  /** The next hop could not be reached. */
  TransportError = 'transport_error',
  /** The user agent was stopped with the call up. */
  Shutdown = 'shutdown',
}

/** The SIP status each cause corresponds to; Rejected carries the actual status of the response. */
export const callEndStatus: Record<CallEndCause, SipStatus> = {
  [CallEndCause.NormalClearing]: SipStatus.Ok,
  [CallEndCause.Rejected]: SipStatus.Decline,
  [CallEndCause.Cancelled]: SipStatus.RequestTerminated,
  [CallEndCause.RequestTimeout]: SipStatus.RequestTimeout,
  [CallEndCause.NoAck]: SipStatus.RequestTimeout,
  [CallEndCause.SessionExpired]: SipStatus.RequestTimeout,
  [CallEndCause.DialogGone]: SipStatus.CallDoesNotExist,
  [CallEndCause.TransportError]: SipStatus.ServiceUnavailable,
  [CallEndCause.Shutdown]: SipStatus.ServiceUnavailable,
};

export interface CallTermination {
  cause: CallEndCause;
  status: number;
  reason?: string;
  /** Who ended it: `local` for our BYE/CANCEL/reject/timeouts, `remote` for theirs. */
  by: 'local' | 'remote';
}

export type ReinviteResult = { ok: true; sdpAnswer: string } | { ok: false; status: number; reason: string };

/** A re-INVITE from the far end carrying a new offer (e.g. the switch to T.38). */
export interface ReinviteRequest {
  sdpOffer: string;
  accept(sdpAnswer: string): void;
  /** 488 Not Acceptable Here by default. */
  reject(status?: number, reason?: string): void;
}

export interface CallEvents {
  provisional: { status: number; reason: string; sdp?: string };
  answered: { sdpAnswer: string };
  ack: { sdp?: string };
  reinvite: ReinviteRequest;
  refreshed: { interval: number; by: 'local' | 'remote' };
  bye: { request: SipRequest };
  cancel: { request: SipRequest };
  terminated: CallTermination;
}

export interface SessionTimerConfig {
  enabled: boolean;
  /** Session interval we ask for, seconds (RFC 4028 recommends 1800). */
  sessionExpires: number;
  /** Smallest interval we accept, seconds; RFC 4028 requires ≥ 90 in production. */
  minSE: number;
}

export const defaultSessionTimer: SessionTimerConfig = { enabled: true, sessionExpires: 1800, minSE: 90 };

/** What a call needs from the user agent core. */
export interface CallContext {
  layer: TransactionLayer;
  logger: SipLogger;
  sessionTimer: SessionTimerConfig;
  contact(transport: TransportName): string;
  /** User-Agent, Allow, Supported. */
  commonHeaders(): SipHeader[];
  isFlowOpen(flow: Source): boolean;
  bindDialog(call: SipCall, dialog: Dialog): void;
  unbindCall(call: SipCall): void;
}

const sdpHeaders = (body: string): SipHeader[] =>
  body ? [{ name: 'Content-Type', value: 'application/sdp' }] : [];

/** The o= line's session id and version tell a session refresh from a new offer (RFC 3264 §8). */
function sdpOriginVersion(sdp: string | undefined): string | undefined {
  const m = /^o=\S+ (\S+) (\S+)/m.exec(sdp ?? '');
  return m ? `${m[1]} ${m[2]}` : undefined;
}

function parseSessionExpires(
  message: SipRequest | SipResponse,
): { interval: number; refresher?: string } | null {
  const value = getHeader(message, 'Session-Expires');
  const m = value ? /^\s*(\d{1,9})\s*(?:;(.*))?$/.exec(value) : null;
  if (!m) return null;
  const refresher = /(?:^|;)\s*refresher\s*=\s*(uac|uas)/i.exec(m[2] ?? '')?.[1]?.toLowerCase();
  return { interval: Number(m[1]), refresher };
}

export abstract class SipCall extends TypedEmitter<CallEvents> {
  state: CallState;
  dialog?: Dialog;
  localSdp?: string;
  remoteSdp?: string;
  termination?: CallTermination;
  abstract readonly direction: 'inbound' | 'outbound';
  readonly callId: string;
  protected credentials?: DigestCredentials;
  private reinviteOut = false;
  private reinviteIn?: ServerTransaction;
  private awaitingAck?: { tx: ServerTransaction; seq: number };
  private sessionTimer?: NodeJS.Timeout;
  /** Current session interval in seconds and whether we refresh it. */
  sessionInterval?: number;
  weRefresh = false;
  private peerAllowsUpdate = false;

  protected constructor(
    protected readonly ctx: CallContext,
    callId: string,
    initial: CallState,
  ) {
    super();
    this.callId = callId;
    this.state = initial;
  }

  protected get log(): SipLogger {
    return this.ctx.logger;
  }

  /** Sends a new offer in the dialog (e.g. T.38) and resolves with the answer or the refusal. */
  reinvite(sdpOffer: string): Promise<ReinviteResult> {
    if (this.state !== CallState.Confirmed || !this.dialog)
      return Promise.resolve({ ok: false, status: SipStatus.CallDoesNotExist, reason: 'call not confirmed' });
    if (this.reinviteOut || this.reinviteIn)
      return Promise.resolve({ ok: false, status: SipStatus.RequestPending, reason: 'offer pending' });
    return this.sendReinvite(sdpOffer, false).then((res) =>
      res.status < 300
        ? { ok: true, sdpAnswer: res.body }
        : { ok: false, status: res.status, reason: res.reason },
    );
  }

  private sendReinvite(sdpOffer: string, refresh: boolean): Promise<SipResponse> {
    const dialog = this.dialog!;
    this.reinviteOut = true;
    const request = dialog.createRequest(
      'INVITE',
      [
        { name: 'Contact', value: this.ctx.contact(dialog.flow?.transport ?? 'udp') },
        ...this.ctx.commonHeaders(),
        ...this.sessionTimerRequestHeaders(),
        ...sdpHeaders(sdpOffer),
      ],
      sdpOffer,
    );
    return new Promise((resolve) => {
      this.sendInDialog(request, {
        onFinal: (res) => {
          this.reinviteOut = false;
          if (res.status < 300) {
            this.ackInDialog(res);
            dialog.refreshTarget(res);
            this.localSdp = sdpOffer;
            if (res.body) this.remoteSdp = res.body;
            this.applySessionTimerFromResponse(res);
            if (refresh) this.emit('refreshed', { interval: this.sessionInterval ?? 0, by: 'local' });
          } else this.failedInDialog(res);
          resolve(res);
        },
        on2xxRetransmission: (res) => this.ackInDialog(res),
      });
    });
  }

  /** Ends the call: BYE when established, CANCEL or a rejection before that. */
  bye(): Promise<void> {
    return this.hangup({ cause: CallEndCause.NormalClearing, status: SipStatus.Ok, by: 'local' });
  }

  /** Sends BYE and terminates with the given cause; resolves when the BYE is answered. */
  protected async hangup(termination: CallTermination): Promise<void> {
    if (this.state === CallState.Terminated) return;
    if (!this.dialog || (this.state !== CallState.Confirmed && this.state !== CallState.Answered)) {
      this.abandon();
      return;
    }
    const request = this.dialog.createRequest('BYE', this.ctx.commonHeaders());
    this.terminate(termination);
    await new Promise<void>((resolve) => this.sendInDialog(request, { onFinal: () => resolve() }));
  }

  /** How to give up on a call that is not established: CANCEL or reject. */
  protected abstract abandon(): void;

  protected sendInDialog(request: SipRequest, handlers: ClientRequestHandlers): void {
    const dest = this.dialog!.nextHop((flow) => this.ctx.isFlowOpen(flow));
    if (!dest) {
      this.log.warn({ callId: this.callId }, 'sip dialog has no reachable next hop');
      return;
    }
    sendClientRequest(this.ctx.layer, request, dest, this.credentials, {
      ...handlers,
      onSent: (req) => {
        // Digest retries raise the CSeq: keep the dialog's local sequence ahead of it.
        const seq = parseCSeq(getHeader(req, 'CSeq')!)!.seq;
        if (this.dialog && seq > this.dialog.localSeq) this.dialog.localSeq = seq;
      },
    });
  }

  /** RFC 3261 §13.2.2.4: the ACK to a 2xx is its own request, sent to the dialog's next hop. */
  protected ackInDialog(response: SipResponse): void {
    const dialog = this.dialog;
    if (!dialog) return;
    const seq = parseCSeq(getHeader(response, 'CSeq')!)!.seq;
    const ack = dialog.createRequest('ACK', this.ctx.commonHeaders().slice(0, 1), '', seq);
    const dest = dialog.nextHop((flow) => this.ctx.isFlowOpen(flow));
    if (dest) this.ctx.layer.sendStateless(ack, dest);
  }

  private failedInDialog(res: SipResponse): void {
    // RFC 3261 §12.2.1.2: 481 and 408 to an in-dialog request end the dialog.
    if (res.status === SipStatus.CallDoesNotExist || res.status === SipStatus.RequestTimeout) {
      const cause =
        res.status === SipStatus.RequestTimeout ? CallEndCause.RequestTimeout : CallEndCause.DialogGone;
      const termination: CallTermination = { cause, status: res.status, reason: res.reason, by: 'remote' };
      if (res.status === SipStatus.RequestTimeout) void this.hangup(termination);
      else this.terminate(termination);
    }
  }

  /** The ACK for our 2xx (to the INVITE or a re-INVITE). */
  handleAck(request: SipRequest): void {
    const seq = parseCSeq(getHeader(request, 'CSeq')!)!.seq;
    if (!this.awaitingAck || this.awaitingAck.seq !== seq) return;
    this.awaitingAck.tx.ackReceived();
    this.awaitingAck = undefined;
    if (this.state === CallState.Answered) {
      this.state = CallState.Confirmed;
      if (request.body) this.remoteSdp = request.body;
      this.emit('ack', { sdp: request.body || undefined });
    }
  }

  /** Requests inside the established dialog (RFC 3261 §12.2.2). */
  handleInDialog(request: SipRequest, tx: ServerTransaction): void {
    if (!this.dialog!.acceptRemoteSeq(request)) {
      tx.respond(tx.createResponse(SipStatus.ServerInternalError, 'CSeq Out of Order'));
      return;
    }
    switch (request.method) {
      case 'BYE':
        tx.respond(this.response(tx, SipStatus.Ok));
        this.onRemoteBye(request);
        return;
      case 'INVITE':
        this.onReinvite(request, tx);
        return;
      case 'UPDATE':
        this.onUpdate(request, tx);
        return;
      case 'OPTIONS':
      case 'INFO':
        tx.respond(this.response(tx, SipStatus.Ok));
        return;
      default:
        tx.respond(this.response(tx, SipStatus.MethodNotAllowed));
    }
  }

  protected onRemoteBye(request: SipRequest): void {
    this.emit('bye', { request });
    this.terminate({ cause: CallEndCause.NormalClearing, status: SipStatus.Ok, by: 'remote' });
  }

  protected response(
    tx: ServerTransaction,
    status: number,
    reason?: string,
    body = '',
    headers: SipHeader[] = [],
  ): SipResponse {
    const res = tx.createResponse(status, reason, this.dialog?.localTag);
    res.headers.push(...headers);
    if (status >= 300 && status < 400) return res;
    if (status === SipStatus.MethodNotAllowed || (status >= 200 && status < 300))
      res.headers.push(...this.ctx.commonHeaders());
    res.headers.push(...sdpHeaders(body));
    res.body = body;
    return res;
  }

  private onReinvite(request: SipRequest, tx: ServerTransaction): void {
    if (this.state !== CallState.Confirmed) {
      tx.respond(this.response(tx, SipStatus.RequestPending));
      return;
    }
    if (this.reinviteOut) {
      tx.respond(this.response(tx, SipStatus.RequestPending));
      return;
    }
    if (this.reinviteIn) {
      // RFC 3261 §14.2: a second offer while one is pending gets 500 with Retry-After.
      tx.respond(
        this.response(tx, SipStatus.ServerInternalError, undefined, '', [
          { name: 'Retry-After', value: '1' },
        ]),
      );
      return;
    }
    const tooSmall = this.checkMinSE(request, tx);
    if (tooSmall) return;
    const seq = parseCSeq(getHeader(request, 'CSeq')!)!.seq;
    const acceptWith = (sdpAnswer: string) => {
      this.reinviteIn = undefined;
      if (tx.finalSent) return;
      this.dialog!.refreshTarget(request);
      this.awaitingAck = { tx, seq };
      tx.events.onNoAck = () => this.noAck();
      const timerHeaders = this.applySessionTimerFromRequest(request);
      tx.respond(
        this.response(tx, SipStatus.Ok, undefined, sdpAnswer, [
          { name: 'Contact', value: this.ctx.contact(this.dialog!.flow?.transport ?? 'udp') },
          ...timerHeaders,
        ]),
      );
      if (request.body) this.remoteSdp = request.body;
      this.localSdp = sdpAnswer;
    };
    this.reinviteIn = tx;
    const offerVersion = sdpOriginVersion(request.body);
    // A body-less re-INVITE or one repeating the same SDP version is a session refresh: answered
    // here with our current SDP, so the application never has to handle refreshes.
    if (!request.body || (offerVersion !== undefined && offerVersion === sdpOriginVersion(this.remoteSdp))) {
      acceptWith(this.localSdp ?? '');
      this.emit('refreshed', { interval: this.sessionInterval ?? 0, by: 'remote' });
      return;
    }
    const reinvite: ReinviteRequest = {
      sdpOffer: request.body,
      accept: acceptWith,
      reject: (status = SipStatus.NotAcceptableHere, reason?: string) => {
        this.reinviteIn = undefined;
        if (!tx.finalSent) tx.respond(this.response(tx, status, reason));
      },
    };
    if (this.listenerCount('reinvite') === 0) reinvite.reject();
    else this.emit('reinvite', reinvite);
  }

  private onUpdate(request: SipRequest, tx: ServerTransaction): void {
    if (this.checkMinSE(request, tx)) return;
    const version = sdpOriginVersion(request.body);
    if (request.body && version !== sdpOriginVersion(this.remoteSdp)) {
      // Media changes come by re-INVITE in fax; UPDATE is only used for refreshes here.
      tx.respond(this.response(tx, SipStatus.NotAcceptableHere));
      return;
    }
    const headers = this.applySessionTimerFromRequest(request);
    tx.respond(
      this.response(tx, SipStatus.Ok, undefined, request.body ? (this.localSdp ?? '') : '', headers),
    );
    this.emit('refreshed', { interval: this.sessionInterval ?? 0, by: 'remote' });
  }

  /** RFC 4028 §8: a Session-Expires below our Min-SE is refused with 422. True when refused. */
  protected checkMinSE(request: SipRequest, tx: ServerTransaction): boolean {
    const se = parseSessionExpires(request);
    const { enabled, minSE } = this.ctx.sessionTimer;
    if (!enabled || !se || se.interval >= minSE) return false;
    tx.respond(
      this.response(tx, SipStatus.SessionIntervalTooSmall, undefined, '', [
        { name: 'Min-SE', value: String(minSE) },
      ]),
    );
    return true;
  }

  protected noAck(): void {
    this.log.warn({ callId: this.callId }, 'sip 2xx never acknowledged');
    void this.hangup({ cause: CallEndCause.NoAck, status: SipStatus.RequestTimeout, by: 'remote' });
  }

  protected setAwaitingAck(tx: ServerTransaction, seq: number): void {
    this.awaitingAck = { tx, seq };
    tx.events.onNoAck = () => this.noAck();
  }

  /** Headers for a session-timer-aware request we send (initial INVITE, re-INVITE, UPDATE). */
  protected sessionTimerRequestHeaders(): SipHeader[] {
    const cfg = this.ctx.sessionTimer;
    if (!cfg.enabled) return [];
    const interval = this.sessionInterval ?? cfg.sessionExpires;
    const refresher =
      this.sessionInterval === undefined ? '' : `;refresher=${this.weRefresh ? 'uac' : 'uas'}`;
    return [
      { name: 'Session-Expires', value: `${interval}${refresher}` },
      { name: 'Min-SE', value: String(cfg.minSE) },
    ];
  }

  /**
   * We answer a request carrying Session-Expires (RFC 4028 §9): keep its interval, let it name
   * the refresher, and otherwise refresh ourselves. Returns the headers for our 2xx.
   */
  protected applySessionTimerFromRequest(request: SipRequest): SipHeader[] {
    const cfg = this.ctx.sessionTimer;
    const se = parseSessionExpires(request);
    if (!cfg.enabled || !se) {
      if (this.sessionInterval !== undefined) this.startSessionTimer(this.sessionInterval, this.weRefresh);
      return [];
    }
    const uacSupports = headerTokens(request, 'Supported').includes('timer');
    let refresher = se.refresher;
    if (!uacSupports) refresher = 'uas';
    else if (!refresher) refresher = this.sessionInterval !== undefined && !this.weRefresh ? 'uac' : 'uas';
    this.startSessionTimer(se.interval, refresher === 'uas');
    const headers: SipHeader[] = [
      { name: 'Session-Expires', value: `${se.interval};refresher=${refresher}` },
    ];
    if (uacSupports) headers.push({ name: 'Require', value: 'timer' });
    return headers;
  }

  /** The 2xx to a request we sent (RFC 4028 §7.2): the refresher it names, or us if it is silent. */
  protected applySessionTimerFromResponse(response: SipResponse): void {
    const cfg = this.ctx.sessionTimer;
    if (!cfg.enabled) return;
    this.peerAllowsUpdate = headerTokens(response, 'Allow').includes('update') || this.peerAllowsUpdate;
    const se = parseSessionExpires(response);
    if (se) this.startSessionTimer(se.interval, se.refresher !== 'uas');
    else this.startSessionTimer(this.sessionInterval ?? cfg.sessionExpires, true);
  }

  protected notePeerAllow(message: SipRequest | SipResponse): void {
    this.peerAllowsUpdate = headerTokens(message, 'Allow').includes('update');
  }

  private startSessionTimer(interval: number, weRefresh: boolean): void {
    if (this.sessionTimer) clearTimeout(this.sessionTimer);
    if (this.state === CallState.Terminated) return;
    this.sessionInterval = interval;
    this.weRefresh = weRefresh;
    if (weRefresh) {
      this.sessionTimer = setTimeout(() => this.refreshSession(), (interval * 1000) / 2);
    } else {
      // RFC 4028 §10: give the refresher until interval minus min(32 s, interval/3).
      const grace = Math.min(32, interval / 3);
      this.sessionTimer = setTimeout(() => this.sessionExpired(), (interval - grace) * 1000);
    }
  }

  private refreshSession(): void {
    if (this.state !== CallState.Confirmed || !this.dialog) return;
    if (this.reinviteOut || this.reinviteIn) {
      this.sessionTimer = setTimeout(() => this.refreshSession(), 500);
      return;
    }
    const done = (res: SipResponse) => {
      if (res.status < 300) return;
      if (res.status === SipStatus.SessionIntervalTooSmall) {
        const min = Number(getHeader(res, 'Min-SE'));
        if (min > 0) this.sessionInterval = min;
        this.refreshSession();
      } else if (res.status === SipStatus.RequestPending) {
        this.sessionTimer = setTimeout(() => this.refreshSession(), 2000);
      } else if (
        this.state === CallState.Confirmed &&
        res.status !== SipStatus.RequestTimeout &&
        res.status !== SipStatus.CallDoesNotExist
      ) {
        // A failed refresh leaves the session as it was (RFC 4028 §10): try again with re-INVITE.
        this.peerAllowsUpdate = false;
        this.sessionTimer = setTimeout(() => this.refreshSession(), 1000);
      }
    };
    if (this.peerAllowsUpdate) {
      this.reinviteOut = true;
      const request = this.dialog.createRequest('UPDATE', [
        { name: 'Contact', value: this.ctx.contact(this.dialog.flow?.transport ?? 'udp') },
        ...this.ctx.commonHeaders(),
        ...this.sessionTimerRequestHeaders(),
      ]);
      this.sendInDialog(request, {
        onFinal: (res) => {
          this.reinviteOut = false;
          if (res.status < 300) {
            this.applySessionTimerFromResponse(res);
            this.emit('refreshed', { interval: this.sessionInterval ?? 0, by: 'local' });
          } else this.failedInDialog(res);
          done(res);
        },
      });
    } else void this.sendReinvite(this.localSdp ?? '', true).then(done);
  }

  private sessionExpired(): void {
    if (this.state !== CallState.Confirmed) return;
    this.log.warn(
      { callId: this.callId, interval: this.sessionInterval },
      'sip session expired without refresh',
    );
    void this.hangup({ cause: CallEndCause.SessionExpired, status: SipStatus.RequestTimeout, by: 'remote' });
  }

  /** Moves to Terminated once and tells the application why. */
  terminate(termination: CallTermination): void {
    if (this.state === CallState.Terminated) return;
    if (this.sessionTimer) clearTimeout(this.sessionTimer);
    this.sessionTimer = undefined;
    this.state = CallState.Terminated;
    this.termination = termination;
    this.ctx.unbindCall(this);
    this.log.info(
      { callId: this.callId, cause: termination.cause, status: termination.status, by: termination.by },
      'sip call terminated',
    );
    this.emit('terminated', termination);
  }
}

export class IncomingCall extends SipCall {
  readonly direction = 'inbound' as const;
  readonly from: NameAddr;
  readonly to: NameAddr;
  /** The DID the call is for (user part of the Request-URI, else of To). */
  readonly toUser?: string;
  readonly fromUser?: string;
  /** The offer in the INVITE; undefined for a late-offer INVITE (the offer goes in our 2xx). */
  readonly sdpOffer?: string;
  private readonly localTag = newTag();

  constructor(
    ctx: CallContext,
    readonly request: SipRequest,
    /** Where the INVITE came from: trunk authorisation by source address uses this. */
    readonly source: Source,
    private readonly tx: ServerTransaction,
  ) {
    super(ctx, getHeader(request, 'Call-ID')!, CallState.Offered);
    this.from = parseNameAddr(getHeader(request, 'From')!)!;
    this.to = parseNameAddr(getHeader(request, 'To')!)!;
    this.toUser = uriUser(request.uri) ?? uriUser(this.to.uri);
    this.fromUser = uriUser(this.from.uri);
    this.sdpOffer = request.body || undefined;
    this.remoteSdp = this.sdpOffer;
    this.notePeerAllow(request);
    tx.events.onTransportError = () => {
      if (this.state !== CallState.Confirmed)
        this.terminate({
          cause: CallEndCause.TransportError,
          status: SipStatus.ServiceUnavailable,
          by: 'remote',
        });
    };
  }

  private ensureDialog(): Dialog {
    if (!this.dialog) {
      this.dialog = Dialog.asUas(this.request, this.localTag, this.source);
      this.ctx.bindDialog(this, this.dialog);
    }
    return this.dialog;
  }

  /** 180 Ringing; it sets up the early dialog so an early BYE or CANCEL finds the call. */
  ringing(): void {
    if (this.state !== CallState.Offered) return;
    const dialog = this.ensureDialog();
    this.state = CallState.Ringing;
    this.tx.respond(
      this.response(this.tx, SipStatus.Ringing, undefined, '', [
        { name: 'Contact', value: this.ctx.contact(dialog.flow?.transport ?? this.source.transport) },
      ]),
    );
  }

  reject(status: number, reason?: string): void {
    if (this.state !== CallState.Offered && this.state !== CallState.Ringing) return;
    if (status < 300 || status > 699) throw new RangeError(`reject needs a status 300-699, got ${status}`);
    this.tx.respond(
      this.response(this.tx, status, reason, '', status === 405 ? this.ctx.commonHeaders() : []),
    );
    this.terminate({ cause: CallEndCause.Rejected, status, reason, by: 'local' });
  }

  /** 200 OK with our SDP answer; the call is Confirmed when the ACK arrives (event `ack`). */
  answer(sdpAnswer: string): void {
    if (this.state !== CallState.Offered && this.state !== CallState.Ringing) return;
    const dialog = this.ensureDialog();
    this.state = CallState.Answered;
    this.localSdp = sdpAnswer;
    const seq = parseCSeq(getHeader(this.request, 'CSeq')!)!.seq;
    this.setAwaitingAck(this.tx, seq);
    const timerHeaders = this.applySessionTimerFromRequest(this.request);
    this.tx.respond(
      this.response(this.tx, SipStatus.Ok, undefined, sdpAnswer, [
        { name: 'Contact', value: this.ctx.contact(dialog.flow?.transport ?? this.source.transport) },
        ...timerHeaders,
      ]),
    );
  }

  /** CANCEL matched our INVITE before a final response (RFC 3261 §9.2). */
  handleCancel(request: SipRequest): void {
    if (this.tx.finalSent) return;
    this.tx.respond(this.response(this.tx, SipStatus.RequestTerminated));
    this.emit('cancel', { request });
    this.terminate({ cause: CallEndCause.Cancelled, status: SipStatus.RequestTerminated, by: 'remote' });
  }

  protected override onRemoteBye(request: SipRequest): void {
    // A BYE in the early dialog ends the INVITE too (RFC 3261 §15.1.2).
    if (!this.tx.finalSent) this.tx.respond(this.response(this.tx, SipStatus.RequestTerminated));
    super.onRemoteBye(request);
  }

  protected abandon(): void {
    this.reject(SipStatus.TemporarilyUnavailable);
  }
}

export interface InviteOptions {
  /** Request-URI and To: `sip:+15551230100@carrier.example` or `tel:+15551230100`. */
  to: string;
  /** From URI: `sip:+15557654321@faxseal.local`. */
  from: string;
  /** Display name in From (the caller ID name). */
  callerId?: string;
  /** P-Asserted-Identity (RFC 3325), a URI or name-addr; trunks use it for the caller's number. */
  pAssertedIdentity?: string;
  sdpOffer: string;
  /** The trunk's address: no DNS SRV/NAPTR, a host name or IP literal. */
  target: { host: string; port?: number; transport?: TransportName };
  credentials?: DigestCredentials;
  /** Extra headers (e.g. Privacy, Remote-Party-ID). */
  headers?: SipHeader[];
}

export type InviteOutcome =
  | { answered: true; status: number; sdpAnswer: string }
  | { answered: false; status: number; reason: string; cause: CallEndCause };

export class OutgoingCall extends SipCall {
  readonly direction = 'outbound' as const;
  /** Settles with the final outcome of the INVITE. */
  readonly result: Promise<InviteOutcome>;
  private resolveResult!: (outcome: InviteOutcome) => void;
  private invite: SipRequest;
  private readonly destination: Source;
  private provisionalSeen = false;
  private cancelRequested = false;
  private cancelSent = false;
  private retried422 = false;

  constructor(ctx: CallContext, request: SipRequest, destination: Source, credentials?: DigestCredentials) {
    super(ctx, getHeader(request, 'Call-ID')!, CallState.Calling);
    this.invite = request;
    this.destination = destination;
    this.credentials = credentials;
    this.localSdp = request.body;
    this.result = new Promise((resolve) => {
      this.resolveResult = resolve;
    });
    this.send(request);
  }

  private send(request: SipRequest): void {
    sendClientRequest(this.ctx.layer, request, this.destination, this.credentials, {
      onSent: (req) => {
        this.invite = req;
      },
      onProvisional: (res) => this.onProvisional(res),
      onFinal: (res) => this.onFinal(res),
      on2xxRetransmission: (res) => this.ackInDialog(res),
    });
  }

  /** RFC 4028 §7.4: after 422, retry once with the interval raised to the far end's Min-SE. */
  private retryAfter422(res: SipResponse): boolean {
    const minSE = Number(getHeader(res, 'Min-SE'));
    if (this.retried422 || !(minSE > 0) || this.cancelRequested) return false;
    this.retried422 = true;
    const seq = parseCSeq(getHeader(this.invite, 'CSeq')!)!.seq + 1;
    const headers = this.invite.headers
      .filter((h) => h.name !== 'Via' && h.name !== 'Session-Expires' && h.name !== 'Min-SE')
      .map((h) => (h.name === 'CSeq' ? { name: 'CSeq', value: `${seq} INVITE` } : h));
    headers.push({ name: 'Session-Expires', value: String(minSE) }, { name: 'Min-SE', value: String(minSE) });
    this.send({ ...this.invite, headers });
    return true;
  }

  /** CANCEL before the answer; sent once the far end has sent a provisional (RFC 3261 §9.1). */
  cancel(): void {
    if (this.state !== CallState.Calling && this.state !== CallState.Ringing) return;
    this.cancelRequested = true;
    if (this.provisionalSeen) this.sendCancel();
  }

  private sendCancel(): void {
    if (this.cancelSent) return;
    this.cancelSent = true;
    const inv = this.invite;
    const pick = (name: string) => inv.headers.filter((h) => h.name === name);
    const seq = parseCSeq(getHeader(inv, 'CSeq')!)!.seq;
    const branch = /branch=([^;\s]+)/i.exec(getHeader(inv, 'Via')!)?.[1];
    const cancel: SipRequest = {
      kind: 'request',
      method: 'CANCEL',
      uri: inv.uri,
      version: 'SIP/2.0',
      headers: [
        ...pick('Route'),
        { name: 'Max-Forwards', value: '70' },
        ...pick('From'),
        ...pick('To'),
        ...pick('Call-ID'),
        { name: 'CSeq', value: `${seq} CANCEL` },
        ...this.ctx.commonHeaders().slice(0, 1),
      ],
      body: '',
    };
    this.ctx.layer.sendRequest(
      cancel,
      this.destination,
      { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} },
      branch,
    );
  }

  protected abandon(): void {
    this.cancel();
  }

  private onProvisional(res: SipResponse): void {
    if (this.state === CallState.Terminated) return;
    this.provisionalSeen = true;
    if (this.cancelRequested) this.sendCancel();
    if (res.status > 100 && this.state === CallState.Calling) this.state = CallState.Ringing;
    if (res.status > 100)
      this.emit('provisional', { status: res.status, reason: res.reason, sdp: res.body || undefined });
  }

  private onFinal(res: SipResponse): void {
    if (res.status >= 200 && res.status < 300) {
      const dialog = Dialog.asUac(this.invite, res, this.destination);
      if (!dialog) {
        this.log.warn({ callId: this.callId }, 'sip 2xx without To tag');
        this.finish({
          cause: CallEndCause.Rejected,
          status: SipStatus.BadRequest,
          reason: 'No To tag',
          by: 'remote',
        });
        return;
      }
      this.dialog = dialog;
      this.ctx.bindDialog(this, dialog);
      this.ackInDialog(res);
      if (this.cancelRequested || this.state === CallState.Terminated) {
        // The answer crossed our CANCEL: the call exists, so it must be ended with BYE.
        this.state = CallState.Confirmed;
        void this.hangup({ cause: CallEndCause.Cancelled, status: SipStatus.RequestTerminated, by: 'local' });
        this.resolveResult({
          answered: false,
          status: SipStatus.RequestTerminated,
          reason: 'Cancelled',
          cause: CallEndCause.Cancelled,
        });
        return;
      }
      this.state = CallState.Confirmed;
      this.remoteSdp = res.body;
      this.notePeerAllow(res);
      this.applySessionTimerFromResponse(res);
      this.emit('answered', { sdpAnswer: res.body });
      this.resolveResult({ answered: true, status: res.status, sdpAnswer: res.body });
      return;
    }
    if (res.status === SipStatus.SessionIntervalTooSmall && this.retryAfter422(res)) return;
    let cause = CallEndCause.Rejected;
    if (res.status === SipStatus.RequestTerminated && this.cancelRequested) cause = CallEndCause.Cancelled;
    else if (res.status === SipStatus.RequestTimeout && !getHeader(res, 'To')?.includes('tag='))
      cause = this.cancelRequested ? CallEndCause.Cancelled : CallEndCause.RequestTimeout;
    else if (
      res.status === SipStatus.ServiceUnavailable &&
      res.reason === 'Service Unavailable' &&
      !getHeader(res, 'To')?.includes('tag=')
    )
      cause = CallEndCause.TransportError;
    this.finish({
      cause,
      status: res.status,
      reason: res.reason,
      by: cause === CallEndCause.Cancelled ? 'local' : 'remote',
    });
  }

  private finish(termination: CallTermination): void {
    this.resolveResult({
      answered: false,
      status: termination.status,
      reason: termination.reason ?? '',
      cause: termination.cause,
    });
    this.terminate(termination);
  }
}
