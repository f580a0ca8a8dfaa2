// Client and server transactions of RFC 3261 §17 (with the Accepted state of RFC 6026): request
// retransmission over UDP, response absorption, timers A–M driven by configurable T1/T2/T4 on a timer source.
import { createHmac, randomBytes } from 'node:crypto';
import { branchMagicCookie, newBranch, parseCSeq, parseVia } from './headers.ts';
import type { SipLogger } from './logger.ts';
import { getHeader, getHeaders, type SipHeader, type SipRequest, type SipResponse } from './message.ts';
import { reasonPhrase } from './status.ts';
import { realTimers, type TimerHandle, type TimerSource } from './timer-source.ts';
import type { SipTransport, Source } from './transport.ts';
import { parseNameAddr } from './uri.ts';

export interface SipTimers {
  /** RTT estimate, 500 ms by default. */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, 4 s. */
  t2: number;
  /** Maximum time a message stays in the network, 5 s. */
  t4: number;
}

export const defaultTimers: SipTimers = { t1: 500, t2: 4000, t4: 5000 };

/** RFC 3261 Timer D on unreliable transports: a fixed 32 s (at least 64*T1), not a multiple of T1. */
const TIMER_D_MS = 32_000;

export enum TransactionState {
  Calling = 'calling',
  Trying = 'trying',
  Proceeding = 'proceeding',
  Completed = 'completed',
  Confirmed = 'confirmed',
  Accepted = 'accepted',
  Terminated = 'terminated',
}

export interface ClientTransactionHandlers {
  onResponse(response: SipResponse): void;
  /** Timer B or F fired: treat as 408 Request Timeout. */
  onTimeout(): void;
  /** Treat as 503 Service Unavailable (RFC 3261 §8.1.3.1). */
  onTransportError(err: unknown): void;
}

export abstract class Transaction {
  state: TransactionState;
  private readonly timers = new Set<TimerHandle>();

  constructor(
    protected readonly layer: TransactionLayer,
    readonly key: string,
    initial: TransactionState,
  ) {
    this.state = initial;
  }

  protected get reliable(): boolean {
    return this.peer.transport !== 'udp';
  }

  protected abstract get peer(): Source;

  protected after(ms: number, fn: () => void): void {
    const t = this.layer.clock.setTimeout(() => {
      this.timers.delete(t);
      if (this.state !== TransactionState.Terminated) fn();
    }, ms);
    this.timers.add(t);
  }

  /**
   * Retransmits with doubling intervals from T1, capped at `cap` (RFC 3261 Timers A, E, G); `next` may
   * override the following interval (Timer E in Proceeding goes straight to T2).
   */
  protected retransmit(
    send: () => void,
    cap: number,
    stillNeeded: () => boolean,
    next: (doubled: number) => number = (doubled) => doubled,
  ): void {
    if (this.reliable) return;
    const schedule = (interval: number) =>
      this.after(interval, () => {
        if (!stillNeeded()) return;
        send();
        schedule(next(Math.min(interval * 2, cap)));
      });
    schedule(this.layer.timers.t1);
  }

  protected clearTimers(): void {
    for (const t of this.timers) this.layer.clock.clearTimeout(t);
    this.timers.clear();
  }

  terminate(): void {
    if (this.state === TransactionState.Terminated) return;
    this.state = TransactionState.Terminated;
    this.clearTimers();
    this.layer.forget(this);
  }
}

export class ClientTransaction extends Transaction {
  readonly isInvite: boolean;
  private ackForFailure?: SipRequest;

  constructor(
    layer: TransactionLayer,
    key: string,
    readonly request: SipRequest,
    readonly destination: Source,
    private readonly handlers: ClientTransactionHandlers,
  ) {
    super(layer, key, request.method === 'INVITE' ? TransactionState.Calling : TransactionState.Trying);
    this.isInvite = request.method === 'INVITE';
  }

  protected get peer(): Source {
    return this.destination;
  }

  get branch(): string {
    return parseVia(getHeader(this.request, 'Via')!)!.params.branch!;
  }

  start(): void {
    const { t1, t2 } = this.layer.timers;
    this.send(this.request);
    if (this.isInvite) {
      this.retransmit(
        () => this.send(this.request),
        Number.POSITIVE_INFINITY,
        () => this.state === TransactionState.Calling,
      );
    } else {
      // Timer E: doubling from T1 up to T2 while Trying; every T2 once a provisional came (§17.1.2.2).
      this.retransmit(
        () => this.send(this.request),
        t2,
        () => this.state === TransactionState.Trying || this.state === TransactionState.Proceeding,
        (doubled) => (this.state === TransactionState.Proceeding ? t2 : doubled),
      );
    }
    // Timers B and F.
    this.after(64 * t1, () => {
      if (
        this.state === TransactionState.Calling ||
        this.state === TransactionState.Trying ||
        this.state === TransactionState.Proceeding
      ) {
        this.terminate();
        this.handlers.onTimeout();
      }
    });
  }

