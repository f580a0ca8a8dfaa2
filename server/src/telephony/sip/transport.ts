// SIP over UDP, TCP and TLS (RFC 3261 §18, §26): datagram and stream framing, size limits, and the 400/413/513
// answers to messages that fail to parse. Stream connections are admitted before a byte is read (the peer must
// be one the application accepts, within total and per-address caps), each message must arrive whole within a
// deadline that trickled bytes do not extend, and buffers in both directions are bounded.
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { TransportName } from './headers.ts';
import { parseVia } from './headers.ts';
import { debugEnabled, type SipLogger } from './logger.ts';
import { type SipHeader, type SipMessage, type SipResponse, serializeMessage } from './message.ts';
import type { SipNoticeSummary } from './notice-summary.ts';
import {
  defaultParserLimits,
  frameStream,
  type ParserLimits,
  parseErrorStatus,
  parseMessage,
  type SipParseError,
} from './parser.ts';
import { reasonPhrase } from './status.ts';

export interface Endpoint {
  transport: TransportName;
  address: string;
  port: number;
}

/** Where a message came from; for TCP and TLS also which connection, so responses use the same one. */
export interface Source extends Endpoint {
  connectionId?: number;
}

/** Limits on TCP and TLS connections. */
export interface StreamLimits {
  /** Inbound connections open at once, every peer together. */
  maxConnections: number;
  /** Inbound connections open at once from one address. */
  maxConnectionsPerAddress: number;
  /**
   * From a message's first byte to its last (and from accept to the first message, TLS handshake included):
   * a peer that trickles bytes is cut off, however steadily it sends.
   */
  messageTimeoutMs: number;
  /** A connection that carries no complete message or keepalive for this long is closed. */
  idleTimeoutMs: number;
  /** Bytes queued for a peer that does not read them before the connection is dropped. */
  maxWriteBuffer: number;
}

export const defaultStreamLimits: StreamLimits = {
  maxConnections: 256,
  maxConnectionsPerAddress: 32,
  messageTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  maxWriteBuffer: 1024 * 1024,
};

/** SIP over TLS: PEM certificate chain and key, the port, and extra CAs trusted when we connect out. */
export interface SipTlsConfig {
  cert: string | Buffer;
  key: string | Buffer;
  /** 0 picks a free port. */
  port: number;
  ca?: string | Buffer;
}

export interface TransportConfig {
  /** Address the sockets bind to. */
  host: string;
  /** Address put in Via and Contact when `host` is not one peers can reach (0.0.0.0, behind a proxy). */
  advertise?: string;
  /** UDP and TCP port; 0 picks a free port (shared by UDP and TCP). */
  port: number;
  /** 'tls' needs `tls`. */
  transports: TransportName[];
  limits: ParserLimits;
  stream: StreamLimits;
  tls?: SipTlsConfig;
  logger: SipLogger;
  /** Where malformed messages and refused connections are counted; without it they are logged at debug only. */
  notices?: SipNoticeSummary;
}

export const defaultTransportConfig: Omit<TransportConfig, 'logger'> = {
  host: '127.0.0.1',
  port: 5060,
  transports: ['udp', 'tcp'],
  limits: defaultParserLimits,
  stream: defaultStreamLimits,
};

type StreamTransport = 'tcp' | 'tls';

interface Connection {
  id: number;
  transport: StreamTransport;
  socket: net.Socket;
  buffer: Buffer;
  key: string;
  /** The peer's address as admission saw it (IPv4-mapped IPv6 unwrapped); set for accepted connections. */
  admittedAddress?: string;
  messageDeadline?: NodeJS.Timeout;
  idleTimer?: NodeJS.Timeout;
}

/** `::ffff:192.0.2.1` is 192.0.2.1: trunks list IPv4 addresses, dual-stack sockets report them mapped. */
export function peerAddress(address: string | undefined): string {
  const a = address ?? '';
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a) ? a.slice(7) : a;
}

const KEEPALIVE_PING = Buffer.from('\r\n\r\n');
const KEEPALIVE_PONG = Buffer.from('\r\n');

