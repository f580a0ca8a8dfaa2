// A call as the application sees it, whichever side placed it (after pjsip's sip_inv.c): the INVITE dialog
// usage's states and end causes, requests inside the dialog, re-INVITE both ways, ACK and BYE.
import { type ClientRequestHandlers, sendClientRequest } from './client-request.ts';
import type { Dialog } from './dialog.ts';
import type { DigestCredentials } from './digest.ts';
import { TypedEmitter } from './emitter.ts';
import { parseCSeq, type TransportName } from './headers.ts';
import type { SipLogger } from './logger.ts';
import { getHeader, type SipHeader, type SipRequest, type SipResponse } from './message.ts';
import { SessionTimer, type SessionTimerConfig } from './session-timer.ts';
import { SipStatus } from './status.ts';
import type { ServerTransaction, TransactionLayer } from './transaction.ts';
import type { Source } from './transport.ts';

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
  protected readonly timer: SessionTimer;

  protected constructor(
    protected readonly ctx: CallContext,
    callId: string,
    initial: CallState,
  ) {
    super();
    this.callId = callId;
    this.state = initial;
    this.timer = new SessionTimer(
      ctx.sessionTimer,
      {
        confirmed: () => this.state === CallState.Confirmed && this.dialog !== undefined,
        offerPending: () => this.reinviteOut || this.reinviteIn !== undefined,
        sendRefresh: (method) =>
          method === 'UPDATE' ? this.sendUpdate() : this.sendReinvite(this.localSdp ?? '', true),
        expired: () => {
          this.log.warn(
            { callId: this.callId, interval: this.sessionInterval },
            'sip session expired without refresh',
          );
          void this.hangup({
            cause: CallEndCause.SessionExpired,
            status: SipStatus.RequestTimeout,
            by: 'remote',
          });
        },
      },
      ctx.layer.clock,
    );
  }

  /** The RFC 4028 session interval in seconds, once negotiated. */
  get sessionInterval(): number | undefined {
    return this.timer.interval;
  }

  /** Whether we refresh the session (else the far end must, before it expires). */
  get weRefresh(): boolean {
    return this.timer.weRefresh;
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

  /**
   * A session refresh now (RFC 4028 §7.4), as the session timer sends one: a re-INVITE repeating our SDP
   * unchanged, or an UPDATE without a body. Resolves with the final response; the media stays as it is.
   */
  refreshSession(method: 'INVITE' | 'UPDATE'): Promise<SipResponse | undefined> {
    if (this.state !== CallState.Confirmed || !this.dialog || this.reinviteOut || this.reinviteIn)
      return Promise.resolve(undefined);
    return method === 'UPDATE' ? this.sendUpdate() : this.sendReinvite(this.localSdp ?? '', true);
  }

  private sendReinvite(sdpOffer: string, refresh: boolean): Promise<SipResponse> {
    const dialog = this.dialog!;
    this.reinviteOut = true;
    const request = dialog.createRequest(
      'INVITE',
      [
        { name: 'Contact', value: this.ctx.contact(dialog.flow?.transport ?? 'udp') },
        ...this.ctx.commonHeaders(),
        ...this.timer.requestHeaders(),
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
            this.timer.acceptResponse(res);
            if (refresh) this.emit('refreshed', { interval: this.sessionInterval ?? 0, by: 'local' });
          } else this.failedInDialog(res);
          resolve(res);
        },
        on2xxRetransmission: (res) => this.ackInDialog(res),
      });
    });
  }

  /** A session refresh by UPDATE (RFC 4028 §7.4): no offer, so the media stays as it is. */
  private sendUpdate(): Promise<SipResponse> {
    const dialog = this.dialog!;
    this.reinviteOut = true;
    const request = dialog.createRequest('UPDATE', [
      { name: 'Contact', value: this.ctx.contact(dialog.flow?.transport ?? 'udp') },
      ...this.ctx.commonHeaders(),
      ...this.timer.requestHeaders(),
    ]);
    return new Promise((resolve) => {
      this.sendInDialog(request, {
        onFinal: (res) => {
          this.reinviteOut = false;
          if (res.status < 300) {
            this.timer.acceptResponse(res);
            this.emit('refreshed', { interval: this.sessionInterval ?? 0, by: 'local' });
          } else this.failedInDialog(res);
          resolve(res);
        },
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
    if (this.refusedInterval(request, tx)) return;
    const seq = parseCSeq(getHeader(request, 'CSeq')!)!.seq;
    const acceptWith = (sdpAnswer: string) => {
      this.reinviteIn = undefined;
      if (tx.finalSent) return;
      this.dialog!.refreshTarget(request);
      this.setAwaitingAck(tx, seq);
      const timerHeaders = this.timer.answerRequest(request);
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
    if (this.refusedInterval(request, tx)) return;
    const version = sdpOriginVersion(request.body);
    if (request.body && version !== sdpOriginVersion(this.remoteSdp)) {
      // Media changes come by re-INVITE in fax; UPDATE is only used for refreshes here.
      tx.respond(this.response(tx, SipStatus.NotAcceptableHere));
      return;
    }
    const headers = this.timer.answerRequest(request);
    tx.respond(
      this.response(tx, SipStatus.Ok, undefined, request.body ? (this.localSdp ?? '') : '', headers),
    );
    this.emit('refreshed', { interval: this.sessionInterval ?? 0, by: 'remote' });
  }

  /** RFC 4028 §8: a Session-Expires below our Min-SE is refused with 422. True when refused. */
  private refusedInterval(request: SipRequest, tx: ServerTransaction): boolean {
    const headers = this.timer.refusal(request);
    if (headers) tx.respond(this.response(tx, SipStatus.SessionIntervalTooSmall, undefined, '', headers));
    return headers !== undefined;
  }

  private noAck(): void {
    this.log.warn({ callId: this.callId }, 'sip 2xx never acknowledged');
    void this.hangup({ cause: CallEndCause.NoAck, status: SipStatus.RequestTimeout, by: 'remote' });
  }

  protected setAwaitingAck(tx: ServerTransaction, seq: number): void {
    this.awaitingAck = { tx, seq };
    tx.events.onNoAck = () => this.noAck();
  }

  /** Moves to Terminated once and tells the application why. */
  terminate(termination: CallTermination): void {
    if (this.state === CallState.Terminated) return;
    this.timer.stop();
    this.state = CallState.Terminated;
    this.termination = termination;
    this.ctx.unbindCall(this);
    // Our refusals are the application's to log: they are counted in the notice summary, not logged each.
    const refusedByUs = termination.cause === CallEndCause.Rejected && termination.by === 'local';
    const level = refusedByUs ? 'debug' : 'info';
    this.log[level](
      { callId: this.callId, cause: termination.cause, status: termination.status, by: termination.by },
      'sip call terminated',
    );
    this.emit('terminated', termination);
  }
}