  private send(message: SipRequest): void {
    this.layer.transport.send(message, this.destination).catch((err) => {
      if (this.state === TransactionState.Terminated) return;
      this.terminate();
      this.handlers.onTransportError(err);
    });
  }

  receive(response: SipResponse): void {
    const { t1, t4 } = this.layer.timers;
    const status = response.status;
    switch (this.state) {
      case TransactionState.Calling:
      case TransactionState.Trying:
      case TransactionState.Proceeding:
        if (status < 200) {
          this.state = TransactionState.Proceeding;
          this.handlers.onResponse(response);
        } else if (this.isInvite && status < 300) {
          // RFC 6026: stay to absorb nothing but pass 2xx retransmissions up, so the TU re-ACKs.
          this.state = TransactionState.Accepted;
          this.after(64 * t1, () => this.terminate());
          this.handlers.onResponse(response);
        } else if (this.isInvite) {
          this.state = TransactionState.Completed;
          this.ackForFailure = this.buildAck(response);
          this.send(this.ackForFailure);
          this.after(this.reliable ? 0 : Math.max(TIMER_D_MS, 64 * t1), () => this.terminate()); // Timer D
          this.handlers.onResponse(response);
        } else {
          this.state = TransactionState.Completed;
          this.after(this.reliable ? 0 : t4, () => this.terminate()); // Timer K
          this.handlers.onResponse(response);
        }
        break;
      case TransactionState.Accepted:
        if (status >= 200 && status < 300) this.handlers.onResponse(response);
        break;
      case TransactionState.Completed:
        if (this.ackForFailure && status >= 300) this.send(this.ackForFailure);
        break;
      default:
        break;
    }
  }

  /** RFC 3261 §17.1.1.3: the ACK for a non-2xx final response is part of the INVITE transaction. */
  private buildAck(response: SipResponse): SipRequest {
    const req = this.request;
    const pick = (name: string) => req.headers.filter((h) => h.name === name);
    const cseq = parseCSeq(getHeader(req, 'CSeq')!)!;
    const headers: SipHeader[] = [
      pick('Via')[0],
      ...pick('Route'),
      ...pick('Max-Forwards'),
      ...pick('From'),
      { name: 'To', value: getHeader(response, 'To')! },
      ...pick('Call-ID'),
      { name: 'CSeq', value: `${cseq.seq} ACK` },
      ...pick('Authorization'),
      ...pick('Proxy-Authorization'),
    ];
    return { kind: 'request', method: 'ACK', uri: req.uri, version: 'SIP/2.0', headers, body: '' };
  }
}

export interface ServerTransactionEvents {
  /** No ACK for a non-2xx final (Timer H) or for a 2xx after 64*T1: the peer is gone. */
  onNoAck?: () => void;
  onTransportError?: (err: unknown) => void;
}

export class ServerTransaction extends Transaction {
  readonly isInvite: boolean;
  events: ServerTransactionEvents = {};
  private lastResponse?: SipResponse;

  constructor(
    layer: TransactionLayer,
    key: string,
    readonly request: SipRequest,
    readonly source: Source,
  ) {
    super(layer, key, request.method === 'INVITE' ? TransactionState.Proceeding : TransactionState.Trying);
    this.isInvite = request.method === 'INVITE';
  }

  protected get peer(): Source {
    return this.source;
  }

  get finalSent(): boolean {
    return this.lastResponse !== undefined && this.lastResponse.status >= 200;
  }

  /** Builds a response that echoes Via, From, To (with our tag), Call-ID and CSeq (RFC 3261 §8.2.6). */
  createResponse(status: number, reason?: string, toTag?: string): SipResponse {
    return responseTo(this.request, status, reason, toTag);
  }

  respond(response: SipResponse): void {
    if (this.state === TransactionState.Terminated || this.finalSent) {
      this.layer.logger.debug(
        { status: response.status, state: this.state },
        'sip response after final ignored',
      );
      return;
    }
    const { t1, t2 } = this.layer.timers;
    this.lastResponse = response;
    this.send(response);
    if (response.status < 200) {
      if (this.state === TransactionState.Trying) this.state = TransactionState.Proceeding;
      return;
    }
    if (!this.isInvite) {
      this.state = TransactionState.Completed;
      this.after(this.reliable ? 0 : 64 * t1, () => this.terminate()); // Timer J
      return;
    }
    if (response.status < 300) {
      // The 2xx is retransmitted until the ACK arrives (RFC 3261 §13.3.1.4), then Timer L ends us.
      this.state = TransactionState.Accepted;
      this.retransmit(
        () => this.send(response),
        t2,
        () => this.state === TransactionState.Accepted && !this.acked,
      );
      this.after(64 * t1, () => {
        const acked = this.acked;
        this.terminate();
        if (!acked) this.events.onNoAck?.();
      });
      return;
    }
    this.state = TransactionState.Completed;
    this.retransmit(
      () => this.send(response),
      t2,
      () => this.state === TransactionState.Completed,
    ); // Timer G
    this.after(64 * t1, () => {
      // Timer H
      if (this.state === TransactionState.Completed) {
        this.terminate();
        this.events.onNoAck?.();
      }
    });
  }

