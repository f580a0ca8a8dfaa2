// The outgoing call (UAC side of an INVITE, RFC 3261 §13.2): the INVITE with digest retries, provisional
// responses, the 2xx that makes the dialog, CANCEL before the answer, and one retry after 422 (RFC 4028 §7.4).
import { type CallContext, CallEndCause, CallState, type CallTermination, SipCall } from './call.ts';
import { sendClientRequest } from './client-request.ts';
import { Dialog } from './dialog.ts';
import type { DigestCredentials } from './digest.ts';
import { parseCSeq, sipTimestamp, type TransportName } from './headers.ts';
import { getHeader, type SipHeader, type SipRequest, type SipResponse } from './message.ts';
import { SipStatus } from './status.ts';
import type { Source } from './transport.ts';

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
        // With the INVITE's, it shows the far end how long we let it ring.
        { name: 'Timestamp', value: sipTimestamp() },
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
      this.timer.noteAllow(res);
      this.timer.acceptResponse(res);
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
