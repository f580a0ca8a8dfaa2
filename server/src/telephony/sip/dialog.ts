// A SIP dialog (RFC 3261 §12): identifiers, route set, remote target and CSeq spaces, and the
// construction of requests inside it. Knows transports only as next-hop endpoints.
import { parseCSeq } from './headers.ts';
import { getHeader, getHeaders, type SipHeader, type SipRequest, type SipResponse } from './message.ts';
import type { Source } from './transport.ts';
import { formatNameAddr, type NameAddr, parseNameAddr, parseUri } from './uri.ts';

export class Dialog {
  remoteSeq: number | undefined;

  private constructor(
    readonly callId: string,
    readonly local: NameAddr,
    readonly remote: NameAddr,
    public localSeq: number,
    public remoteTarget: string,
    readonly routeSet: string[],
    /** For dialogs on TCP or TLS: the connection the dialog was set up on, reused while it stays open. */
    readonly flow: Source | undefined,
  ) {}

  get localTag(): string {
    return this.local.params.tag ?? '';
  }

  get remoteTag(): string {
    return this.remote.params.tag ?? '';
  }

  get id(): string {
    return dialogId(this.callId, this.localTag, this.remoteTag);
  }

  /** RFC 3261 §12.1.1: the UAS side, from the INVITE and the tag we put in To. */
  static asUas(request: SipRequest, localTag: string, source: Source): Dialog {
    const to = parseNameAddr(getHeader(request, 'To')!)!;
    const from = parseNameAddr(getHeader(request, 'From')!)!;
    const contact = parseNameAddr(getHeader(request, 'Contact') ?? '');
    const dialog = new Dialog(
      getHeader(request, 'Call-ID')!,
      { ...to, params: { ...to.params, tag: localTag } },
      from,
      0,
      contact?.uri ?? from.uri,
      getHeaders(request, 'Record-Route'),
      source.transport !== 'udp' ? source : undefined,
    );
    dialog.remoteSeq = parseCSeq(getHeader(request, 'CSeq')!)!.seq;
    return dialog;
  }

  /** RFC 3261 §12.1.2: the UAC side, from our INVITE and the 2xx; null if the 2xx lacks a To tag. */
  static asUac(request: SipRequest, response: SipResponse, destination: Source): Dialog | null {
    const to = parseNameAddr(getHeader(response, 'To')!);
    const from = parseNameAddr(getHeader(request, 'From')!)!;
    if (!to?.params.tag) return null;
    const contact = parseNameAddr(getHeader(response, 'Contact') ?? '');
    return new Dialog(
      getHeader(request, 'Call-ID')!,
      from,
      to,
      parseCSeq(getHeader(request, 'CSeq')!)!.seq,
      contact?.uri ?? getHeader(request, 'To')!,
      getHeaders(response, 'Record-Route').reverse(),
      destination.transport !== 'udp' ? destination : undefined,
    );
  }

  /** Target refresh (RFC 3261 §12.2): a re-INVITE or its 2xx may move the remote target. */
  refreshTarget(message: SipRequest | SipResponse): void {
    const contact = parseNameAddr(getHeader(message, 'Contact') ?? '');
    if (contact) this.remoteTarget = contact.uri;
  }

  /** RFC 3261 §12.2.2: requests with a CSeq lower than the last one are out of order. */
  acceptRemoteSeq(request: SipRequest): boolean {
    const seq = parseCSeq(getHeader(request, 'CSeq')!)!.seq;
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  createRequest(method: string, headers: SipHeader[] = [], body = '', seq?: number): SipRequest {
    if (seq === undefined) {
      this.localSeq++;
      seq = this.localSeq;
    }
    return {
      kind: 'request',
      method,
      // Loose routing (RFC 3261 §16.12) is assumed of every proxy on the route set.
      uri: this.remoteTarget,
      version: 'SIP/2.0',
      headers: [
        ...this.routeSet.map((value) => ({ name: 'Route', value })),
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: formatNameAddr(this.local) },
        { name: 'To', value: formatNameAddr(this.remote) },
        { name: 'Call-ID', value: this.callId },
        { name: 'CSeq', value: `${seq} ${method}` },
        ...headers,
      ],
      body,
    };
  }

  /** Where in-dialog requests go: the first route, else the remote target (RFC 3261 §8.1.2). */
  nextHop(isOpen: (flow: Source) => boolean): Source | null {
    if (this.flow && isOpen(this.flow)) return this.flow;
    const first = this.routeSet[0] ? parseNameAddr(this.routeSet[0])?.uri : this.remoteTarget;
    return first ? endpointOf(first) : null;
  }
}

export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\n${localTag}\n${remoteTag}`;
}

/**
 * The host, port and transport a sip or sips URI resolves to without DNS SRV (IP literals and A records):
 * sips means TLS (RFC 5630 §3.1, default port 5061), else the transport parameter, else UDP.
 */
export function endpointOf(uriText: string): Source | null {
  const uri = parseUri(uriText);
  if (!uri || uri.scheme === 'tel') return null;
  const param = (uri.params.transport ?? '').toLowerCase();
  const transport = uri.scheme === 'sips' || param === 'tls' ? 'tls' : param === 'tcp' ? 'tcp' : 'udp';
  const port = uri.port ?? (transport === 'tls' ? 5061 : 5060);
  return { transport, address: uri.host.replace(/^\[|\]$/g, ''), port };
}