  private acked = false;

  /** The TU saw the ACK for our 2xx (it arrives outside the transaction, with its own branch). */
  ackReceived(): void {
    this.acked = true;
  }

  /** A retransmission of the request or the ACK for a non-2xx final arrived. */
  receive(request: SipRequest): void {
    if (request.method === 'ACK') {
      if (this.state === TransactionState.Completed) {
        this.state = TransactionState.Confirmed;
        this.after(this.reliable ? 0 : this.layer.timers.t4, () => this.terminate()); // Timer I
      }
      return;
    }
    if (this.lastResponse && this.state !== TransactionState.Confirmed) this.send(this.lastResponse);
  }

  private send(response: SipResponse): void {
    this.layer.transport.send(response, this.source).catch((err) => {
      this.layer.logger.debug({ err }, 'sip response not sent');
      this.events.onTransportError?.(err);
    });
  }
}

/** A response to `req` that echoes Via, From, To (with our tag), Call-ID and CSeq (RFC 3261 §8.2.6). */
export function responseTo(req: SipRequest, status: number, reason?: string, toTag?: string): SipResponse {
  let to = getHeader(req, 'To')!;
  if (toTag && status > 100 && !parseNameAddr(to)?.params.tag) to += `;tag=${toTag}`;
  const headers: SipHeader[] = [
    ...getHeaders(req, 'Via').map((value) => ({ name: 'Via', value })),
    { name: 'From', value: getHeader(req, 'From')! },
    { name: 'To', value: to },
    { name: 'Call-ID', value: getHeader(req, 'Call-ID')! },
    { name: 'CSeq', value: getHeader(req, 'CSeq')! },
  ];
  // RFC 3261 §8.2.6.1: a 100 Trying echoes the request's Timestamp.
  const timestamp = getHeader(req, 'Timestamp');
  if (status === 100 && timestamp !== undefined) headers.push({ name: 'Timestamp', value: timestamp });
  return {
    kind: 'response',
    version: 'SIP/2.0',
    status,
    reason: reason ?? reasonPhrase(status),
    headers,
    body: '',
  };
}

/**
 * The answer to a request handled without a transaction (a stateless UAS, RFC 3261 §8.2.7): one final
 * response sent once, no 100 Trying, no retransmission, nothing kept. A retransmitted request is a new
 * request and gets its own answer; the ACK for it is ignored. Given to the TU in place of a
 * ServerTransaction for requests from sources that are not ours, so a flood from spoofed addresses
 * gets one datagram per datagram and costs no state.
 */
export class StatelessResponse {
  private sent = false;

  constructor(
    private readonly layer: TransactionLayer,
    readonly request: SipRequest,
    readonly source: Source,
  ) {}

  /** A To tag asked for is derived from the request: a retransmission gets the same one (§8.2.7). */
  createResponse(status: number, reason?: string, toTag?: string): SipResponse {
    return responseTo(this.request, status, reason, toTag && this.layer.statelessTag(this.request));
  }

  /** Sends a final response once; provisional responses and a second answer are dropped. */
  respond(response: SipResponse): void {
    if (this.sent || response.status < 200) return;
    this.sent = true;
    this.layer.transport
      .send(response, this.source)
      .catch((err) => this.layer.logger.debug({ err }, 'sip stateless response not sent'));
  }
}

/** Dispatches received messages to transactions, and new requests to the transaction user. */
export class TransactionLayer {
  /**
   * New requests; `tx` is null for ACKs to 2xx, which have no server transaction, and a
   * StatelessResponse for requests `isStateless` picks.
   */
  onRequest: (request: SipRequest, source: Source, tx: ServerTransaction | StatelessResponse | null) => void =
    () => {};
  /** Asked before a server transaction is made for a new request: true answers it statelessly. */
  isStateless: (request: SipRequest, source: Source) => boolean = () => false;
  /** Responses that match no client transaction (late 2xx retransmissions). */
  onStrayResponse: (response: SipResponse, source: Source) => void = () => {};
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  /** Keys the To tags of stateless answers: the same request gets the same tag, nobody can guess it. */
  private readonly tagKey = randomBytes(32);

