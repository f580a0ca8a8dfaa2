// SIP over TLS (RFC 3261 §26, RFC 5630) on loopback with a certificate made for the run: a plain TLS client
// gets its answers on the TLS flow, a client that speaks plain SIP to the TLS port is dropped at the handshake,
// a sips Request-URI that arrived over TCP is refused 416, a peer whose certificate we do not trust is never
// called, and the appliance listens on TLS when FAXSEAL_SIP_TLS_CERT and _KEY are set, for trunks only.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { InvalidConfigError, loadConfig } from '../../src/config/config.ts';
import { buildAudioOffer, newSdpOrigin } from '../../src/telephony/sdp/offer-answer.ts';
import { serializeSdp } from '../../src/telephony/sdp/session-description.ts';
import type { SipLogger } from '../../src/telephony/sip/logger.ts';
import type { UserAgent } from '../../src/telephony/sip/user-agent.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';
import { makeTestCertificate, type TestCertificate } from '../support/tls-certificate.ts';
import { sipRequest, startUa } from './support.ts';

/** Sends `payload` over a TLS connection trusting `ca`, and reads until `done` says the answer is whole. */
async function tlsExchange(port: number, ca: Buffer, payload: string, done: (data: string) => boolean) {
  const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: undefined });
  let data = '';
  socket.on('data', (d) => {
    data += d.toString('latin1');
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(payload);
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (done(data)) resolve();
    };
    socket.on('data', check);
    socket.once('close', () =>
      done(data) ? resolve() : reject(new Error(`closed after ${JSON.stringify(data)}`)),
    );
  });
  socket.destroy();
  return data;
}

const notices: Record<string, unknown>[] = [];
const noticeLogger: SipLogger = {
  debug: (obj, msg) => {
    if (msg === 'sip notice') notices.push(obj as Record<string, unknown>);
  },
  info: () => {},
  warn: () => {},
  error: () => {},
};

describe('SIP over TLS', { timeout: 60_000 }, () => {
  let certificate: TestCertificate;
  let server: UserAgent;
  before(async () => {
    certificate = makeTestCertificate();
    server = await startUa({
      tls: { cert: certificate.cert, key: certificate.key, port: 0 },
      logger: noticeLogger,
      noticeIntervalMs: 3_600_000,
    });
  });
  after(async () => {
    await server.stop();
  });

  test('TLS listens on its own port; OPTIONS over it is answered on the same flow, Via TLS kept', async () => {
    const tlsPort = server.transport.portOf('tls');
    assert.notEqual(tlsPort, server.port);
    const answer = await tlsExchange(
      tlsPort,
      certificate.cert,
      sipRequest('OPTIONS', tlsPort, { transport: 'TLS' }).replace('sip:fax@', 'sips:fax@'),
      (d) => d.includes('\r\n\r\n'),
    );
    assert.match(answer, /^SIP\/2.0 200 OK\r\n/);
    assert.match(answer, /\r\nVia: SIP\/2.0\/TLS 127.0.0.1:5999;/);
  });

  test('plain SIP sent to the TLS port is dropped at the handshake, counted, never parsed', async () => {
    const socket = net.connect(server.transport.portOf('tls'), '127.0.0.1');
    let data = '';
    socket.on('data', (d) => {
      data += d.toString('latin1');
    });
    socket.on('error', () => {});
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(sipRequest('OPTIONS', server.port, { transport: 'TCP' }));
    await new Promise<void>((r) => socket.once('close', () => r()));
    assert.doesNotMatch(data, /SIP\/2.0/);
    assert.ok(
      notices.some((n) => n.kind === 'tls_closed:handshake'),
      JSON.stringify(notices),
    );
  });

  test('a sips Request-URI that arrived over TCP is refused 416 (RFC 5630 §3.1)', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => {
      data += d.toString('latin1');
    });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(
      sipRequest('OPTIONS', server.port, { transport: 'TCP' }).replace('OPTIONS sip:', 'OPTIONS sips:'),
    );
    while (!data.includes('\r\n\r\n')) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    assert.match(data, /^SIP\/2.0 416 /);
  });

  test('a peer whose certificate is not trusted is never called: the INVITE fails, nothing is sent in clear', async () => {
    // A second certificate the caller does not trust: the callee presents it.
    const stranger = makeTestCertificate();
    const callee = await startUa({ tls: { cert: stranger.cert, key: stranger.key, port: 0 } });
    const caller = await startUa({ tls: { cert: certificate.cert, key: certificate.key, port: 0 } });
    let invited = false;
    callee.on('invite', () => {
      invited = true;
    });
    try {
      const tlsPort = callee.transport.portOf('tls');
      const call = caller.invite({
        to: `sips:fax@127.0.0.1:${tlsPort}`,
        from: 'sip:a@127.0.0.1',
        sdpOffer: serializeSdp(
          buildAudioOffer({ address: '127.0.0.1', port: 40000, origin: newSdpOrigin() }),
        ),
        target: { host: '127.0.0.1', port: tlsPort, transport: 'tls' },
      });
      const outcome = await call.result;
      assert.equal(outcome.answered, false);
      assert.equal(invited, false, 'the callee never saw the INVITE');
    } finally {
      await caller.stop();
      await callee.stop();
    }
  });
});

describe('the appliance on SIP over TLS', { timeout: 60_000 }, () => {
  let app: TestAppliance;
  let certificate: TestCertificate;
  before(async () => {
    certificate = makeTestCertificate();
    app = await startTestAppliance({
      sipTlsCert: certificate.certPath,
      sipTlsKey: certificate.keyPath,
      sipTlsPort: 0,
    });
  });
  after(async () => {
    await app?.shutdown();
  });

  test('listens on TLS when the certificate and key are set, and answers a trunk address there', async () => {
    const tlsPort = app.telephony.sipTlsPort;
    assert.ok(tlsPort !== undefined && tlsPort > 0);
    assert.notEqual(tlsPort, app.sipPort);
    const { trunks } = app.services;
    for (const trunk of trunks.list()) trunks.update(trunk.id, { allowedIps: ['127.0.0.1/32'] });
    const answer = await tlsExchange(
      tlsPort,
      certificate.cert,
      sipRequest('OPTIONS', tlsPort, { transport: 'TLS' }),
      (d) => d.includes('\r\n\r\n'),
    );
    assert.match(answer, /^SIP\/2.0 200 OK\r\n/);
  });

  test('a tls trunk is stored and read back as transport tls', () => {
    const { trunks } = app.services;
    const [first] = trunks.list();
    trunks.update(first.id, { transport: 'tls' });
    assert.equal(trunks.list().find((t) => t.id === first.id)?.transport, 'tls');
    trunks.update(first.id, { transport: 'udp' });
    assert.equal(trunks.list().find((t) => t.id === first.id)?.transport, 'udp');
  });

  test('a certificate without its key (or a key without its certificate) is a configuration error', () => {
    for (const env of [
      { FAXSEAL_SIP_TLS_CERT: certificate.certPath },
      { FAXSEAL_SIP_TLS_KEY: certificate.keyPath },
    ]) {
      assert.throws(
        () => loadConfig(env),
        (err) => err instanceof InvalidConfigError && /TLS_CERT/.test(err.message),
      );
    }
  });
});
