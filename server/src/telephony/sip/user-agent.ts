// The user agent core (RFC 3261 §8, §12–§15): routes requests to calls and dialogs, answers
// OPTIONS, CANCEL and unknown methods itself, and starts outbound calls and registrations.

import { type CallContext, CallEndCause, type SipCall } from './call.ts';
import type { Dialog } from './dialog.ts';
import { dialogId } from './dialog.ts';
import { TypedEmitter } from './emitter.ts';
import { newCallId, newTag, sipTimestamp, type TransportName } from './headers.ts';
import { IncomingCall } from './incoming-call.ts';
import { type SipLogger, silentLogger } from './logger.ts';
import { getHeader, headerTokens, type SipHeader, type SipRequest } from './message.ts';
import { SipNoticeSummary } from './notice-summary.ts';
import { type InviteOptions, OutgoingCall } from './outgoing-call.ts';
import { defaultParserLimits, type ParserLimits } from './parser.ts';
import { type RegisterOptions, Registration } from './registration.ts';
import { defaultSessionTimer, type SessionTimerConfig, sessionTimerOfferHeaders } from './session-timer.ts';
import { SipStatus } from './status.ts';
import type { TimerSource } from './timer-source.ts';
import {
  defaultTimers,
  ServerTransaction,
  type SipTimers,
  StatelessResponse,
  TransactionLayer,
} from './transaction.ts';
import {
  defaultStreamLimits,
  peerAddress,
  type SipTlsConfig,
  SipTransport,
  type Source,
  type StreamLimits,
} from './transport.ts';
import { formatNameAddr, parseNameAddr, parseUri } from './uri.ts';

export interface UserAgentConfig {
  /** Address in Via and Contact when `host` (the bind address) is not reachable as such. */
  advertise?: string;
  /** Address to bind and to put in Via/Contact; loopback by default. */
  host?: string;
  /** 0 picks a free port. Default 5060. */
  port?: number;
  transports?: TransportName[];
  timers?: Partial<SipTimers>;
  /** Where transaction and session timers come from: the real clock, or a virtual one in tests. */
  clock?: TimerSource;
  sessionTimer?: Partial<SessionTimerConfig>;
  limits?: Partial<ParserLimits>;
  /** TCP and TLS connection caps and deadlines. */
  stream?: Partial<StreamLimits>;
  /** SIP over TLS on its own port; add 'tls' to `transports` (done by default when this is set). */
  tls?: SipTlsConfig;
  /** Unsolicited traffic (malformed messages, refused connections and calls) is logged once per interval. Default 60 s. */
  noticeIntervalMs?: number;
  /** User part of our Contact. */
  contactUser?: string;
  /** Value of User-Agent and Server headers. */
  userAgent?: string;
  logger?: SipLogger;
}

/** What we implement; everything else known to SIP gets 405, unknown methods 501. */
const allowed = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'UPDATE', 'INFO'];
const knownMethods = new Set([
  ...allowed,
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'MESSAGE',
  'REFER',
]);
const supportedExtensions = ['timer'];

export interface UserAgentEvents {
  /** A new inbound call: answer, ring or reject it. Without a listener calls get 480. */
  invite: IncomingCall;
  /** Every request outside a dialog, with its source, before it is handled (for logging/metrics). */
  request: { request: SipRequest; source: Source };
  /** An INVITE from a source `isPeer` refuses, answered 403 statelessly: no call was made for it. */
  strangerInvite: { request: SipRequest; source: Source };
}

export class UserAgent extends TypedEmitter<UserAgentEvents> {
  readonly transport: SipTransport;
  readonly layer: TransactionLayer;
  readonly logger: SipLogger;
  /** Counts of unsolicited traffic, logged as one line per interval; the application adds its refusals. */
  readonly notices: SipNoticeSummary;
  private readonly sessionTimer: SessionTimerConfig;
  private readonly calls = new Map<string, SipCall>();
  private readonly dialogs = new Map<string, SipCall>();
  private readonly registrations = new Set<Registration>();
  private readonly ctx: CallContext;
  private readonly contactUser: string;
  private readonly userAgentName: string;
  /**
   * Whether an address is one we take calls from (the appliance: a trunk's). A request from any other
   * that belongs to no call of ours is answered statelessly (RFC 3261 §8.2.7, §17.2.1) and an INVITE is
   * refused 403 before any call exists: held in a transaction, each refusal lived 32 s and its 403 was
   * sent ~10 times, so spoofed INVITEs made us a flood amplifier. Everyone by default.
   */
  isPeer: (address: string) => boolean = () => true;

