// Runs the SIP fuzz against the real appliance as a child process (so its RSS is its own and "stays up" means
// the process): hostile datagrams from the seeded generator, TCP partial, slow and stranger senders beside
// them, /healthz probed all along (from a worker thread, and from the main thread for comparison), and a
// real fax sent by the simulator in the middle. Shared by the CI test (10,000 messages) and
// `npm run bench:sipfuzz` (100,000).
import dgram from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { getPriority, loadavg, setPriority } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { drawSyntheticPage } from '../../../native-workers/spandsp/synthetic-page.ts';
import { freePort } from '../../../scripts/free-port.ts';
import { FaxSimulator } from '../../src/simulator/fax-simulator.ts';
import { type FuzzCase, type FuzzFamily, sipFuzzCases } from '../../src/simulator/sip-fuzz.ts';
import { type ChildAppliance, startChildAppliance } from './child-appliance.ts';
import { connectHeapProbe } from './inspector-heap.ts';
import { startTestAppliance, tempDataDir } from './test-appliance.ts';

export interface FuzzReport {
  messages: number;
  seconds: number;
  /** Cases that expected an answer and got a final one, and those answered with a status they should not get. */
  answered: number;
  wrong: { family: FuzzFamily; index: number; status: number }[];
  unanswered: { family: FuzzFamily; index: number }[];
  statuses: Record<string, number>;
  tcp: { partial: number; slow: number; strangers: number; closedByServer: number };
  /** /healthz during the fuzz, probed from a worker thread of this process (an event loop of its own). */
  health: HealthFigures;
  /**
   * The same probes from this process's main thread, beside the fuzzer, the TCP abuse and the simulator
   * (how the bench probed before): what the bench's own bursts add to a probe's measured time.
   */
  healthSameLoop: HealthFigures & { overlappingStall: number };
  /** The worker's probes over 100 ms by where their time went (see slowProbeCauses), and the slowest. */
  slowProbes: ReturnType<typeof slowProbeCauses>;
  /**
   * This process's own event loop during the fuzz: its longest delay, the stalls over 100 ms, those of them
   * the thread spent mostly on a CPU (work here, not a wait for a CPU), and the five longest.
   */
  benchLoop: { maxMs: number; stallsOver100ms: number; busyStallsOver100ms: number; worstStallsMs: number[] };
  /** The worker prober's own event-loop delay: near zero means its timings are the appliance's. */
  proberLoopMaxMs: number;
  rss: { startMb: number; peakMb: number; endMb: number };
  /** The V8 heap in use after a forced full GC, before the fuzz and after it (see inspector-heap.ts). */
  heap: { startMb: number; atFuzzEndMb: number; endMb: number };
  /** /healthz on the same appliance for 5 s before the fuzz (from the worker): the reference of the run. */
  idleHealth: HealthFigures;
  /** The appliance's event-loop delay idle (the reference) and during the fuzz. */
  loopDelay: { idle: LoopDelay; fuzz: LoopDelay };
  /** CPU seconds the appliance used during the fuzz, and its share of one core. */
  cpu: { seconds: number; share: number };
  /**
   * The appliance's main thread (its event loop) during the idle reference and the fuzz: seconds on a
   * CPU and seconds runnable but waiting for one (/proc schedstat). Waiting far longer than running
   * means the latency is the machine's load, not work of ours blocking the loop.
   */
  mainThread: { idle: ThreadTime; fuzz: ThreadTime };
  fax: { ok: boolean; detail: string };
  /** The nice value the fuzzer, the TCP abuse and the fax simulator ran at (see runSipFuzz's attackerNice). */
  attackerNice: number;
  stillRunning: boolean;
  load: { before: number[]; after: number[] };
}

type LoopDelay = { p50: number; p99: number; max: number };
type HealthFigures = {
  probes: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
  over100ms: number;
};
type Probe = { at: number; ms: number };
type ThreadTime = { runningS: number; waitingS: number };

/** This thread's nice value; lowering it back needs privilege, and a bench that cannot just stays nicer. */
function renice(value: number) {
  try {
    setPriority(0, value);
  } catch {}
}

