// The fax simulator faxes a real appliance over SIP on 127.0.0.1, in real time: T.38, G.711 µ-law and
// A-law (the appliance's re-INVITE to T.38 refused with 488, 606 or 415, so the audio fallback completes), and audio
// switched to T.38 by either side. Every received page must be pixel-identical to the page sent.
// The calls run concurrently so the file takes as long as the slowest one fax.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { drawSyntheticPage, firstDifferentPage } from '../../../native-workers/spandsp/synthetic-page.ts';
import type { SendFaxOptions } from '../../src/simulator/fax-simulator.ts';
import { applianceTarget, type FaxBench, startFaxBench } from './inbound-support.ts';

let bench: FaxBench;
before(async () => {
  bench = await startFaxBench();
});
after(async () => {
  await bench?.close();
});

type Case = {
  name: string;
  options: Pick<SendFaxOptions, 'mode' | 'codec' | 'acceptT38' | 't38RefusalStatus'>;
  transport: 't38' | 'audio';
  switchedBy?: 'local' | 'remote';
};

const cases: Case[] = [
  { name: 'T.38 from the INVITE', options: { mode: 't38' }, transport: 't38' },
  {
    name: 'G.711 µ-law, T.38 refused by the far end',
    options: { mode: 'audio', codec: 'pcmu' },
    transport: 'audio',
  },
  {
    name: 'G.711 A-law, T.38 refused by the far end',
    options: { mode: 'audio', codec: 'pcma' },
    transport: 'audio',
  },
  // Carriers refuse a re-INVITE to T.38 with 606 or 415 as well as 488: each must leave the call on G.711.
  {
    name: 'G.711 µ-law, the appliance re-INVITE to T.38 refused 606 Not Acceptable',
    options: { mode: 'audio', codec: 'pcmu', t38RefusalStatus: 606 },
    transport: 'audio',
  },
  {
    name: 'G.711 A-law, the appliance re-INVITE to T.38 refused 415 Unsupported Media Type',
    options: { mode: 'audio', codec: 'pcma', t38RefusalStatus: 415 },
    transport: 'audio',
  },
  {
    name: 'audio switched to T.38 by the caller re-INVITE',
    options: { mode: 'reinvite', codec: 'pcmu' },
    transport: 't38',
    switchedBy: 'remote',
  },
  {
    name: 'audio switched to T.38 by the appliance re-INVITE',
    options: { mode: 'audio', codec: 'pcma', acceptT38: true },
    transport: 't38',
    switchedBy: 'local',
  },
];

describe('inbound faxes from the simulator', { concurrency: true, timeout: 120_000 }, () => {
  cases.forEach((c, i) => {
    test(c.name, async (t) => {
      const page = drawSyntheticPage({ seed: 100 + i, height: 700 });
      const to = await bench.provision(`inbound-${i}`);
      const sim = await bench.simulator();
      const sent = await sim.send({
        ...c.options,
        to,
        from: '+16175550123',
        target: applianceTarget(bench),
        tiffPath: bench.tiff(`case-${i}`, [page]),
      });
      assert.ok(sent.answered, `${sent.sipStatus} ${sent.sipReason}`);
      assert.equal(sent.fax?.ok, true, sent.fax?.text);
      const outcome = await bench.outcome(sent.callId);
      assert.equal(outcome.kind, 'fax');
      if (outcome.kind !== 'fax') return;
      assert.equal(outcome.status, 'received', outcome.t30Text);
      assert.equal(outcome.transport, c.transport);
      assert.equal(outcome.switchedToT38By, c.switchedBy);
      assert.equal(sent.transport, c.transport);
      if (c.options.t38RefusalStatus !== undefined)
        assert.equal(
          sent.refusedT38Reinvites,
          1,
          `the appliance asked for T.38 once, refused ${c.options.t38RefusalStatus}`,
        );

      const fax = bench.app.services.faxes.get(outcome.faxId)!;
      assert.equal(fax.pages, 1);
      assert.equal(fax.to, to);
      assert.equal(fax.from, '+16175550123');
      assert.equal(fax.remoteStationId, '+16175550123');
      assert.equal(fax.ecm, true);
      assert.ok((fax.bitRate ?? 0) >= 9600, `bit rate ${fax.bitRate}`);
      assert.equal(firstDifferentPage([page], bench.storedPages(outcome.faxId)), -1, 'pixel-identical');
      t.diagnostic(
        `${c.name}: ${(sent.fax!.durationMs / 1000).toFixed(1)} s, ${fax.bitRate} bit/s, ${outcome.transport}`,
      );
    });
  });
});
