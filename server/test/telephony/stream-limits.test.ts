// SIP over TCP under abuse (issue 15, item 5), on real sockets: a stranger's connection is closed at accept
// before a byte is read, total and per-address caps, a slowloris that trickles bytes is cut off by the
// per-message deadline, idle connections close while keepalives keep them, a header section that never ends
// gets 513; and junk is logged as one summary line with counts, not a line per datagram or refused INVITE.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { SipLogger } from '../../src/telephony/sip/logger.ts';
import type { UserAgent } from '../../src/telephony/sip/user-agent.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';
import { sipRequest, startUa } from './support.ts';

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg?: string;
  obj: Record<string, unknown>;
}

function recordingLogger(lines: LogLine[]): SipLogger {
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, msg, obj: obj as Record<string, unknown> });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A client connection from `localAddress`: what it reads, and whether (and when) the server closed it. */
async function connect(port: number, localAddress = '127.0.0.1') {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  const state = { data: '', closed: false, closedAt: 0 };
  socket.on('data', (d) => {
    state.data += d.toString('latin1');
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      state.closed = true;
      state.closedAt = Date.now();
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, state, closed };
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const LIMITS = { maxConnections: 4, maxConnectionsPerAddress: 2, messageTimeoutMs: 800, idleTimeoutMs: 2000 };

describe('SIP over TCP limits', { timeout: 60_000 }, () => {
  let ua: UserAgent;
  const lines: LogLine[] = [];
  before(async () => {
    // No summary of its own during the run: the test flushes the one it asserts.
    ua = await startUa({ stream: LIMITS, logger: recordingLogger(lines), noticeIntervalMs: 3_600_000 });
    // Stands in for the appliance's trunk check: 127.0.0.2 is nobody's trunk.
    ua.transport.acceptPeer = (address) => address !== '127.0.0.2';
  });
  after(async () => {
    await ua.stop();
  });
  const options = () => sipRequest('OPTIONS', ua.port, { transport: 'TCP' });

  test('a connection from an address no trunk allows is closed at accept, its bytes never read', async () => {
    const received = lines.filter((l) => l.msg === 'sip receive').length;
    const stranger = await connect(ua.port, '127.0.0.2');
    stranger.socket.write(options());
    await stranger.closed;
    assert.equal(stranger.state.data, '', 'no answer, not even an error');
    assert.equal(lines.filter((l) => l.msg === 'sip receive').length, received, 'nothing was parsed');
    assert.ok(
      lines.some((l) => l.obj.kind === 'tcp_refused:address_not_allowed' && l.obj.from === '127.0.0.2'),
    );
  });

  test('per-address and total caps: the connection over a cap is closed at accept, the others keep working', async () => {
    const held = [await connect(ua.port), await connect(ua.port)];
    await until(() => ua.transport.inboundConnections === 2, 'two connections admitted');
    const third = await connect(ua.port);
    await third.closed;
    assert.equal(third.state.data, '');
    assert.ok(lines.some((l) => l.obj.kind === 'tcp_refused:address_cap'));
    // Another address still gets in, up to the total.
    const others = [await connect(ua.port, '127.0.0.3'), await connect(ua.port, '127.0.0.3')];
    await until(() => ua.transport.inboundConnections === 4, 'four connections admitted');
    const overTotal = await connect(ua.port, '127.0.0.4');
    await overTotal.closed;
    assert.ok(lines.some((l) => l.obj.kind === 'tcp_refused:total_cap'));
    // The admitted ones are served.
    held[0].socket.write(options());
    await until(
      () => held[0].state.data.startsWith('SIP/2.0 200'),
      'OPTIONS answered on an admitted connection',
    );
    for (const c of [...held, ...others]) c.socket.destroy();
    await until(() => ua.transport.inboundConnections === 0, 'every connection closed');
    // A slot freed is a slot again.
    const again = await connect(ua.port);
    again.socket.write(options());
    await until(() => again.state.data.startsWith('SIP/2.0 200'), 'OPTIONS answered after the caps cleared');
    again.socket.destroy();
  });

  test('slowloris: a message trickled a byte at a time is cut off at the message deadline, however steady', async () => {
    const slow = await connect(ua.port);
    const message = options();
    let sent = 0;
    // 40 ms a byte: the whole message would take over 10 s; every byte arrives well inside any idle timeout.
    const trickle = setInterval(() => {
      if (sent < message.length && !slow.state.closed) slow.socket.write(message[sent++]);
    }, 40);
    const openedAt = Date.now();
    await slow.closed;
    clearInterval(trickle);
    assert.ok(
      sent < message.length,
      `closed after ${sent} of ${message.length} bytes, before the message was whole`,
    );
    assert.equal(slow.state.data, '', 'never answered');
    assert.ok(lines.some((l) => l.obj.kind === 'tcp_closed:message_deadline'));
    assert.ok(
      slow.state.closedAt - openedAt < LIMITS.idleTimeoutMs,
      'the deadline, not the idle timer, closed it',
    );
  });

  test('an idle connection is closed; a keepalive ping is answered with a pong and keeps it open', async () => {
    const idle = await connect(ua.port);
    idle.socket.write(options());
    await until(() => idle.state.data.startsWith('SIP/2.0 200'), 'first message answered');
    const kept = await connect(ua.port);
    kept.socket.write(options());
    await until(() => kept.state.data.startsWith('SIP/2.0 200'), 'first message answered');
    const answered = kept.state.data.length;
    // Pings every 500 ms for three idle timeouts' worth: the connection must survive them.
    for (let i = 0; i < 12; i++) {
      kept.socket.write('\r\n\r\n');
      await new Promise((r) => setTimeout(r, 500));
      if (kept.state.closed) break;
    }
    await idle.closed;
    assert.equal(kept.state.closed, false, 'keepalives keep the connection');
    assert.equal(kept.state.data.slice(answered), '\r\n'.repeat(12), 'one pong per ping (RFC 5626 §3.5.1)');
    kept.socket.destroy();
  });

  test('a header section that never ends is answered 513 and the connection closed at the size limit', async () => {
    const c = await connect(ua.port);
    c.socket.write(
      `OPTIONS sip:fax@127.0.0.1:${ua.port} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKx\r\n`,
    );
    const junk = `X-Junk: ${'a'.repeat(1000)}\r\n`;
    for (let i = 0; i < 70 && !c.state.closed; i++) c.socket.write(junk);
    await c.closed;
    assert.match(c.state.data, /^SIP\/2.0 513 /);
  });

  test('junk is counted and logged as one summary line, never a line per datagram', async () => {
    ua.notices.flush(); // what the earlier tests counted
    lines.length = 0;
    const noticed = () => lines.filter((l) => l.msg === 'sip notice').length;
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    try {
      // In batches, each counted before the next: a burst of 300 can overflow a busy machine's socket buffer.
      for (let batch = 0; batch < 15; batch++) {
        for (let i = batch * 20; i < (batch + 1) * 20; i++) {
          const bad = sipRequest('OPTIONS', ua.port).replace(/Call-ID: .*\r\n/, '');
          udp.send(i % 2 ? bad : Buffer.from([0x16, 0x03, i & 0xff, 0, 0]), ua.port, '127.0.0.1');
        }
        await until(() => noticed() === (batch + 1) * 20, `datagram batch ${batch} counted`);
      }
    } finally {
      udp.close();
    }
    for (let i = 0; i < 5; i++) (await connect(ua.port, '127.0.0.2')).socket.write(options());
    await until(() => noticed() === 305, 'every datagram and connection counted');
    assert.equal(lines.filter((l) => l.level !== 'debug').length, 0, 'nothing above debug until the summary');
    ua.notices.flush();
    const summaries = lines.filter((l) => l.level !== 'debug');
    assert.equal(summaries.length, 1, JSON.stringify(summaries));
    assert.equal(summaries[0].msg, 'sip unsolicited traffic summary');
    assert.equal(summaries[0].obj.total, 305);
    assert.deepEqual(summaries[0].obj.counts, {
      'malformed:missing_header': 150,
      'malformed:not_sip': 150,
      'tcp_refused:address_not_allowed': 5,
    });
  });
});

describe('the appliance: trunk check at accept, refused INVITEs summarised', { timeout: 60_000 }, () => {
  let app: TestAppliance;
  const logLines: { level: number; msg: string; counts?: Record<string, number> }[] = [];
  before(async () => {
    const logDestination = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    app = await startTestAppliance({ logLevel: 'info', sipNoticeIntervalSeconds: 3600 }, { logDestination });
    const { trunks } = app.services;
    for (const trunk of trunks.list()) trunks.update(trunk.id, { allowedIps: ['127.0.0.1/32'] });
  });
  after(async () => {
    await app?.shutdown();
  });

  test('TCP from an address outside every trunk is closed at accept; a trunk address is served', async () => {
    const stranger = await connect(app.sipPort, '127.0.0.2');
    stranger.socket.write(sipRequest('OPTIONS', app.sipPort, { transport: 'TCP' }));
    await stranger.closed;
    assert.equal(stranger.state.data, '');
    const carrier = await connect(app.sipPort);
    carrier.socket.write(sipRequest('OPTIONS', app.sipPort, { transport: 'TCP' }));
    await until(() => carrier.state.data.startsWith('SIP/2.0 200'), 'OPTIONS answered for the trunk');
    carrier.socket.destroy();
  });

  test('50 INVITEs to unknown numbers: each refused 404, no log line each, one summary with the count', async () => {
    const udp = dgram.createSocket('udp4');
    // Call-IDs refused 404 (a set: unacknowledged final responses are retransmitted, RFC 3261 §17.2.1).
    const refused = new Set<string>();
    udp.on('message', (m) => {
      const text = m.toString();
      if (text.startsWith('SIP/2.0 404 Not Found')) refused.add(/^Call-ID: *(.*)$/im.exec(text)?.[1] ?? '');
    });
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    const before = logLines.length;
    try {
      // Ten at a time, each batch answered before the next (a burst may overflow a busy machine's buffers).
      for (let i = 0; i < 50; i++) {
        const invite = sipRequest('INVITE', app.sipPort, {
          body: 'v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n',
          extra: ['Content-Type: application/sdp', 'Contact: <sip:x@127.0.0.1:5999>'],
        }).replace('sip:fax@', 'sip:+13125550100@');
        udp.send(invite, app.sipPort, '127.0.0.1');
        if (i % 10 === 9) await until(() => refused.size === i + 1, `${i + 1} refusals`);
      }
    } finally {
      udp.close();
    }
    const during = logLines.slice(before);
    assert.deepEqual(
      during.filter((l) => l.level >= 30).map((l) => l.msg),
      [],
      'no info or warn line per refused INVITE',
    );
    app.telephony.ua.notices.flush();
    const summary = logLines.slice(before).filter((l) => l.msg === 'sip unsolicited traffic summary');
    assert.equal(summary.length, 1);
    assert.equal(summary[0].counts?.['invite_refused:404'], 50);
  });
});