/** Seconds a thread has run and has waited runnable for a CPU, from /proc/<pid>/task/<tid>/schedstat. */
function threadTime(pid: number): ThreadTime {
  const [running, waiting] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8')
    .split(' ')
    .map(Number);
  return { runningS: running / 1e9, waitingS: waiting / 1e9 };
}
const since = (a: ThreadTime, b: ThreadTime): ThreadTime => ({
  runningS: b.runningS - a.runningS,
  waitingS: b.waitingS - a.waitingS,
});

/** Longest a server transaction outlives its request (64 × T1, RFC 3261 §17.2), plus a margin. */
const TRANSACTION_LIFETIME_MS = 40_000;

const PROBE_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** User + system CPU seconds of a process so far (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;

/** A child appliance on a data directory with a partner and a number, and a way to stop and remove it. */
async function startTarget(profileDir?: string) {
  const dataDir = tempDataDir('faxseal-sipfuzz');
  const setup = await startTestAppliance({}, { dataDir });
  const { apiKey } = await setup.onboardPartner();
  const provisioned = await setup.call('POST', '/api/partner/numbers', {
    key: apiKey,
    body: { externalUserId: 'fuzz-user', tier: 'personal' },
  });
  if (provisioned.status !== 201 && provisioned.status !== 200) throw new Error(provisioned.text);
  await setup.shutdown({ keepData: true });
  const sipPort = await freePort('tcp+udp');
  const child: ChildAppliance = await startChildAppliance(
    {
      FAXSEAL_DATA_DIR: dataDir,
      FAXSEAL_SIP_PORT: String(sipPort),
      // Short, so slow senders are cut off within the run.
      FAXSEAL_SIP_TCP_MESSAGE_TIMEOUT_MS: '2000',
    },
    undefined,
    // The heap is read over the inspector (loopback, a port of the kernel's choosing).
    ['--inspect=127.0.0.1:0', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
  );
  /** Inbox faxes whose OCR and extraction have both finished (so their memory is part of the baseline). */
  const settledFaxes = async () => {
    const res = await fetch(`${child.url}/api/partner/inbox`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const text = await res.text();
    if (!res.ok) return 0; // rate limited, say: ask again
    const body = JSON.parse(text) as { items: { ocrStatus: string; extractionStatus: string }[] };
    return body.items.filter((f) => f.ocrStatus !== 'pending' && f.extractionStatus !== 'pending').length;
  };
  return {
    child,
    sipPort,
    number: provisioned.body.number as string,
    async waitForSettled(count: number) {
      const deadline = Date.now() + 300_000;
      while ((await settledFaxes()) < count) {
        if (Date.now() > deadline) throw new Error(`${count} faxes not through OCR and extraction in 300 s`);
        await sleep(1000);
      }
    },
    async stop() {
      await child.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Sends the cases over UDP with a window of outstanding ones, retransmitting those that expect an answer as a
 * client transaction would (RFC 3261 §17.1.2.2, from 500 ms doubling to 4 s, for 16 s), so a busy machine slows
 * the run down instead of losing datagrams.
 */
async function fuzzUdp(
  port: number,
  makeCases: (replyPort: number) => Iterable<FuzzCase>,
  onSent: (n: number) => void,
) {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const cases = makeCases(socket.address().port);
  const finals = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  socket.on('message', (m) => {
    const text = m.subarray(0, 2048).toString('latin1');
    const status = /^SIP\/2\.0 (\d{3})/.exec(text);
    const callId = /^(?:Call-ID|i): *(.*?)\r$/im.exec(text)?.[1];
    if (!status || !callId || Number(status[1]) < 200 || finals.has(callId)) return;
    finals.set(callId, Number(status[1]));
    waiting.get(callId)?.();
  });
  const wrong: FuzzReport['wrong'] = [];
  const unanswered: FuzzReport['unanswered'] = [];
  const statuses: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  const WINDOW = 64;
  let sent = 0;
  const exchange = async (c: FuzzCase) => {
    const send = () => socket.send(c.data, port, '127.0.0.1');
    send();
    if (!c.answers || !c.callId) return;
    const callId = c.callId;
    const answered = new Promise<void>((resolve) => waiting.set(callId, resolve));
    let interval = 500;
    for (
      let waited = 0;
      !finals.has(callId) && waited < 16_000;
      waited += interval, interval = Math.min(interval * 2, 4000)
    ) {
      const timer = sleep(interval);
      await Promise.race([answered, timer]);
      if (!finals.has(callId)) send();
    }
    waiting.delete(callId);
    const status = finals.get(callId);
    if (status === undefined) unanswered.push({ family: c.family, index: c.index });
    else {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (!c.answers.includes(status)) wrong.push({ family: c.family, index: c.index, status });
    }
  };
  for (const c of cases) {
    // A 64 KB datagram needs most of a default socket receive buffer (212 KB) to itself: sent alone, it is
    // not lost behind a window of others on a busy machine (that loss would be the kernel's, not ours).
    if (c.data.length > 8192) {
      await Promise.all(inFlight);
      await exchange(c);
      onSent(++sent);
      continue;
    }
    const p = exchange(c).finally(() => inFlight.delete(p));
    inFlight.add(p);
    onSent(++sent);
    if (inFlight.size >= WINDOW) await Promise.race(inFlight);
    // Let the probes and the fax run between datagrams: the fuzzer shares the machine.
    if (sent % 32 === 0) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(inFlight);
  socket.close();
  return { sent, answered: finals.size, wrong, unanswered, statuses };
}

/** TCP abuse beside the datagrams, until `stop`: half messages then close, trickles, strangers. */
async function abuseTcp(port: number, stop: { done: boolean }) {
  const counts = { partial: 0, slow: 0, strangers: 0, closedByServer: 0 };
  const half = `OPTIONS sip:fax@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtcp\r\nCall-ID: tcp@fuzz\r\nContent-Le`;
  const open = (localAddress = '127.0.0.1') =>
    new Promise<net.Socket | null>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1', localAddress });
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(null));
      s.on('error', () => {});
    });
  while (!stop.done) {
    const partial = await open();
    if (partial) {
      counts.partial++;
      partial.end(half);
    }
    const slow = await open();
    if (slow) {
      counts.slow++;
      let at = 0;
      // A byte every 100 ms: the message deadline (2 s here) must cut it off.
      const trickle = setInterval(() => {
        if (at < half.length && !slow.destroyed) slow.write(half[at++]);
      }, 100);
      slow.once('close', () => {
        clearInterval(trickle);
        if (at < half.length) counts.closedByServer++;
      });
    }
    const stranger = await open('127.0.0.2');
    if (stranger) {
      counts.strangers++;
      stranger.write(half);
      stranger.once('close', () => counts.closedByServer++);
    }
    await sleep(250);
  }
  return counts;
}

/**
 * Probes /healthz every 50 ms until `stop`, timing each (start and duration). A probe fails on an error
 * status or no answer in 30 s: "answers every probe" is about the process serving, not its latency
 * (measured, not asserted), and at load 65 on 2 cores one probe took over 5 s with the event loop waiting
 * 45× longer for a CPU than it ran. This runs on the caller's event loop; see probeHealthInWorker.
 */
async function probeHealth(url: string, stop: { done: boolean }) {
  const probes: Probe[] = [];
  let failed = 0;
  while (!stop.done) {
    const started = performance.now();
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await res.arrayBuffer();
      if (!res.ok) failed++;
    } catch {
      failed++;
    }
    probes.push({ at: started, ms: performance.now() - started });
    await sleep(50);
  }
  return { probes, failed };
}

/**
 * The prober above as a worker's whole program (plain JS, no loader). Around each probe it also reads the
 * appliance's event-loop thread's run and run-queue wait (/proc schedstat), so a slow probe says where its
 * time went: the appliance running (work of ours on its loop, or GC), the appliance waiting for a CPU (the
 * machine), or neither (the appliance idle: the time was spent outside it, in this process or the kernel).
 */
const PROBER_SOURCE = `
const { readFileSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let stopping = false;
parentPort.on('message', () => { stopping = true; });
const schedstat = () => {
  const [run, wait] = readFileSync(workerData.schedstat, 'utf8').split(' ').map(Number);
  return { run: run / 1e6, wait: wait / 1e6 };
};
(async () => {
  const probes = [];
  let failed = 0;
  while (!stopping) {
    const before = schedstat();
    const started = performance.now();
    try {
      const res = await fetch(workerData.url + '/healthz', { signal: AbortSignal.timeout(workerData.timeoutMs) });
      await res.arrayBuffer();
      if (!res.ok) failed++;
    } catch {
      failed++;
    }
    const ms = performance.now() - started;
    const after = schedstat();
    probes.push({ at: started, ms, applianceRunMs: after.run - before.run, applianceWaitMs: after.wait - before.wait });
    await new Promise((r) => setTimeout(r, 50));
  }
  loop.disable();
  parentPort.postMessage({ probes, failed, loopMaxMs: loop.max / 1e6 });
})();
`;

type WorkerProbe = Probe & { applianceRunMs: number; applianceWaitMs: number };

/**
 * /healthz probed from a worker thread: the fuzzer, the TCP abuse and the fax simulator share this
 * process's main event loop, and a burst of theirs would hold a probe's answer unread (and count
 * against the appliance). The worker's loop has nothing else to do, so what it times is the appliance.
 */
function probeHealthInWorker(url: string, pid: number) {
  const worker = new Worker(PROBER_SOURCE, {
    eval: true,
    workerData: { url, timeoutMs: PROBE_TIMEOUT_MS, schedstat: `/proc/${pid}/task/${pid}/schedstat` },
  });
  const result = new Promise<{ probes: WorkerProbe[]; failed: number; loopMaxMs: number }>(
    (resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    },
  );
  return {
    async stop() {
      worker.postMessage('stop');
      const r = await result;
      await worker.terminate();
      return r;
    },
  };
}

/**
 * Where the time of the probes over 100 ms went, by the larger share: the appliance's loop thread running
 * (a burst of ours or a GC pause), waiting for a CPU (the machine's load), or idle (outside the appliance).
 */
function slowProbeCauses(probes: WorkerProbe[]) {
  const causes = { applianceBusy: 0, applianceStarved: 0, outsideAppliance: 0 };
  for (const p of probes.filter((q) => q.ms > 100)) {
    const idle = Math.max(0, p.ms - p.applianceRunMs - p.applianceWaitMs);
    const top = Math.max(p.applianceRunMs, p.applianceWaitMs, idle);
    if (top === p.applianceRunMs) causes.applianceBusy++;
    else if (top === p.applianceWaitMs) causes.applianceStarved++;
    else causes.outsideAppliance++;
  }
  const worst = probes.reduce<WorkerProbe | undefined>((w, p) => (!w || p.ms > w.ms ? p : w), undefined);
  return {
    ...causes,
    worst: worst
      ? { ms: worst.ms, applianceRunMs: worst.applianceRunMs, applianceWaitMs: worst.applianceWaitMs }
      : null,
  };
}

/**
 * Gaps in this process's event loop over 50 ms while it runs, from a 10 ms ticker: when, how long, and how
 * much of it the thread spent on a CPU (most of it: a synchronous burst or GC here; little: a wait for a CPU).
 */
function watchOwnLoop() {
  const stalls: (Probe & { ranMs: number })[] = [];
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const cpuMs = () => {
    const { user, system } = process.threadCpuUsage();
    return (user + system) / 1000;
  };
  let last = performance.now();
  let lastCpu = cpuMs();
  const ticker = setInterval(() => {
    const now = performance.now();
    const cpu = cpuMs();
    if (now - last - 10 > 50) stalls.push({ at: last, ms: now - last - 10, ranMs: cpu - lastCpu });
    last = now;
    lastCpu = cpu;
  }, 10);
  return {
    stop() {
      clearInterval(ticker);
      histogram.disable();
      return { stalls, maxMs: histogram.max / 1e6 };
    },
  };
}

function figures(probes: Probe[], failed: number): HealthFigures {
  const sorted = probes.map((p) => p.ms).sort((a, b) => a - b);
  return {
    probes: sorted.length,
    failed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
    over100ms: sorted.filter((l) => l > 100).length,
  };
}

export async function runSipFuzz(options: {
  messages: number;
  seed: number;
  onProgress?: (sent: number) => void;
  /** A directory for heap snapshots of the appliance before and after the fuzz (diagnosis). */
  snapshotDir?: string;
  /** A directory for a V8 CPU profile of the appliance's main thread over the whole run (diagnosis). */
  profileDir?: string;
  /**
   * The nice value of this process's main thread (the fuzzer, the TCP abuse and the fax simulator's
   * sender) during the fuzz; the appliance and the worker prober keep theirs. An attacker and a sending
   * fax machine are other machines: at equal priority on the appliance's own 2 cores, the fuzzer would
   * take the CPU the appliance answers with, which no remote attacker can. Added to the nice value the
   * bench started with (the appliance inherits that one); 0 runs them as equals.
   */
  attackerNice?: number;
}) {
  const attackerNice = options.attackerNice ?? 10;
  const loadBefore = loadavg();
  const niceBefore = getPriority(0);
  const target = await startTarget(options.profileDir);
  const simulator = await FaxSimulator.start();
  const tiffDir = tempDataDir('faxseal-sipfuzz-tiff');
  const tiffPath = join(tiffDir, 'page.tif');
  writeFaxTiff(tiffPath, [drawSyntheticPage({ seed: 4242, height: 700 })]);
  const sendFax = async () => {
    const sent = await simulator.send({
      to: target.number,
      from: '+16175550199',
      target: { host: '127.0.0.1', port: target.sipPort },
      tiffPath,
    });
    return {
      ok: sent.answered && sent.fax?.ok === true,
      detail: `${sent.sipStatus} ${sent.fax?.text ?? ''}`.trim(),
    };
  };
  try {
    const pid = target.child.process.pid!;
    // Warm up first (media worker, JIT): the RSS the run is measured against is the appliance at work.
    const warm = await sendFax();
    if (!warm.ok) throw new Error(`warm-up fax failed: ${warm.detail}`);
    // And through OCR and extraction: the pipeline's engines are loaded before the baseline, not during.
    await target.waitForSettled(1);
    const heapProbe = await connectHeapProbe(target.child.output);
    const heapStartMb = await heapProbe.usedAfterGcMb();
    if (options.snapshotDir) await heapProbe.snapshot(join(options.snapshotDir, 'before.heapsnapshot'));
    await heapProbe.startLoopDelay();
    const idleThreadStart = threadTime(pid);
    const idleProber = probeHealthInWorker(target.child.url, pid);
    await sleep(5000);
    const idle = await idleProber.stop();
    const idleLoopDelay = await heapProbe.loopDelay();
    const idleThread = since(idleThreadStart, threadTime(pid));
    await heapProbe.startLoopDelay();
    const fuzzThreadStart = threadTime(pid);
    const cpuBefore = cpuSeconds(pid);
    const startMb = rssMb(pid);
    let peakMb = startMb;
    const stop = { done: false };
    const rssWatch = setInterval(() => {
      peakMb = Math.max(peakMb, rssMb(pid));
    }, 200);
    const ownLoop = watchOwnLoop();
    // The worker's thread exists once its constructor returns, so it keeps the priority it was born with.
    const prober = probeHealthInWorker(target.child.url, pid);
    renice(Math.min(19, niceBefore + attackerNice));
    const sameLoop = probeHealth(target.child.url, stop);
    const tcp = abuseTcp(target.sipPort, stop);
    let faxDuring: Promise<{ ok: boolean; detail: string }> | undefined;
    const started = performance.now();
    const cases = (replyPort: number) =>
      sipFuzzCases(
        { seed: options.seed, target: { host: '127.0.0.1', port: target.sipPort }, replyPort },
        options.messages,
      );
    // The real fax starts a third of the way in and has the fuzz all around it.
    const udp = fuzzUdp(target.sipPort, cases, (sent) => {
      options.onProgress?.(sent);
      if (!faxDuring && sent >= options.messages / 3) faxDuring = sendFax();
    });
    const udpResult = await udp;
    const fax = (await faxDuring) ?? { ok: false, detail: 'never sent' };
    const seconds = (performance.now() - started) / 1000;
    const cpuUsed = cpuSeconds(pid) - cpuBefore;
    const fuzzThread = since(fuzzThreadStart, threadTime(pid));
    const loopDelay = { idle: idleLoopDelay, fuzz: await heapProbe.loopDelay() };
    stop.done = true;
    const [probed, sameLoopProbed, tcpCounts] = await Promise.all([prober.stop(), sameLoop, tcp]);
    const own = ownLoop.stop();
    renice(niceBefore);
    // Then, while transactions of the last 32 s (RFC 3261 Timer J/H) are still held; after the probes, whose
    // latency the forced full GC (the bench's instrument, not the appliance's work) would otherwise hold up.
    const heapAtFuzzEndMb = await heapProbe.usedAfterGcMb();
    // The fax of the run through its pipeline too, and every transaction of the fuzz past its end
    // (64 × T1 = 32 s, RFC 3261 Timers H and J): what is left then is what the fuzz left.
    const fuzzEnded = performance.now();
    if (fax.ok) await target.waitForSettled(2);
    await sleep(Math.max(0, TRANSACTION_LIFETIME_MS - (performance.now() - fuzzEnded)));
    clearInterval(rssWatch);
    const heapEndMb = await heapProbe.usedAfterGcMb();
    // RSS comes back as the allocator returns what the collection freed: give it up to 30 s, sampling.
    let endMb = rssMb(pid);
    for (let i = 0; i < 60 && endMb > startMb * 1.1; i++) {
      await sleep(500);
      endMb = rssMb(pid);
    }
    if (options.snapshotDir) await heapProbe.snapshot(join(options.snapshotDir, 'after.heapsnapshot'));
    heapProbe.close();
    // A slow probe from the main thread that overlaps a stall of that thread was held up here, not there.
    const slow = sameLoopProbed.probes.filter((p) => p.ms > 100);
    const overlappingStall = slow.filter((p) =>
      own.stalls.some((st) => st.at < p.at + p.ms && st.at + st.ms > p.at),
    ).length;
    const report: FuzzReport = {
      messages: udpResult.sent,
      seconds,
      answered: udpResult.answered,
      wrong: udpResult.wrong,
      unanswered: udpResult.unanswered,
      statuses: udpResult.statuses,
      tcp: tcpCounts,
      health: figures(probed.probes, probed.failed),
      healthSameLoop: { ...figures(sameLoopProbed.probes, sameLoopProbed.failed), overlappingStall },
      slowProbes: slowProbeCauses(probed.probes),
      benchLoop: {
        maxMs: own.maxMs,
        stallsOver100ms: own.stalls.filter((st) => st.ms > 100).length,
        busyStallsOver100ms: own.stalls.filter((st) => st.ms > 100 && st.ranMs > st.ms / 2).length,
        worstStallsMs: own.stalls
          .map((st) => st.ms)
          .sort((a, b) => b - a)
          .slice(0, 5),
      },
      proberLoopMaxMs: probed.loopMaxMs,
      rss: { startMb, peakMb, endMb },
      heap: { startMb: heapStartMb, atFuzzEndMb: heapAtFuzzEndMb, endMb: heapEndMb },
      idleHealth: figures(idle.probes, idle.failed),
      loopDelay,
      cpu: { seconds: cpuUsed, share: cpuUsed / seconds },
      mainThread: { idle: idleThread, fuzz: fuzzThread },
      fax,
      attackerNice,
      stillRunning: target.child.process.exitCode === null && target.child.process.signalCode === null,
      load: { before: loadBefore, after: loadavg() },
    };
    return report;
  } finally {
    renice(niceBefore);
    await simulator.stop();
    await target.stop();
    rmSync(tiffDir, { recursive: true, force: true });
  }
}
