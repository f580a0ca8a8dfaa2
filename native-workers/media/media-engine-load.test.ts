// G.711 under CPU load: busy-loop threads on every core (as the OCR pool does while faxes arrive)
// starve the media worker for whole scheduler slices; the audio fax must still arrive pixel-identical.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, getPriority, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { T30CompletionCode } from '../spandsp/codes.ts';
import { readFaxTiff, writeFaxTiff } from '../spandsp/index.ts';
import { drawSyntheticPage, firstDifferentPage } from '../spandsp/synthetic-page.ts';
import { MediaEngine } from './media-engine.ts';

const LOOPBACK = '127.0.0.1';
/** At nice 5 among four hogs per core, playout driven by our clock invented ~300 frames a call and failed. */
const MEDIA_NICE = 5;
const HOGS_PER_CORE = 4;
const dir = mkdtempSync(join(tmpdir(), 'faxseal-media-load-'));
const page = drawSyntheticPage({ seed: 33, height: 700 });
const txTiff = join(dir, 'tx.tif');
writeFaxTiff(txTiff, [page]);

/** Threads that spin until told to stop, so the media workers lose whole time slices. */
function startCpuHogs(count: number): { stop: () => Promise<void> } {
  const source = `
    const { parentPort } = require('node:worker_threads');
    let running = true;
    parentPort.on('message', () => { running = false; });
    const spin = () => { const end = Date.now() + 200; while (Date.now() < end) {} if (running) setImmediate(spin); else process.exit(0); };
    spin();`;
  const hogs = Array.from({ length: count }, () => new Worker(source, { eval: true }));
  return {
    stop: () =>
      Promise.all(
        hogs.map((h) => new Promise<void>((resolve) => h.once('exit', () => resolve()).postMessage('stop'))),
      ).then(() => undefined),
  };
}

let sender: MediaEngine;
let receiver: MediaEngine;
/**
 * Starts the engines' worker threads at a lower priority than the hogs (Linux threads inherit the nice
 * value of the thread that creates them), as when other work owns the machine: the media threads then
 * run in short slices between the hogs' and find whole bursts of datagrams waiting when they wake.
 */
function startEnginesDeprioritised(): void {
  const before = getPriority(0);
  setPriority(0, MEDIA_NICE);
  sender = new MediaEngine({ bindAddress: LOOPBACK, portMin: 31200, portMax: 31299 });
  receiver = new MediaEngine({ bindAddress: LOOPBACK, portMin: 31300, portMax: 31399 });
  try {
    setPriority(0, before);
  } catch {
    // Raising priority back needs privilege; this thread only waits on the test, so it may stay nice.
  }
}

before(() => startEnginesDeprioritised());
after(async () => {
  await Promise.all([sender.close(), receiver.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('G.711 under CPU load', { concurrency: true }, () => {
  for (const codec of ['pcmu', 'pcma'] as const) {
    test(`one page over G.711 ${codec} while every core is busy`, { timeout: 120_000 }, async (t) => {
      const hogs = startCpuHogs(HOGS_PER_CORE * availableParallelism());
      try {
        const rxTiff = join(dir, `${codec}-rx.tif`);
        const ids = { rx: `${codec}-load-rx`, tx: `${codec}-load-tx` };
        const rx = await receiver.startSession({
          sessionId: ids.rx,
          transport: 'audio',
          codec,
          role: 'answering',
          job: { rxTiff },
        });
        const tx = await sender.startSession({
          sessionId: ids.tx,
          transport: 'audio',
          codec,
          role: 'calling',
          remote: { address: LOOPBACK, port: rx.localPort },
          job: { txTiff: { path: txTiff }, localIdent: '+1 555 0100' },
        });
        receiver.updateRemote(ids.rx, { address: LOOPBACK, port: tx.localPort });
        const [sent, received] = await Promise.all([
          sender.waitForCompletion(ids.tx),
          receiver.waitForCompletion(ids.rx),
        ]);
        await Promise.all([sender.stopSession(ids.tx), receiver.stopSession(ids.rx)]);
        t.diagnostic(
          `${codec}: ${(received.durationMs / 1000).toFixed(1)} s, rx ${received.text}, tx ${sent.text}, ` +
            `media ${JSON.stringify(received.media)}`,
        );
        assert.equal(received.code, T30CompletionCode.OK, received.text);
        assert.equal(sent.code, T30CompletionCode.OK, sent.text);
        assert.equal(firstDifferentPage([page], readFaxTiff(rxTiff).pages), -1);
        // Loopback loses nothing: any fill-in would be audio invented because the thread was starved.
        assert.equal(received.media.lost, 0);
      } finally {
        await hogs.stop();
      }
    });
  }
});
