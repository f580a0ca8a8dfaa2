// `npm run bench:send`: time from `POST /api/partner/fax` to the first INVITE at the far end for 1-,
// 10- and 50-page PDFs (the rendering cost: pdfinfo, pdftoppm, TIFF encoding), then N one-page faxes
// sent at once to a receiving peer over T.38 in real time, counting failures. Prints; asserts nothing.
// BENCH_REPEAT (default 3), BENCH_PAGES (default 1,10,50), BENCH_CALLS (default 8).

import { performance } from 'node:perf_hooks';
import { FaxSimulator } from '../src/simulator/fax-simulator.ts';
import { UserAgent } from '../src/telephony/sip/user-agent.ts';
import { adminToken, makePdf, sendingPartner, sendMultipart } from '../test/outbound/support.ts';
import { startTestAppliance } from '../test/support/test-appliance.ts';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const PAGES = (process.env.BENCH_PAGES ?? '1,10,50').split(',').map(Number);
const CALLS = Number(process.env.BENCH_CALLS ?? 8);

const app = await startTestAppliance({
  trunkKeepaliveSeconds: 0,
  outboundConcurrency: Math.max(8, CALLS),
  mediaPorts: { first: 34000, last: 34999 },
  rateLimitPerMinute: 100_000,
});
const key = adminToken(app);

async function routeTo(number: string, port: number, name: string): Promise<void> {
  const trunk = await app.call('POST', '/api/admin/trunks', {
    key,
    body: { name, mode: 'peer', host: '127.0.0.1', port },
  });
  app.services.db.prepare('UPDATE dids SET trunk_id = ? WHERE e164 = ?').run(trunk.body.id, number);
}

// 1. POST → first INVITE. The far end refuses with 603 (not retried) the moment the INVITE lands.
const stamp = await UserAgent.start({ host: '127.0.0.1', port: 0, transports: ['udp'] });
const inviteAt = new Map<string, number>();
stamp.on('invite', (call) => {
  inviteAt.set(call.toUser ?? '', performance.now());
  call.reject(603);
});
const timing = await sendingPartner(app, 10_000);
await routeTo(timing.number, stamp.port, 'bench-stamp');
console.log('POST /api/partner/fax → first INVITE (median of %d)', REPEAT);
let n = 0;
for (const pages of PAGES) {
  const pdf = await makePdf(pages, 'FaxSeal benchmark page with a little text on it');
  const samples: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const to = `+1312555${String(1000 + n++).slice(-4)}`;
    const started = performance.now();
    const res = await sendMultipart(app, timing.apiKey, { externalUserId: timing.externalUserId, to }, pdf);
    const accepted = performance.now();
    if (res.status !== 202) throw new Error(`send failed: ${res.text}`);
    while (!inviteAt.has(to)) await new Promise((r) => setTimeout(r, 5));
    samples.push(inviteAt.get(to)! - started);
    if (i === 0) console.log(`  ${pages} pages: 202 after ${Math.round(accepted - started)} ms`);
  }
  samples.sort((a, b) => a - b);
  console.log(
    `  ${String(pages).padStart(3)} pages: ${Math.round(samples[Math.floor(samples.length / 2)])} ms (min ${Math.round(samples[0])}, max ${Math.round(samples.at(-1)!)})`,
  );
}
await stamp.stop();

// 2. Concurrent calls: CALLS one-page faxes at once to a receiving peer, each its own partner number.
const peer = await FaxSimulator.start({ mediaPorts: { first: 35000, last: 35999 } });
peer.receive();
const senders = await Promise.all(Array.from({ length: CALLS }, () => sendingPartner(app, 10)));
for (const [i, s] of senders.entries()) await routeTo(s.number, peer.sipPort, `bench-peer-${i}`);
const pdf = await makePdf(1);
const started = performance.now();
const ids = await Promise.all(
  senders.map(async (s) => {
    const res = await sendMultipart(
      app,
      s.apiKey,
      { externalUserId: s.externalUserId, to: '+12125550150' },
      pdf,
    );
    if (res.status !== 202) throw new Error(`send failed: ${res.text}`);
    return res.body.id as string;
  }),
);
for (;;) {
  const faxes = ids.map((id) => app.services.faxes.outbound(id)!);
  if (faxes.every((f) => f.status === 'delivered' || f.status === 'failed')) {
    const failed = faxes.filter((f) => f.status !== 'delivered');
    console.log(
      `${CALLS} concurrent one-page T.38 faxes: ${CALLS - failed.length} delivered, ${failed.length} failed, ` +
        `all done in ${((performance.now() - started) / 1000).toFixed(1)} s` +
        (failed.length ? ` (${failed.map((f) => f.failureCode).join(', ')})` : ''),
    );
    break;
  }
  await new Promise((r) => setTimeout(r, 250));
}
await peer.stop();
await app.shutdown();