  constructor(
    readonly transport: SipTransport,
    readonly timers: SipTimers,
    readonly logger: SipLogger,
    readonly clock: TimerSource = realTimers,
  ) {
    transport.onMessage = (message, source) => {
      if (message.kind === 'request') this.receiveRequest(message, source);
      else this.receiveResponse(message, source);
    };
  }

  /** Adds our Via (with a fresh branch unless one is given) and starts a client transaction. */
  sendRequest(
    request: SipRequest,
    destination: Source,
    handlers: ClientTransactionHandlers,
    branch = newBranch(),
  ): ClientTransaction {
    request.headers = [
      { name: 'Via', value: this.via(destination, branch) },
      ...request.headers.filter((h) => h.name !== 'Via'),
    ];
    const key = `${branch}|${request.method}`;
    const tx = new ClientTransaction(this, key, request, destination, handlers);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** Requests outside any transaction: the ACK for a 2xx (RFC 3261 §13.2.2.4). */
  sendStateless(request: SipRequest, destination: Source): void {
    request.headers = [
      { name: 'Via', value: this.via(destination, newBranch()) },
      ...request.headers.filter((h) => h.name !== 'Via'),
    ];
    this.transport.send(request, destination).catch((err) => this.logger.debug({ err }, 'sip ack not sent'));
  }

  /** Our Via for a request to `destination`: the sent-by is the port of the transport it leaves on. */
  private via(destination: Source, branch: string): string {
    const { transport } = this;
    const sentBy = `${transport.host}:${transport.portOf(destination.transport)}`;
    return `SIP/2.0/${destination.transport.toUpperCase()} ${sentBy};branch=${branch};rport`;
  }

  /** Server transactions held now (each lives up to 64 × T1 after its final response). */
  get serverTransactions(): number {
    return this.servers.size;
  }

  /** The To tag of a stateless answer to `request`: a keyed hash of what identifies it (RFC 3261 §19.3). */
  statelessTag(request: SipRequest): string {
    return createHmac('sha256', this.tagKey)
      .update(serverKey(request, request.method))
      .digest('base64url')
      .slice(0, 16);
  }

  /** Finds the INVITE server transaction a CANCEL refers to (same branch, RFC 3261 §9.2). */
  findInviteFor(cancel: SipRequest): ServerTransaction | undefined {
    return this.servers.get(serverKey(cancel, 'INVITE'));
  }

  forget(tx: Transaction): void {
    if (tx instanceof ClientTransaction) {
      if (this.clients.get(tx.key) === tx) this.clients.delete(tx.key);
    } else if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key);
  }

  close(): void {
    for (const tx of [...this.clients.values(), ...this.servers.values()]) tx.terminate();
  }

  private receiveRequest(request: SipRequest, source: Source): void {
    const key = serverKey(request, request.method === 'ACK' ? 'INVITE' : request.method);
    const existing = this.servers.get(key);
    if (existing) {
      existing.receive(request);
      return;
    }
    if (request.method === 'ACK') {
      this.onRequest(request, source, null);
      return;
    }
    if (this.isStateless(request, source)) {
      this.onRequest(request, source, new StatelessResponse(this, request, source));
      return;
    }
    const tx = new ServerTransaction(this, key, request, source);
    this.servers.set(key, tx);
    // RFC 3261 §17.2.1: a 100 quenches INVITE retransmissions while the application decides.
    if (tx.isInvite) tx.respond(tx.createResponse(100));
    this.onRequest(request, source, tx);
  }

  private receiveResponse(response: SipResponse, source: Source): void {
    const via = parseVia(getHeader(response, 'Via')!);
    const cseq = parseCSeq(getHeader(response, 'CSeq')!);
    const branch = via?.params.branch;
    const tx = branch && cseq ? this.clients.get(`${branch}|${cseq.method.toUpperCase()}`) : undefined;
    if (tx) tx.receive(response);
    else this.onStrayResponse(response, source);
  }
}

function serverKey(request: SipRequest, method: string): string {
  const via = parseVia(getHeader(request, 'Via')!);
  const branch = via?.params.branch ?? '';
  const sentBy = `${via?.host}:${via?.port ?? ''}`;
  if (branch.startsWith(branchMagicCookie)) return `${branch}|${sentBy}|${method}`;
  // RFC 2543 peers: fall back to the dialog and sequence identifiers (RFC 3261 §17.2.3).
  const from = parseNameAddr(getHeader(request, 'From')!)?.params.tag ?? '';
  const cseq = parseCSeq(getHeader(request, 'CSeq')!)?.seq ?? 0;
  return `legacy|${getHeader(request, 'Call-ID')}|${from}|${cseq}|${branch}|${sentBy}|${method}`;
}