  constructor(config: UserAgentConfig = {}) {
    super();
    this.logger = config.logger ?? silentLogger;
    this.notices = new SipNoticeSummary(this.logger, config.noticeIntervalMs ?? 60_000);
    const transports = config.transports ?? ['udp', 'tcp'];
    this.transport = new SipTransport({
      host: config.host ?? '127.0.0.1',
      advertise: config.advertise,
      port: config.port ?? 5060,
      transports: config.tls && !transports.includes('tls') ? [...transports, 'tls'] : transports,
      limits: { ...defaultParserLimits, ...config.limits },
      stream: { ...defaultStreamLimits, ...config.stream },
      tls: config.tls,
      logger: this.logger,
      notices: this.notices,
    });
    this.layer = new TransactionLayer(
      this.transport,
      { ...defaultTimers, ...config.timers },
      this.logger,
      config.clock,
    );
    this.layer.onRequest = (request, source, tx) => this.receive(request, source, tx);
    this.layer.isStateless = (request, source) => this.isStateless(request, source);
    this.sessionTimer = { ...defaultSessionTimer, ...config.sessionTimer };
    this.contactUser = config.contactUser ?? 'faxseal';
    this.userAgentName = config.userAgent ?? 'FaxSeal';
    this.ctx = {
      layer: this.layer,
      logger: this.logger,
      sessionTimer: this.sessionTimer,
      contact: (t) => this.contact(t),
      commonHeaders: () => this.commonHeaders(),
      isFlowOpen: (flow) => this.transport.hasConnection(flow.connectionId),
      bindDialog: (call, dialog) => this.bindDialog(call, dialog),
      unbindCall: (call) => this.unbindCall(call),
    };
  }

  /** Creates and starts a user agent; the usual entry point. */
  static async start(config: UserAgentConfig = {}): Promise<UserAgent> {
    const ua = new UserAgent(config);
    await ua.start();
    return ua;
  }

  /** Binds the transports (for a user agent made with `new`, to set `transport.acceptPeer` first). */
  async start(): Promise<void> {
    await this.transport.start();
    this.logger.info(
      {
        host: this.transport.host,
        port: this.port,
        transports: this.transport.transports,
        ...(this.transport.transports.includes('tls') ? { tlsPort: this.transport.portOf('tls') } : {}),
      },
      'sip user agent listening',
    );
  }

  get port(): number {
    return this.transport.port;
  }

  get host(): string {
    return this.transport.host;
  }

  /** Calls still up or being set up. */
  get activeCalls(): SipCall[] {
    return [...this.calls.values()];
  }

  async stop(): Promise<void> {
    for (const reg of this.registrations) reg.stop();
    for (const call of [...this.calls.values()])
      call.terminate({ cause: CallEndCause.Shutdown, status: SipStatus.ServiceUnavailable, by: 'local' });
    this.layer.close();
    await this.transport.stop();
    this.notices.flush();
  }

