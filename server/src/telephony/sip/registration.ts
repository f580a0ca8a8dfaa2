// A registration binding with a carrier's registrar (RFC 3261 §10): REGISTER with digest
// authentication, refresh before expiry, retry after failure, status events, unregister.
import { sendClientRequest } from './client-request.ts';
import type { DigestCredentials } from './digest.ts';
import { TypedEmitter } from './emitter.ts';
import { newBranch, newCallId, newTag, type TransportName } from './headers.ts';
import type { SipLogger } from './logger.ts';
import { getHeader, getHeaders, type SipHeader, type SipRequest, type SipResponse } from './message.ts';
import { SipStatus } from './status.ts';
import type { TransactionLayer } from './transaction.ts';
import type { Source } from './transport.ts';
import { parseNameAddr, parseUri } from './uri.ts';

export enum RegistrationStatus {
  Unregistered = 'unregistered',
  Registering = 'registering',
  Registered = 'registered',
  Failed = 'failed',
}

export interface RegisterOptions {
  registrar: { host: string; port?: number; transport?: TransportName };
  /** Address of record, e.g. `sip:4155550100@carrier.example`. */
  aor: string;
  credentials?: DigestCredentials;
  /** Seconds asked for; the registrar may grant less. */
  expires?: number;
  /** Seconds before retrying after a failure. */
  retryAfter?: number;
}

export interface RegistrationState {
  status: RegistrationStatus;
  /** Last final status from the registrar (408/503 synthesised for timeouts and transport errors). */
  code?: number;
  reason?: string;
  /** Seconds granted by the registrar. */
  expires?: number;
}

export interface RegistrationContext {
  layer: TransactionLayer;
  logger: SipLogger;
  contact(transport: TransportName): string;
  commonHeaders(): SipHeader[];
  localHost: string;
}

export class Registration extends TypedEmitter<{ status: RegistrationState }> {
  state: RegistrationState = { status: RegistrationStatus.Unregistered };
  private readonly callId: string;
  private readonly tag = newTag();
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly destination: Source;

  constructor(
    private readonly ctx: RegistrationContext,
    private readonly options: RegisterOptions,
  ) {
    super();
    this.callId = newCallId(ctx.localHost);
    const transport = options.registrar.transport ?? 'udp';
    this.destination = { transport, address: options.registrar.host, port: options.registrar.port ?? 5060 };
  }

  /** Registers now; resolves with the outcome of this attempt (refreshes continue afterwards). */
  start(): Promise<RegistrationState> {
    this.stopped = false;
    return this.send(this.options.expires ?? 3600);
  }

  /** Removes the binding (Expires: 0) and stops refreshing. */
  async unregister(): Promise<RegistrationState> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    return this.send(0);
  }

  /** Stops refreshing without telling the registrar (user agent shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private send(expires: number): Promise<RegistrationState> {
    const aor = parseUri(this.options.aor);
    const requestUri =
      aor && aor.scheme !== 'tel'
        ? `${aor.scheme}:${aor.host}${aor.port ? `:${aor.port}` : ''}`
        : this.options.aor;
    this.seq++;
    const request: SipRequest = {
      kind: 'request',
      method: 'REGISTER',
      uri: requestUri,
      version: 'SIP/2.0',
      headers: [
        { name: 'Via', value: `SIP/2.0/UDP placeholder;branch=${newBranch()}` },
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `<${this.options.aor}>;tag=${this.tag}` },
        { name: 'To', value: `<${this.options.aor}>` },
        { name: 'Call-ID', value: this.callId },
        { name: 'CSeq', value: `${this.seq} REGISTER` },
        { name: 'Contact', value: this.ctx.contact(this.destination.transport) },
        { name: 'Expires', value: String(expires) },
        ...this.ctx.commonHeaders(),
      ],
      body: '',
    };
    if (expires > 0) this.update({ status: RegistrationStatus.Registering });
    return new Promise((resolve) => {
      sendClientRequest(this.ctx.layer, request, this.destination, this.options.credentials, {
        onSent: (req) => {
          this.seq = Math.max(this.seq, Number(/^\d+/.exec(getHeader(req, 'CSeq') ?? '')?.[0] ?? 0));
        },
        onFinal: (res) => resolve(this.onFinal(res, expires)),
      });
    });
  }

  private onFinal(res: SipResponse, asked: number): RegistrationState {
    if (asked === 0) {
      return this.update({ status: RegistrationStatus.Unregistered, code: res.status, reason: res.reason });
    }
    if (res.status >= 200 && res.status < 300) {
      const granted = grantedExpires(res, this.ctx.contact(this.destination.transport)) ?? asked;
      // Refresh ahead of expiry: halfway for short bindings, 30 s early for long ones.
      const refreshIn = Math.max(1, Math.max(granted / 2, granted - 30));
      this.schedule(refreshIn, asked);
      return this.update({
        status: RegistrationStatus.Registered,
        code: res.status,
        reason: res.reason,
        expires: granted,
      });
    }
    if (res.status === SipStatus.IntervalTooBrief) {
      const min = Number(getHeader(res, 'Min-Expires'));
      if (min > asked) {
        this.schedule(0, min);
        return this.update({ status: RegistrationStatus.Registering, code: res.status, reason: res.reason });
      }
    }
    this.schedule(this.options.retryAfter ?? 60, asked);
    this.ctx.logger.warn({ aor: this.options.aor, status: res.status }, 'sip registration failed');
    return this.update({ status: RegistrationStatus.Failed, code: res.status, reason: res.reason });
  }

  private schedule(seconds: number, expires: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.send(expires), seconds * 1000);
  }

  private update(state: RegistrationState): RegistrationState {
    this.state = state;
    this.emit('status', state);
    return state;
  }
}

/** The expiry of our binding: its Contact's expires param, else the Expires header (RFC 3261 §10.3). */
function grantedExpires(res: SipResponse, ourContact: string): number | undefined {
  const ours = parseNameAddr(ourContact)?.uri;
  for (const value of getHeaders(res, 'Contact')) {
    const c = parseNameAddr(value);
    if (c && c.uri === ours && c.params.expires && /^\d+$/.test(c.params.expires))
      return Number(c.params.expires);
  }
  const header = getHeader(res, 'Expires');
  return header && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
}
