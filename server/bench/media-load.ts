// `npm run bench:media [-- --hogs-per-core 4 --nice 5]`: one G.711 page per law while busy-loop threads hold
// every core (as the OCR pool does while faxes arrive) and the media worker runs at a lower priority, against
// the same page on an idle machine in the same run. Prints per law the T.30 result, the frames the receiver
// had to fill in (0 is the goal: a starved worker must play its backlog, never invent audio) and the time ratio.
// A benchmark, not a test: whether a starved thread keeps up depends on the machine, which tests must not.
// The playout rule itself (a backlog is played, never filled in) is tested on a virtual clock in rtp.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, getPriority, loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { G711Codec } from '../../native-workers/media/g711.ts';
import { type CompletedEvent, MediaEngine } from '../../native-workers/media/media-engine.ts';
import { T30CompletionCode } from '../../native-workers/spandsp/codes.ts';
import { readFaxTiff, writeFaxTiff } from '../../native-workers/spandsp/index.ts';
import { drawSyntheticPage, firstDifferentPage } from '../../native-workers/spandsp/synthetic-page.ts';

const { values } = parseArgs({
  options: { 'hogs-per-core': { type: 'string', default: '4' }, nice: { type: 'string', default: '5' } },
});
const HOGS_PER_CORE = Number(values['hogs-per-core']);
const MEDIA_NICE = Number(values.nice);
const LOOPBACK = '127.0.0.1';
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

/** Linux threads inherit the nice value of the thread that creates them: the engines start deprioritised. */
function startEngines(nice: number): { sender: MediaEngine; receiver: MediaEngine } {
  const before = getPriority(0);
  setPriority(0, nice);
  const engines = {
    sender: new MediaEngine({ bindAddress: LOOPBACK, portMin: 31200, portMax: 31299 }),
    receiver: new MediaEngine({ bindAddress: LOOPBACK, portMin: 31300, portMax: 31399 }),
  };
  try {
    setPriority(0, before);
  } catch {
    // Raising priority back needs privilege; this thread only waits on the bench, so it may stay nice.
  }
  return engines;
}

async function onePage(codec: G711Codec, loaded: boolean): Promise<CompletedEvent & { identical: boolean }> {
  const { sender, receiver } = startEngines(loaded ? MEDIA_NICE : 0);
  const hogs = loaded ? startCpuHogs(HOGS_PER_CORE * availableParallelism()) : undefined;
  try {
    const rxTiff = join(dir, `${codec}-${loaded}-rx.tif`);
    const ids = { rx: `${codec}-rx`, tx: `${codec}-tx` };
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
    const [, received] = await Promise.all([
      sender.waitForCompletion(ids.tx),
      receiver.waitForCompletion(ids.rx),
    ]);
    await Promise.all([sender.stopSession(ids.tx), receiver.stopSession(ids.rx)]);
    const identical =
      received.code === T30CompletionCode.OK && firstDifferentPage([page], readFaxTiff(rxTiff).pages) === -1;
    return { ...received, identical };
  } finally {
    await hogs?.stop();
    await Promise.all([sender.close(), receiver.close()]);
  }
}

console.log(
  `media under load: ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)}, ` +
    `${HOGS_PER_CORE} hog thread(s) per core, media worker at nice ${MEDIA_NICE}`,
);
let failures = 0;
for (const codec of ['pcmu', 'pcma'] as const) {
  const idle = await onePage(codec, false);
  const loaded = await onePage(codec, true);
  if (!loaded.identical || loaded.media.lost > 0) failures++;
  console.log(
    `${codec}: idle ${(idle.durationMs / 1000).toFixed(1)} s (${idle.text}, ${idle.media.lost} frames filled in); ` +
      `loaded ${(loaded.durationMs / 1000).toFixed(1)} s (${loaded.text}, ${loaded.media.lost} frames filled in, ` +
      `${loaded.identical ? 'pixel-identical' : 'NOT identical'}); loaded/idle ${(loaded.durationMs / idle.durationMs).toFixed(2)}`,
  );
}
rmSync(dir, { recursive: true, force: true });
process.exitCode = failures > 0 ? 1 : 0;