/** What consumeKeepalives leaves of a keepalive it has not seen whole: up to three CR/LF bytes. */
const isLineBreaks = (buf: Buffer): boolean => buf.length <= 3 && buf.every((b) => b === 0x0d || b === 0x0a);

export class SipTransport {
  onMessage: (message: SipMessage, source: Source) => void = () => {};
  /**
   * Whether a TCP or TLS connection from this address may be accepted at all: asked before a byte is read.
   * The appliance allows trunk addresses only; by default everyone may connect.
   */
  acceptPeer: (address: string) => boolean = () => true;
  private udp?: dgram.Socket;
  private readonly servers = new Map<StreamTransport, net.Server>();
  private readonly boundPorts = new Map<TransportName, number>();
  private readonly connections = new Map<number, Connection>();
  private readonly connectionsByPeer = new Map<string, Connection>();
  /** Accepted connections by peer address, for the per-address cap. */
  private readonly inboundByAddress = new Map<string, number>();
  private inboundCount = 0;
  private nextConnectionId = 1;
  private tlsContext?: tls.SecureContext;

  constructor(private readonly config: TransportConfig) {
    if (config.transports.includes('tls')) {
      if (!config.tls) throw new Error('ERR_SIP_TLS_CONFIG: transport tls needs a certificate and key');
      this.tlsContext = tls.createSecureContext({ cert: config.tls.cert, key: config.tls.key });
    }
  }

  /** The address peers reach us at: what Via and Contact carry. */
  get host(): string {
    return this.config.advertise ?? this.config.host;
  }

  /** The UDP/TCP port actually bound. */
  get port(): number {
    return this.boundPorts.get('udp') ?? this.boundPorts.get('tcp') ?? 0;
  }

  /** The port of one transport (TLS has its own). */
  portOf(transport: TransportName): number {
    return this.boundPorts.get(transport) ?? this.port;
  }

  get transports(): TransportName[] {
    return this.config.transports;
  }

  /** Inbound stream connections open now. */
  get inboundConnections(): number {
    return this.inboundCount;
  }

