// The incoming call (UAS side of an INVITE, RFC 3261 §13.3): 180 Ringing with the early dialog, reject,
// the 200 answer awaiting its ACK, and CANCEL or an early BYE ending the INVITE before the answer.
import { type CallContext, CallEndCause, CallState, SipCall } from './call.ts';
import { Dialog } from './dialog.ts';
import { newTag, parseCSeq } from './headers.ts';
import { getHeader, type SipRequest } from './message.ts';
import { SipStatus } from './status.ts';
import type { ServerTransaction } from './transaction.ts';
import type { Source } from './transport.ts';
import { type NameAddr, parseNameAddr, uriUser } from './uri.ts';

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
    this.timer.noteAllow(request);
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
      this.response(
        this.tx,
        status,
        reason,
        '',
        status === SipStatus.MethodNotAllowed ? this.ctx.commonHeaders() : [],
      ),
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
    const timerHeaders = this.timer.answerRequest(this.request);
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
