// sipp (Debian sip-tester) as an independent peer against the FULL appliance: OPTIONS, INVITE then
// CANCEL, BYE from either side, and malformed messages answered with SIP errors or dropped, after which
// the appliance still answers. The scenarios are the stack's own, with the DID rewritten to a real number.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../../scripts/free-port.ts';
import type { IncomingCall } from '../../src/telephony/sip/incoming-call.ts';
import { type FaxBench, startFaxBench } from './inbound-support.ts';
import { runSipp, sippDir, sipRequest, tcpExchange, udpExchange } from './support.ts';

let bench: FaxBench;
let number: string;
const scenarios = mkdtempSync(path.join(tmpdir(), 'faxseal-sipp-'));

before(async () => {
  bench = await startFaxBench();
  // sipp scripts no re-INVITE: an audio-only trunk keeps the appliance from offering T.38.
  const { trunks } = bench.app.services;
  for (const trunk of trunks.list()) trunks.update(trunk.id, { t38: false });
  number = await bench.provision('sipp');
});
after(async () => {
  await bench?.close();
  rmSync(scenarios, { recursive: true, force: true });
});

/** The stack's scenario with its test DID replaced by a number this appliance owns. */
function scenario(name: string): string {
  const xml = readFileSync(path.join(sippDir, name), 'utf8').replaceAll('+15550100', number);
  const file = path.join(scenarios, name);
  writeFileSync(file, xml);
  return path.relative(sippDir, file);
}

async function uac(name: string, transport: 'u1' | 't1' = 'u1') {
  const port = await freePort('udp');
  return runSipp(scenario(name), [
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-t',
    transport,
    `127.0.0.1:${bench.app.sipPort}`,
  ]).done;
}

const nextInvite = () =>
  new Promise<IncomingCall>((resolve) => bench.app.telephony.ua.once('invite', resolve));
const firstLine = (s: string | undefined) => s?.split('\r\n')[0];

describe('sipp against the appliance', { timeout: 60_000 }, () => {
  test('OPTIONS over UDP and TCP', async () => {
    for (const transport of ['u1', 't1'] as const) {
      const r = await uac('uac-options.xml', transport);
      assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    }
  });

  test('INVITE then CANCEL while ringing: 487, and no fax is recorded', async () => {
    const offered = nextInvite();
    const r = await uac('uac-invite-cancel.xml');
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    const call = await offered;
    assert.deepEqual(await bench.outcome(call.callId), { kind: 'cancelled', callId: call.callId });
  });

  test('INVITE answered, BYE from sipp: the empty call is committed as a failed fax', async () => {
    const offered = nextInvite();
    const r = await uac('uac-invite-bye.xml');
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    const outcome = await bench.outcome((await offered).callId);
    assert.ok(outcome.kind === 'fax', JSON.stringify(outcome));
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.transport, 'audio');
    assert.equal(bench.app.services.faxes.get(outcome.faxId)?.status, 'failed');
  });

  test('INVITE answered, BYE from the appliance', async () => {
    const offered = nextInvite();
    const sipp = uac('uac-invite-remote-bye.xml');
    const call = await offered;
    await call.next('ack');
    assert.equal(await bench.app.telephony.hangup(call.callId), true);
    const r = await sipp;
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    assert.equal(call.termination?.by, 'local');
    assert.equal((await bench.outcome(call.callId)).kind, 'fax');
  });

  test('malformed messages get SIP errors or are dropped, and the appliance keeps working', async () => {
    const port = bench.app.sipPort;
    assert.deepEqual(await udpExchange(port, Buffer.from([0, 1, 2, 3, 255, 254, 10, 13])), []);
    const noCallId = sipRequest('OPTIONS', port).replace(/Call-ID: .*\r\n/, '');
    assert.equal(firstLine((await udpExchange(port, noCallId))[0]), 'SIP/2.0 400 Bad Request');
    const huge = sipRequest('OPTIONS', port, { extra: [`X-Huge: ${'a'.repeat(10000)}`] });
    assert.equal(firstLine((await udpExchange(port, huge))[0]), 'SIP/2.0 400 Bad Request');
    const badLength = sipRequest('INVITE', port, { body: 'v=0\r\n' }).replace(
      'Content-Length: 5',
      'Content-Length: 500',
    );
    assert.equal(firstLine((await udpExchange(port, badLength))[0]), 'SIP/2.0 400 Bad Request');
    const garbageSdp = sipRequest('INVITE', port, {
      body: 'not sdp at all',
      extra: ['Content-Type: application/sdp', 'Contact: <sip:x@127.0.0.1:5999>'],
    }).replace('sip:fax@', `sip:${number}@`);
    const replies = await udpExchange(port, garbageSdp, 1000);
    assert.ok(
      replies.some((r) => /^SIP\/2.0 (400|488) /.test(r)),
      `INVITE with garbage SDP: ${replies.map(firstLine)}`,
    );
    const tcp = await tcpExchange(
      port,
      sipRequest('OPTIONS', port, { transport: 'TCP' }).replace('Content-Length: 0\r\n', ''),
    );
    assert.equal(firstLine(tcp.data), 'SIP/2.0 400 Bad Request');
    const r = await uac('uac-options.xml');
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    const health = await bench.app.call('GET', '/healthz');
    assert.equal(health.status, 200);
  });

  test('calls by outcome and active calls are on /metrics', async () => {
    const metrics = (await bench.app.call('GET', '/metrics')).text;
    assert.match(metrics, /faxseal_telephony_calls_total\{outcome="cancelled"\} 1/);
    assert.match(metrics, /faxseal_telephony_calls_total\{outcome="failed"\} 2/);
    assert.match(metrics, /faxseal_telephony_active_calls 0/);
  });
});