  /** Places an outbound call; see OutgoingCall.result for the outcome. */
  invite(options: InviteOptions): OutgoingCall {
    const transport = options.target.transport ?? 'udp';
    const destination: Source = {
      transport,
      address: options.target.host,
      port: options.target.port ?? 5060,
    };
    const from: string = formatNameAddr({
      displayName: options.callerId,
      uri: options.from,
      params: { tag: newTag() },
    });
    const headers: SipHeader[] = [
      { name: 'Via', value: 'SIP/2.0/UDP placeholder' },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: from },
      { name: 'To', value: `<${options.to}>` },
      { name: 'Call-ID', value: newCallId(this.host) },
      { name: 'CSeq', value: '1 INVITE' },
      { name: 'Contact', value: this.contact(transport) },
      { name: 'Timestamp', value: sipTimestamp() },
      ...this.commonHeaders(),
    ];
    if (options.pAssertedIdentity) {
      const pai = options.pAssertedIdentity.includes('<')
        ? options.pAssertedIdentity
        : `<${options.pAssertedIdentity}>`;
      headers.push({ name: 'P-Asserted-Identity', value: pai });
    }
    headers.push(...sessionTimerOfferHeaders(this.sessionTimer));
    if (options.sdpOffer) headers.push({ name: 'Content-Type', value: 'application/sdp' });
    headers.push(...(options.headers ?? []));
    const request: SipRequest = {
      kind: 'request',
      method: 'INVITE',
      uri: options.to,
      version: 'SIP/2.0',
      headers,
      body: options.sdpOffer,
    };
    const call = new OutgoingCall(this.ctx, request, destination, options.credentials);
    this.calls.set(call.callId, call);
    this.logger.info(
      {
        callId: call.callId,
        to: options.to,
        target: `${transport}:${destination.address}:${destination.port}`,
      },
      'sip outbound call',
    );
    return call;
  }

  /** Starts a registration binding; call `start()` on the result to send the first REGISTER. */
  register(options: RegisterOptions): Registration {
    const reg = new Registration(
      {
        layer: this.layer,
        logger: this.logger,
        contact: (t) => this.contact(t),
        commonHeaders: () => this.commonHeaders(),
        localHost: this.host,
      },
      options,
    );
    this.registrations.add(reg);
    return reg;
  }

  /** OPTIONS ping (keepalive, trunk health check); resolves with the status (408 on timeout). */
  options(target: { host: string; port?: number; transport?: TransportName }, uri?: string): Promise<number> {
    const transport = target.transport ?? 'udp';
    const destination: Source = { transport, address: target.host, port: target.port ?? 5060 };
    const requestUri = uri ?? `sip:${target.host}:${destination.port}`;
    const request: SipRequest = {
      kind: 'request',
      method: 'OPTIONS',
      uri: requestUri,
      version: 'SIP/2.0',
      headers: [
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `<sip:${this.contactUser}@${this.host}>;tag=${newTag()}` },
        { name: 'To', value: `<${requestUri}>` },
        { name: 'Call-ID', value: newCallId(this.host) },
        { name: 'CSeq', value: '1 OPTIONS' },
        { name: 'Accept', value: 'application/sdp' },
        ...this.commonHeaders(),
      ],
      body: '',
    };
    return new Promise((resolve) => {
      this.layer.sendRequest(request, destination, {
        onResponse: (res) => {
          if (res.status >= 200) resolve(res.status);
        },
        onTimeout: () => resolve(SipStatus.RequestTimeout),
        onTransportError: () => resolve(SipStatus.ServiceUnavailable),
      });
    });
  }

  /** Our Contact for a flow: a sips URI on TLS (RFC 5630 §4.1), transport=tcp on TCP. */
  private contact(transport: TransportName): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    const port = this.transport.portOf(transport);
    if (transport === 'tls') return `<sips:${this.contactUser}@${host}:${port}>`;
    const param = transport === 'tcp' ? ';transport=tcp' : '';
    return `<sip:${this.contactUser}@${host}:${port}${param}>`;
  }

  private commonHeaders(): SipHeader[] {
    return [
      { name: 'User-Agent', value: this.userAgentName },
      { name: 'Allow', value: allowed.join(', ') },
      { name: 'Supported', value: supportedExtensions.join(', ') },
    ];
  }

  private bindDialog(call: SipCall, dialog: Dialog): void {
    this.dialogs.set(dialog.id, call);
    this.calls.set(call.callId, call);
  }

  private unbindCall(call: SipCall): void {
    if (this.calls.get(call.callId) === call) this.calls.delete(call.callId);
    if (call.dialog && this.dialogs.get(call.dialog.id) === call) this.dialogs.delete(call.dialog.id);
  }

  private findDialog(request: SipRequest): SipCall | undefined {
    const toTag = parseNameAddr(getHeader(request, 'To')!)?.params.tag;
    const fromTag = parseNameAddr(getHeader(request, 'From')!)?.params.tag;
    if (!toTag) return undefined;
    return this.dialogs.get(dialogId(getHeader(request, 'Call-ID')!, toTag, fromTag ?? ''));
  }

  /** A stranger's request, unless it is for a call or transaction we have (those stay with their state). */
  private isStateless(request: SipRequest, source: Source): boolean {
    let peer = true;
    try {
      peer = this.isPeer(peerAddress(source.address));
    } catch (err) {
      this.logger.error({ err }, 'sip isPeer threw');
    }
    if (peer) return false;
    if (request.method === 'CANCEL') return this.layer.findInviteFor(request) === undefined;
    return this.findDialog(request) === undefined;
  }

  private receive(
    request: SipRequest,
    source: Source,
    tx: ServerTransaction | StatelessResponse | null,
  ): void {
    if (!tx) {
      // ACK to a 2xx: the dialog's business, never answered.
      this.findDialog(request)?.handleAck(request);
      return;
    }
    const reply = (status: number, headers: SipHeader[] = []) => {
      const res = tx.createResponse(status, undefined, newTag());
      res.headers.push(...headers);
      tx.respond(res);
    };
    const uri = parseUri(request.uri);
    if (!uri) {
      reply(SipStatus.UnsupportedUriScheme);
      return;
    }
    // RFC 5630 §3.1: sips means TLS on the hop that brought the request; over anything else it is refused.
    if (uri.scheme === 'sips' && source.transport !== 'tls') {
      reply(SipStatus.UnsupportedUriScheme, [
        { name: 'Warning', value: `399 ${this.host} "sips Request-URI over ${source.transport}"` },
      ]);
      return;
    }
    const maxForwards = getHeader(request, 'Max-Forwards');
    if (maxForwards !== undefined && Number(maxForwards) <= 0 && request.method !== 'OPTIONS') {
      reply(SipStatus.TooManyHops);
      return;
    }
    if (request.method === 'CANCEL') {
      const invite = this.layer.findInviteFor(request);
      if (!invite) {
        reply(SipStatus.CallDoesNotExist);
        return;
      }
      reply(SipStatus.Ok);
      const call = this.calls.get(getHeader(request, 'Call-ID')!);
      if (call instanceof IncomingCall) call.handleCancel(request);
      return;
    }
    const toTag = parseNameAddr(getHeader(request, 'To')!)?.params.tag;
    if (toTag) {
      const call = this.findDialog(request);
      if (call && tx instanceof ServerTransaction) call.handleInDialog(request, tx);
      else if (!knownMethods.has(request.method)) reply(SipStatus.NotImplemented);
      else reply(SipStatus.CallDoesNotExist);
      return;
    }
    this.emit('request', { request, source });
    const unsupported = headerTokens(request, 'Require').filter((t) => !supportedExtensions.includes(t));
    if (unsupported.length > 0 && request.method !== 'ACK') {
      reply(SipStatus.BadExtension, [{ name: 'Unsupported', value: unsupported.join(', ') }]);
      return;
    }
    switch (request.method) {
      case 'OPTIONS':
        reply(SipStatus.Ok, [
          ...this.commonHeaders(),
          { name: 'Accept', value: 'application/sdp' },
          { name: 'Accept-Language', value: 'en' },
          { name: 'Contact', value: this.contact(source.transport) },
        ]);
        return;
      case 'INVITE':
        this.receiveInvite(request, source, tx, reply);
        return;
      case 'BYE':
      case 'UPDATE':
      case 'INFO':
        reply(SipStatus.CallDoesNotExist);
        return;
      default:
        if (knownMethods.has(request.method))
          reply(SipStatus.MethodNotAllowed, this.commonHeaders().slice(1, 2));
        else reply(SipStatus.NotImplemented);
    }
  }

  private receiveInvite(
    request: SipRequest,
    source: Source,
    tx: ServerTransaction | StatelessResponse,
    reply: (status: number, headers?: SipHeader[]) => void,
  ): void {
    if (tx instanceof StatelessResponse) {
      reply(SipStatus.Forbidden);
      this.notices.note(`invite_refused:${SipStatus.Forbidden}`, peerAddress(source.address), {
        callId: getHeader(request, 'Call-ID'),
        detail: 'not a peer address: answered statelessly',
      });
      this.emit('strangerInvite', { request, source });
      return;
    }
    const contentType = getHeader(request, 'Content-Type');
    if (request.body && contentType && !/^application\/sdp\b/i.test(contentType.trim())) {
      reply(SipStatus.UnsupportedMediaType, [{ name: 'Accept', value: 'application/sdp' }]);
      return;
    }
    const callId = getHeader(request, 'Call-ID')!;
    if (this.calls.has(callId)) {
      // Same Call-ID, no To tag, new branch: a loop or a fork of a call we already have.
      reply(SipStatus.LoopDetected);
      return;
    }
    if (this.sessionTimer.enabled) {
      const se = /^\s*(\d+)/.exec(getHeader(request, 'Session-Expires') ?? '');
      if (se && Number(se[1]) < this.sessionTimer.minSE) {
        reply(SipStatus.SessionIntervalTooSmall, [
          { name: 'Min-SE', value: String(this.sessionTimer.minSE) },
        ]);
        return;
      }
    }
    const call = new IncomingCall(this.ctx, request, source, tx);
    this.calls.set(callId, call);
    // Debug only: most INVITEs from strangers are refused, and refusals are counted in `notices`.
    this.logger.debug(
      {
        callId,
        from: call.fromUser,
        to: call.toUser,
        source: `${source.transport}:${source.address}:${source.port}`,
      },
      'sip inbound call',
    );
    if (this.listenerCount('invite') === 0) {
      call.reject(SipStatus.TemporarilyUnavailable);
      return;
    }
    this.emit('invite', call);
  }
}
