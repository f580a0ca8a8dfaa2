// Inbound calls the appliance refuses (unknown DID 404, caller outside every trunk 403, released number
// 404), T.38 through a relay dropping 5 % of datagrams (pixel-identical all the same), and a call dropped
// after page 1 of 2 (a partial fax with that one page). Real sockets on loopback, calls run concurrently.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { drawSyntheticPage, firstDifferentPage } from '../../../native-workers/spandsp/synthetic-page.ts';
import { applianceTarget, type FaxBench, startFaxBench } from './inbound-support.ts';

let bench: FaxBench;
before(async () => {
  bench = await startFaxBench();
  // This appliance's only trunk takes calls from 127.0.0.1 alone: 127.0.0.2 is a stranger.
  const { trunks } = bench.app.services;
  for (const trunk of trunks.list()) trunks.update(trunk.id, { allowedIps: ['127.0.0.1/32'] });
});
after(async () => {
  await bench?.close();
});

const page = drawSyntheticPage({ seed: 200, height: 700 });

describe('inbound refusals, loss and dropped calls', { concurrency: true, timeout: 120_000 }, () => {
  test('an unknown DID is refused 404', async () => {
    const sim = await bench.simulator();
    const sent = await sim.send({
      to: '+13125550199',
      target: applianceTarget(bench),
      tiffPath: bench.tiff('unknown', [page]),
    });
    assert.equal(sent.answered, false);
    assert.equal(sent.sipStatus, 404);
    assert.deepEqual(await bench.outcome(sent.callId), {
      kind: 'rejected',
      callId: sent.callId,
      status: 404,
      reason: 'Not Found',
    });
  });

  test('a caller no trunk allows is refused 403', async () => {
    const to = await bench.provision('forbidden');
    const stranger = await bench.simulator({ address: '127.0.0.2' });
    const sent = await stranger.send({
      to,
      target: applianceTarget(bench),
      tiffPath: bench.tiff('forbidden', [page]),
    });
    assert.equal(sent.sipStatus, 403);
  });

  test('a released number is refused 404', async () => {
    const to = await bench.provision('leaver');
    const released = await bench.app.call('DELETE', '/api/partner/numbers/leaver', { key: bench.apiKey });
    assert.ok(released.status < 300, released.text);
    const sim = await bench.simulator();
    const sent = await sim.send({
      to,
      target: applianceTarget(bench),
      tiffPath: bench.tiff('leaver', [page]),
    });
    assert.equal(sent.sipStatus, 404);
  });

  test('T.38 through a relay dropping 5 % of datagrams arrives pixel-identical', async (t) => {
    const to = await bench.provision('lossy');
    const sim = await bench.simulator();
    const sent = await sim.send({
      to,
      mode: 't38',
      lossPercent: 5,
      lossSeed: 38,
      target: applianceTarget(bench),
      tiffPath: bench.tiff('lossy', [page]),
    });
    assert.equal(sent.fax?.ok, true, sent.fax?.text);
    const { forwarded, dropped } = sent.relay!;
    assert.ok(dropped > 0.03 * (forwarded + dropped), `only ${dropped} of ${forwarded + dropped} dropped`);
    const outcome = await bench.outcome(sent.callId);
    assert.ok(outcome.kind === 'fax' && outcome.status === 'received', JSON.stringify(outcome));
    assert.equal(firstDifferentPage([page], bench.storedPages(outcome.faxId)), -1, 'pixel-identical');
    t.diagnostic(`relay dropped ${dropped} of ${forwarded + dropped} datagrams`);
  });

  test('a call dropped after page 1 of 2 leaves a partial fax with 1 page', async () => {
    const to = await bench.provision('dropped');
    const two = [page, drawSyntheticPage({ seed: 201, height: 700 })];
    const sim = await bench.simulator();
    const sent = await sim.send({
      to,
      hangupAfterPage: 1,
      target: applianceTarget(bench),
      tiffPath: bench.tiff('dropped', two),
    });
    assert.equal(sent.hungUpBy, 'local');
    const outcome = await bench.outcome(sent.callId);
    assert.ok(outcome.kind === 'fax', JSON.stringify(outcome));
    assert.equal(outcome.status, 'partial');
    assert.equal(outcome.pages, 1);
    const fax = bench.app.services.faxes.get(outcome.faxId)!;
    assert.equal(fax.status, 'partial');
    assert.equal(fax.pages, 1);
    assert.equal(firstDifferentPage([page], bench.storedPages(outcome.faxId)), -1);
  });
});
