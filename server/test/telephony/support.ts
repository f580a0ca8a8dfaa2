// Shared test support for the telephony suites: user agents on loopback with shrunk timers, a
// sipp runner, free ports and raw UDP/TCP senders for malformed-message tests.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SipLogger } from '../../src/telephony/sip/logger.ts';
import { silentLogger } from '../../src/telephony/sip/logger.ts';
import { UserAgent, type UserAgentConfig } from '../../src/telephony/sip/user-agent.ts';

export const sippDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sipp');

const brief = (o: object) => {
  const m = (o as { message?: unknown }).message;
  return typeof m === 'string' ? { ...o, message: m.split('\r\n')[0] } : o;
};
const consoleLogger: SipLogger = {
  debug: (o, m) => console.log('DEBUG', m, JSON.stringify(brief(o))),
  info: (o, m) => console.log('INFO', m, o),
  warn: (o, m) => console.log('WARN', m, o),
  error: (o, m) => console.log('ERROR', m, o),
};

/** SIP_TEST_LOG=1 prints the stack's log (message bodies included at debug). */
export const testLogger: SipLogger = process.env.SIP_TEST_LOG ? consoleLogger : silentLogger;

export const fastTimers = { t1: 50, t2: 400, t4: 500 };

export function startUa(config: UserAgentConfig = {}): Promise<UserAgent> {
  return UserAgent.start({ host: '127.0.0.1', port: 0, timers: fastTimers, logger: testLogger, ...config });
}

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs sipp with a scenario from the sipp folder; resolves when it exits (or is killed on timeout). */
export function runSipp(
  scenario: string,
  args: string[],
  timeoutMs = 20_000,
): { done: Promise<SippResult>; kill: () => void } {
  const child = spawn(
    'sipp',
    [
      '-sf',
      path.join(sippDir, scenario),
      '-nostdin',
      '-m',
      '1',
      '-timeout',
      `${Math.ceil(timeoutMs / 1000)}s`,
      '-timeout_error',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5000);
  const done = new Promise<SippResult>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

/** Sends one datagram and collects whatever comes back within `waitMs`. */
export async function udpExchange(port: number, payload: Buffer | string, waitMs = 300): Promise<string[]> {
  const s = dgram.createSocket('udp4');
  const replies: string[] = [];
  s.on('message', (m) => replies.push(m.toString('utf8')));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r, j) => s.send(payload, port, '127.0.0.1', (e) => (e ? j(e) : r())));
  await new Promise((r) => setTimeout(r, waitMs));
  await new Promise<void>((r) => s.close(() => r()));
  return replies;
}

/** Writes bytes on a TCP connection; resolves with everything read until the peer closes or `waitMs`. */
export async function tcpExchange(
  port: number,
  payload: Buffer | string,
  waitMs = 400,
): Promise<{ data: string; closed: boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  let closed = false;
  socket.on('data', (d) => {
    data += d.toString('utf8');
  });
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(payload);
  await new Promise<void>((r) => {
    const t = setTimeout(r, waitMs);
    socket.once('close', () => {
      closed = true;
      clearTimeout(t);
      r();
    });
  });
  socket.destroy();
  return { data, closed };
}

export function sipRequest(
  method: string,
  port: number,
  opts: { callId?: string; extra?: string[]; body?: string; transport?: string } = {},
): string {
  const body = opts.body ?? '';
  return [
    `${method} sip:fax@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/${opts.transport ?? 'UDP'} 127.0.0.1:5999;branch=z9hG4bK${Math.random().toString(36).slice(2)}`,
    'Max-Forwards: 70',
    'From: <sip:tester@127.0.0.1>;tag=abc',
    `To: <sip:fax@127.0.0.1:${port}>`,
    `Call-ID: ${opts.callId ?? Math.random().toString(36).slice(2)}@test`,
    `CSeq: 1 ${method}`,
    ...(opts.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}
