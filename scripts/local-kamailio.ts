// Kamailio (Debian's package) in front of local FaxSeal nodes, for tests and `npm run cluster`:
// deploy/kamailio/kamailio.cfg with its defines pointed at a state directory, on loopback ports,
// in the foreground, logging to stderr. As root it drops to nobody, as a deployment would.

import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';

export interface KamailioNode {
  /** FAXSEAL_NODE_NAME: the dispatcher's duid, what call load is counted by. */
  name: string;
  host: string;
  port: number;
}

export interface LocalKamailioOptions {
  stateDir: string;
  nodes: KamailioNode[];
  /** Carrier signalling addresses allowed to start calls (CIDR or address). */
  carriers: string[];
  host?: string;
  /** 0: pick a free port. */
  port?: number;
  pingIntervalSeconds?: number;
  nodeNoReplyMs?: number;
  /** Kamailio's stderr (its log) goes here; default: discarded. */
  log?: (line: string) => void;
  /** Run detached from this process, logging to this file (`npm run cluster`). */
  detached?: string;
}

export interface LocalKamailio {
  host: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), for failure tests. */
  kill(): void;
}

const CONFIG = fileURLToPath(new URL('../deploy/kamailio/kamailio.cfg', import.meta.url));

export function dispatcherList(nodes: KamailioNode[]): string {
  return `${nodes.map((n) => `1 sip:${n.host}:${n.port} 0 0 duid=${n.name};maxload=100`).join('\n')}\n`;
}

export function addressList(carriers: string[]): string {
  return `${carriers
    .map((c) => {
      const [address, bits] = c.split('/');
      return `1 ${address} ${bits ?? (address.includes(':') ? 128 : 32)} 0 carrier`;
    })
    .join('\n')}\n`;
}

/** Answers when the proxy replies 200 to an OPTIONS addressed to itself. */
async function answersOptions(host: string, port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    const local = socket.address().port;
    const branch = `z9hG4bK${Math.random().toString(36).slice(2)}`;
    const request = [
      `OPTIONS sip:${host}:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${host}:${local};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:probe@${host}>;tag=${branch}`,
      `To: <sip:${host}:${port}>`,
      `Call-ID: ${branch}@${host}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const reply = new Promise<boolean>((resolve) => {
      socket.once('message', (m) => resolve(m.toString().startsWith('SIP/2.0 200')));
      setTimeout(() => resolve(false), 500).unref();
    });
    socket.send(request, port, host);
    return await reply;
  } finally {
    socket.close();
  }
}

export async function startLocalKamailio(options: LocalKamailioOptions): Promise<LocalKamailio> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port || (await freePort('udp', host));
  mkdirSync(options.stateDir, { recursive: true });
  const runDir = path.join(options.stateDir, 'run');
  mkdirSync(runDir, { recursive: true });
  const dispatcherFile = path.join(options.stateDir, 'dispatcher.list');
  const addressFile = path.join(options.stateDir, 'address.list');
  writeFileSync(dispatcherFile, dispatcherList(options.nodes));
  writeFileSync(addressFile, addressList(options.carriers));
  const root = process.getuid?.() === 0;
  if (root) {
    chmodSync(options.stateDir, 0o755);
    chmodSync(runDir, 0o777);
  }
  const defines = {
    LISTEN_UDP: `udp:${host}:${port}`,
    LISTEN_TCP: `tcp:${host}:${port}`,
    DISPATCHER_LIST: `"${dispatcherFile}"`,
    ADDRESS_LIST: `"${addressFile}"`,
    PING_INTERVAL: String(options.pingIntervalSeconds ?? 1),
    NODE_NO_REPLY_MS: String(options.nodeNoReplyMs ?? 2000),
    CHILDREN: '2',
  };
  const args = [
    '-DD', // foreground, no fork of the main process
    '-E', // log to stderr
    '-f',
    CONFIG,
    '-Y',
    runDir,
    '-m',
    '64',
    '-M',
    '8',
    ...Object.entries(defines).flatMap(([k, v]) => ['-A', `${k}=${v}`]),
    ...(root ? ['-u', 'nobody', '-g', 'nogroup'] : []),
  ];
  const logFd = options.detached ? openSync(options.detached, 'a') : null;
  const child: ChildProcess = spawn('kamailio', args, {
    stdio: ['ignore', 'ignore', logFd ?? 'pipe'],
    detached: Boolean(options.detached),
  });
  if (logFd !== null) {
    closeSync(logFd);
    child.unref();
  }
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (output.length < 20_000) output += text;
    if (options.log) for (const line of text.split('\n')) if (line) options.log(line);
  });
  const exited = once(child, 'exit');
  const deadline = Date.now() + 30_000;
  while (!(await answersOptions(host, port))) {
    if (child.exitCode !== null)
      throw new Error(`kamailio exited (${child.exitCode}):\n${output.slice(-3000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `kamailio did not answer OPTIONS on ${host}:${port} within 30 s:\n${output.slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    host,
    port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}