  async start(): Promise<void> {
    // With port 0, UDP picks the port and TCP must get the same one; retry on the rare collision.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.bind(this.config.port);
        break;
      } catch (err) {
        await this.stop();
        if (this.config.port !== 0 || attempt >= 20) throw err;
      }
    }
    if (this.config.transports.includes('tls')) {
      try {
        this.boundPorts.set('tls', await this.listen('tls', this.config.tls!.port));
      } catch (err) {
        await this.stop();
        throw err;
      }
    }
  }

  private async bind(port: number): Promise<void> {
    let chosen = port;
    if (this.config.transports.includes('udp')) {
      const udp = dgram.createSocket(this.config.host.includes(':') ? 'udp6' : 'udp4');
      this.udp = udp;
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(chosen, this.config.host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      chosen = udp.address().port;
      this.boundPorts.set('udp', chosen);
      udp.on('message', (data, rinfo) => this.receiveDatagram(data, rinfo));
      udp.on('error', (err) => this.config.logger.error({ err }, 'sip udp socket error'));
    }
    if (this.config.transports.includes('tcp')) {
      chosen = await this.listen('tcp', chosen);
      this.boundPorts.set('tcp', chosen);
    }
  }

  private async listen(transport: StreamTransport, port: number): Promise<number> {
    // Paused: nothing is read from a connection until it has been admitted.
    const server = net.createServer({ pauseOnConnect: true }, (socket) => this.accept(socket, transport));
    this.servers.set(transport, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.config.logger.error({ err, transport }, 'sip stream server error'));
    return (server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const c of this.connections.values()) c.socket.destroy();
    this.connections.clear();
    this.connectionsByPeer.clear();
    const udp = this.udp;
    const servers = [...this.servers.values()];
    this.udp = undefined;
    this.servers.clear();
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  hasConnection(id: number | undefined): boolean {
    return id !== undefined && this.connections.has(id);
  }

  async send(message: SipMessage, dest: Source): Promise<void> {
    const data = serializeMessage(message);
    // The text of the message (up to 64 KB) is built only when debug lines are kept.
    if (debugEnabled(this.config.logger))
      this.config.logger.debug(
        { to: `${dest.transport}:${dest.address}:${dest.port}`, message: data.toString('utf8') },
        'sip send',
      );
    if (dest.transport === 'udp') {
      const udp = this.udp;
      if (!udp) throw new Error('udp transport not enabled');
      await new Promise<void>((resolve, reject) =>
        udp.send(data, dest.port, dest.address, (err) => (err ? reject(err) : resolve())),
      );
      return;
    }
    const conn =
      (dest.connectionId !== undefined ? this.connections.get(dest.connectionId) : undefined) ??
      this.connectionsByPeer.get(`${dest.transport}:${dest.address}:${dest.port}`) ??
      (await this.connect(dest));
    this.restartIdleTimer(conn);
    await this.write(conn, data);
  }

  private write(conn: Connection, data: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      conn.socket.write(data, (err) => (err ? reject(err) : resolve()));
      // A peer that stops reading must not make us buffer for it without end.
      if (conn.socket.writableLength > this.config.stream.maxWriteBuffer) {
        this.note('tcp_closed:write_backlog', conn);
        conn.socket.destroy();
        reject(new Error('ERR_SIP_WRITE_BACKLOG: the peer is not reading'));
      }
    });
  }

  private connect(dest: Endpoint): Promise<Connection> {
    if (dest.transport === 'tls' && !this.config.transports.includes('tls'))
      return Promise.reject(new Error('ERR_SIP_TLS_DISABLED: tls transport not configured'));
    return new Promise((resolve, reject) => {
      const tcp = net.connect({ host: dest.address, port: dest.port, localAddress: this.config.host });
      const socket =
        dest.transport === 'tls'
          ? tls.connect({
              socket: tcp,
              // The peer's certificate must be valid for the address we dialled (RFC 3261 §26.3.1).
              host: dest.address,
              servername: net.isIP(dest.address) ? undefined : dest.address,
              ca: this.config.tls?.ca ? [...tls.rootCertificates, String(this.config.tls.ca)] : undefined,
            })
          : tcp;
      if (socket !== tcp) tcp.once('error', reject);
      socket.once('error', reject);
      socket.once(dest.transport === 'tls' ? 'secureConnect' : 'connect', () => {
        socket.off('error', reject);
        resolve(this.adopt(socket, dest.transport as StreamTransport));
      });
    });
  }

  /** Admission of an inbound connection, before any byte of it is read. */
  private accept(raw: net.Socket, transport: StreamTransport): void {
    const address = peerAddress(raw.remoteAddress);
    const { maxConnections, maxConnectionsPerAddress } = this.config.stream;
    let allowed = false;
    try {
      allowed = this.acceptPeer(address);
    } catch (err) {
      this.config.logger.error({ err }, 'sip acceptPeer threw');
    }
    const fromAddress = this.inboundByAddress.get(address) ?? 0;
    const refused = !allowed
      ? 'address_not_allowed'
      : this.inboundCount >= maxConnections
        ? 'total_cap'
        : fromAddress >= maxConnectionsPerAddress
          ? 'address_cap'
          : null;
    if (refused) {
      this.note(`${transport}_refused:${refused}`, { address });
      raw.destroy();
      return;
    }
    this.inboundCount++;
    this.inboundByAddress.set(address, fromAddress + 1);
    raw.once('close', () => {
      this.inboundCount--;
      const left = (this.inboundByAddress.get(address) ?? 1) - 1;
      if (left > 0) this.inboundByAddress.set(address, left);
      else this.inboundByAddress.delete(address);
    });
    raw.on('error', () => {});
    // The first message (and for TLS the handshake before it) must arrive within one message deadline.
    const deadline = setTimeout(() => {
      this.note(`${transport}_closed:message_deadline`, { address });
      raw.destroy();
    }, this.config.stream.messageTimeoutMs);
    raw.once('close', () => clearTimeout(deadline));
    if (transport === 'tcp') {
      const conn = this.adopt(raw, 'tcp', address, deadline);
      conn.socket.resume();
      return;
    }
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: this.tlsContext });
    secure.on('error', (err) => this.note('tls_closed:handshake', { address }, { err: err.message }));
    secure.once('secure', () => this.adopt(secure, 'tls', address, deadline));
  }

  private adopt(
    socket: net.Socket,
    transport: StreamTransport,
    admittedAddress?: string,
    messageDeadline?: NodeJS.Timeout,
  ): Connection {
    const key = `${transport}:${peerAddress(socket.remoteAddress)}:${socket.remotePort}`;
    const conn: Connection = {
      id: this.nextConnectionId++,
      transport,
      socket,
      buffer: Buffer.alloc(0),
      key,
      admittedAddress,
      messageDeadline,
    };
    this.connections.set(conn.id, conn);
    this.connectionsByPeer.set(key, conn);
    this.restartIdleTimer(conn);
    // No setEncoding() on SIP sockets, so every chunk is a Buffer (the typings allow a string too).
    socket.on('data', (chunk) => this.receiveStream(conn, chunk as Buffer));
    socket.on('error', (err) => this.config.logger.debug({ err, peer: key }, 'sip stream connection error'));
    socket.on('close', () => {
      clearTimeout(conn.messageDeadline);
      clearTimeout(conn.idleTimer);
      this.connections.delete(conn.id);
      if (this.connectionsByPeer.get(key) === conn) this.connectionsByPeer.delete(key);
    });
    return conn;
  }

  /** Idle means no complete message and no keepalive: bytes alone never restart it. */
  private restartIdleTimer(conn: Connection): void {
    clearTimeout(conn.idleTimer);
    conn.idleTimer = setTimeout(() => {
      this.config.logger.debug({ peer: conn.key }, 'sip stream idle timeout');
      conn.socket.destroy();
    }, this.config.stream.idleTimeoutMs);
  }

  private armMessageDeadline(conn: Connection): void {
    if (conn.messageDeadline) return;
    conn.messageDeadline = setTimeout(() => {
      this.note(`${conn.transport}_closed:message_deadline`, conn);
      conn.socket.destroy();
    }, this.config.stream.messageTimeoutMs);
  }

  private disarmMessageDeadline(conn: Connection): void {
    clearTimeout(conn.messageDeadline);
    conn.messageDeadline = undefined;
  }

  private receiveDatagram(data: Buffer, rinfo: dgram.RemoteInfo): void {
    const source: Source = { transport: 'udp', address: rinfo.address, port: rinfo.port };
    // A bare CRLF is a keepalive (RFC 5626), not a message.
    if (data.length <= 4 && /^[\r\n]*$/.test(data.toString('latin1'))) return;
    this.deliver(data, source, false);
  }

  private receiveStream(conn: Connection, chunk: Buffer): void {
    conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, chunk]) : chunk;
    const source: Source = {
      transport: conn.transport,
      address: conn.socket.remoteAddress ?? '',
      port: conn.socket.remotePort ?? 0,
      connectionId: conn.id,
    };
    let completed = false;
    for (;;) {
      this.consumeKeepalives(conn);
      if (conn.buffer.length === 0) break;
      const frame = frameStream(conn.buffer, this.config.limits);
      if (frame.kind === 'incomplete') break;
      if (frame.kind === 'error') {
        // Without a trustworthy length the stream cannot be resynchronised: answer, then close.
        this.disarmMessageDeadline(conn);
        this.answerError(frame.error, source).finally(() => conn.socket.end());
        conn.buffer = Buffer.alloc(0);
        conn.socket.pause();
        return;
      }
      const data = conn.buffer.subarray(frame.skip, frame.skip + frame.length);
      conn.buffer = conn.buffer.subarray(frame.skip + frame.length);
      completed = true;
      this.restartIdleTimer(conn);
      this.deliver(data, source, true);
    }
    // The deadline runs from a message's first byte: a completed message ends it, a partial one keeps it.
    const partial = conn.buffer.length > 0 && !isLineBreaks(conn.buffer);
    if (completed || !partial) this.disarmMessageDeadline(conn);
    if (partial) this.armMessageDeadline(conn);
  }

  /**
   * RFC 5626 §3.5.1: a double CRLF between messages is a ping, answered with one CRLF (the pong); a lone
   * CRLF is a pong or padding. Either way it is dropped, so a stream of them never grows the buffer.
   */
  private consumeKeepalives(conn: Connection): void {
    let at = 0;
    const buf = conn.buffer;
    while (at < buf.length && (buf[at] === 0x0d || buf[at] === 0x0a)) {
      if (buf.subarray(at, at + 4).equals(KEEPALIVE_PING)) {
        at += 4;
        this.restartIdleTimer(conn);
        conn.socket.write(KEEPALIVE_PONG);
      } else if (
        at + 4 > buf.length &&
        KEEPALIVE_PING.subarray(0, buf.length - at).equals(buf.subarray(at))
      ) {
        break; // perhaps the start of a ping: wait for the rest
      } else at++;
    }
    if (at > 0) conn.buffer = buf.subarray(at);
  }

  private deliver(data: Buffer, source: Source, stream: boolean): void {
    let result: ReturnType<typeof parseMessage>;
    try {
      result = parseMessage(data, this.config.limits, stream);
    } catch (err) {
      // The parser is fuzzed not to throw; if it ever does, drop the message rather than the process.
      this.config.logger.error({ err, from: source.address }, 'sip parser threw');
      return;
    }
    if (!result.ok) {
      void this.answerError(result.error, source);
      return;
    }
    const message = result.message;
    if (debugEnabled(this.config.logger))
      this.config.logger.debug(
        { from: `${source.transport}:${source.address}:${source.port}`, message: data.toString('utf8') },
        'sip receive',
      );
    if (message.kind === 'request') stampVia(message, source);
    try {
      this.onMessage(message, source);
    } catch (err) {
      this.config.logger.error({ err }, 'sip message handler threw');
    }
  }

  private note(
    kind: string,
    peer: { address?: string; admittedAddress?: string },
    detail: object = {},
  ): void {
    const address = peer.admittedAddress ?? peer.address ?? '';
    if (this.config.notices) this.config.notices.note(kind, address, detail);
    else this.config.logger.debug({ kind, from: address, ...detail }, 'sip notice');
  }

  private async answerError(error: SipParseError, source: Source): Promise<void> {
    const status = parseErrorStatus[error.code];
    this.note(`malformed:${error.code}`, { address: peerAddress(source.address) }, { status });
    // Responses and ACKs are never answered (RFC 3261 §17), nor is noise that is not a request.
    if (status === null || error.kind !== 'request' || error.method === 'ACK') return;
    const pick = (name: string): SipHeader[] => error.headers.filter((h) => h.name === name);
    const response: SipResponse = {
      kind: 'response',
      version: 'SIP/2.0',
      status,
      reason: reasonPhrase(status),
      headers: [
        ...pick('Via'),
        ...pick('From').slice(0, 1),
        ...pick('To').slice(0, 1),
        ...pick('Call-ID').slice(0, 1),
        ...pick('CSeq').slice(0, 1),
        { name: 'Warning', value: `399 ${this.config.host} "${error.detail.replace(/"/g, "'")}"` },
      ],
      body: '',
    };
    try {
      await this.send(response, source);
    } catch (err) {
      this.config.logger.debug({ err }, 'sip error response not sent');
    }
  }
}

/** RFC 3261 §18.2.1 and RFC 3581: record where the request really came from in its top Via. */
function stampVia(message: SipMessage, source: Source): void {
  const first = message.headers.findIndex((h) => h.name === 'Via');
  const via = parseVia(message.headers[first].value);
  if (!via) return;
  let value = message.headers[first].value;
  if (via.host !== source.address && !('received' in via.params)) value += `;received=${source.address}`;
  if ('rport' in via.params && via.params.rport === null)
    value = value.replace(/;rport(?=;|$)/i, `;rport=${source.port}`);
  message.headers[first].value = value;
}
