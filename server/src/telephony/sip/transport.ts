// SIP over UDP and TCP on one configured host/port (RFC 3261 §18): datagram and stream framing,
// size limits, idle timeout, and the 400/413/513 answers to messages that fail to parse.
import dgram from 'node:dgram';
import net from 'node:net';
import type { TransportName } from './headers.ts';
import { parseVia } from './headers.ts';
import type { SipLogger } from './logger.ts';
import { type SipHeader, type SipMessage, type SipResponse, serializeMessage } from './message.ts';
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

/** Where a message came from; for TCP also which connection, so responses use the same one. */
export interface Source extends Endpoint {
  connectionId?: number;
}

export interface TransportConfig {
  /** Address the sockets bind to. */
  host: string;
  /** Address put in Via and Contact when `host` is not one peers can reach (0.0.0.0, behind a proxy). */
  advertise?: string;
  /** 0 picks a free port (shared by UDP and TCP). */
  port: number;
  transports: TransportName[];
  limits: ParserLimits;
  tcpIdleTimeoutMs: number;
  logger: SipLogger;
}

export const defaultTransportConfig: Omit<TransportConfig, 'logger'> = {
  host: '127.0.0.1',
  port: 5060,
  transports: ['udp', 'tcp'],
  limits: defaultParserLimits,
  tcpIdleTimeoutMs: 120_000,
};

interface Connection {
  id: number;
  socket: net.Socket;
  buffer: Buffer;
  key: string;
}

export class SipTransport {
  onMessage: (message: SipMessage, source: Source) => void = () => {};
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private boundPort = 0;
  private readonly connections = new Map<number, Connection>();
  private readonly connectionsByPeer = new Map<string, Connection>();
  private nextConnectionId = 1;

  constructor(private readonly config: TransportConfig) {}

  /** The address peers reach us at: what Via and Contact carry. */
  get host(): string {
    return this.config.advertise ?? this.config.host;
  }

  get port(): number {
    return this.boundPort;
  }

  get transports(): TransportName[] {
    return this.config.transports;
  }

  async start(): Promise<void> {
    // With port 0, UDP picks the port and TCP must get the same one; retry on the rare collision.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.bind(this.config.port);
        return;
      } catch (err) {
        await this.stop();
        if (this.config.port !== 0 || attempt >= 20) throw err;
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
      udp.on('message', (data, rinfo) => this.receiveDatagram(data, rinfo));
      udp.on('error', (err) => this.config.logger.error({ err }, 'sip udp socket error'));
    }
    if (this.config.transports.includes('tcp')) {
      const server = net.createServer((socket) => this.adopt(socket));
      this.tcp = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(chosen, this.config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      chosen = (server.address() as net.AddressInfo).port;
      server.on('error', (err) => this.config.logger.error({ err }, 'sip tcp server error'));
    }
    this.boundPort = chosen;
  }

  async stop(): Promise<void> {
    for (const c of this.connections.values()) c.socket.destroy();
    this.connections.clear();
    this.connectionsByPeer.clear();
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
  }

  hasConnection(id: number | undefined): boolean {
    return id !== undefined && this.connections.has(id);
  }

  async send(message: SipMessage, dest: Source): Promise<void> {
    const data = serializeMessage(message);
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
      this.connectionsByPeer.get(`${dest.address}:${dest.port}`) ??
      (await this.connect(dest));
    await new Promise<void>((resolve, reject) =>
      conn.socket.write(data, (err) => (err ? reject(err) : resolve())),
    );
  }

  private connect(dest: Endpoint): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: dest.address, port: dest.port, localAddress: this.config.host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(this.adopt(socket));
      });
    });
  }

  private adopt(socket: net.Socket): Connection {
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    const conn: Connection = { id: this.nextConnectionId++, socket, buffer: Buffer.alloc(0), key };
    this.connections.set(conn.id, conn);
    this.connectionsByPeer.set(key, conn);
    socket.setTimeout(this.config.tcpIdleTimeoutMs, () => {
      this.config.logger.debug({ peer: key }, 'sip tcp idle timeout');
      socket.destroy();
    });
    // No setEncoding() on SIP sockets, so every chunk is a Buffer (the typings allow a string too).
    socket.on('data', (chunk) => this.receiveStream(conn, chunk as Buffer));
    socket.on('error', (err) => this.config.logger.debug({ err, peer: key }, 'sip tcp connection error'));
    socket.on('close', () => {
      this.connections.delete(conn.id);
      if (this.connectionsByPeer.get(key) === conn) this.connectionsByPeer.delete(key);
    });
    return conn;
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
      transport: 'tcp',
      address: conn.socket.remoteAddress ?? '',
      port: conn.socket.remotePort ?? 0,
      connectionId: conn.id,
    };
    for (;;) {
      const frame = frameStream(conn.buffer, this.config.limits);
      if (frame.kind === 'incomplete') return;
      if (frame.kind === 'error') {
        // Without a trustworthy length the stream cannot be resynchronised: answer, then close.
        this.answerError(frame.error, source).finally(() => conn.socket.end());
        conn.buffer = Buffer.alloc(0);
        conn.socket.pause();
        return;
      }
      const data = conn.buffer.subarray(frame.skip, frame.skip + frame.length);
      conn.buffer = conn.buffer.subarray(frame.skip + frame.length);
      this.deliver(data, source, true);
    }
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

  private async answerError(error: SipParseError, source: Source): Promise<void> {
    const status = parseErrorStatus[error.code];
    this.config.logger.warn(
      {
        code: error.code,
        detail: error.detail,
        from: `${source.transport}:${source.address}:${source.port}`,
        status,
      },
      'sip message rejected',
    );
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
