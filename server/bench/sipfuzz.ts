// `npm run bench:sipfuzz [-- --messages 100000 --seed 1]`: the SIP fuzz at full length against the appliance as
// a child process (the CI test runs 10,000 of the same). Prints the /healthz latency against the 100 ms
// (p50, p99, max, probes over it), probed from a worker thread and, for comparison, from the bench's main
// thread beside the fuzzer (with that thread's own stalls); RSS at start, peak and end against the 10 % bound,
// the answers by status, wrong and missing answers, the TCP abuse counts, the fax sent during the fuzz, and
// the machine's load.
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runSipFuzz } from '../test/support/sip-fuzz-harness.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    /** Writes before.heapsnapshot and after.heapsnapshot of the appliance here (for DevTools). */
    snapshots: { type: 'string' },
    /** Writes a .cpuprofile of the appliance's main thread here (for DevTools, or to find its long slices). */
    'cpu-prof': { type: 'string' },
    /** How much nicer than the appliance the fuzzer and the fax sender run (0: as equals on the same cores). */
    'attacker-nice': { type: 'string', default: '10' },
  },
});
const messages = Number(values.messages);
const seed = Number(values.seed);

let lastPrinted = 0;
const r = await runSipFuzz({
  messages,
  seed,
  snapshotDir: values.snapshots,
  profileDir: values['cpu-prof'],
  attackerNice: Number(values['attacker-nice']),
  onProgress: (sent) => {
    if (sent - lastPrinted >= 10_000) {
      lastPrinted = sent;
      process.stderr.write(`  ${sent} sent\n`);
    }
  },
});
const ms = (x: number) => `${x.toFixed(1)} ms`;
const rssRatio = r.rss.endMb / r.rss.startMb;
console.log(
  `SIP fuzz: ${r.messages} messages (seed ${seed}) in ${r.seconds.toFixed(1)} s = ${(r.messages / r.seconds).toFixed(0)} msg/s`,
);
console.log(
  `  machine: ${cpus()[0]?.model ?? '?'}, ${availableParallelism()} cores; load ${r.load.before.map((l) => l.toFixed(1)).join(' ')} → ${r.load.after.map((l) => l.toFixed(1)).join(' ')}`,
);
console.log(`  process still up: ${r.stillRunning}`);
console.log(
  `  answers: ${JSON.stringify(r.statuses)}; wrong ${r.wrong.length}, unanswered ${r.unanswered.length}`,
);
console.log(
  `  tcp: ${r.tcp.partial} partial, ${r.tcp.slow} slow, ${r.tcp.strangers} strangers; ${r.tcp.closedByServer} closed by the appliance`,
);
console.log(
  `  /healthz from a worker thread: ${r.health.probes} probes, ${r.health.failed} failed; p50 ${ms(r.health.p50)}, p99 ${ms(r.health.p99)}, max ${ms(r.health.max)}; ` +
    `${r.health.over100ms} over 100 ms; p99 / 100 ms = ${(r.health.p99 / 100).toFixed(2)} (${r.health.p99 <= 100 ? 'met' : 'NOT met'})`,
);
const sl = r.healthSameLoop;
console.log(
  `  /healthz from the bench's main thread (beside the fuzzer, as probed before): p50 ${ms(sl.p50)}, p99 ${ms(sl.p99)}, max ${ms(sl.max)}; ${sl.over100ms} of ${sl.probes} over 100 ms, ${sl.overlappingStall} of them during a stall of the bench's own event loop`,
);
const sp = r.slowProbes;
console.log(
  `  where the worker's probes over 100 ms went (the appliance's loop thread, by the larger share): running ${sp.applianceBusy}, waiting for a CPU ${sp.applianceStarved}, idle (time outside the appliance) ${sp.outsideAppliance}` +
    (sp.worst
      ? `; the slowest, ${ms(sp.worst.ms)}: appliance ran ${ms(sp.worst.applianceRunMs)}, waited ${ms(sp.worst.applianceWaitMs)}`
      : ''),
);
console.log(
  `  the bench's own event loop during the fuzz: max delay ${ms(r.benchLoop.maxMs)}, ${r.benchLoop.stallsOver100ms} stalls over 100 ms, ${r.benchLoop.busyStallsOver100ms} of them mostly on a CPU (worst ${r.benchLoop.worstStallsMs.map(ms).join(', ')}); the worker prober's loop max ${ms(r.proberLoopMaxMs)}`,
);
console.log(
  `  /healthz idle before the fuzz (reference): ${r.idleHealth.probes} probes; p50 ${ms(r.idleHealth.p50)}, p99 ${ms(r.idleHealth.p99)}, max ${ms(r.idleHealth.max)}; fuzz p99 / idle p99 = ${(r.health.p99 / Math.max(r.idleHealth.p99, 0.1)).toFixed(1)}`,
);
const delay = (d: { p50: number; p99: number; max: number }) =>
  `p50 ${ms(d.p50)}, p99 ${ms(d.p99)}, max ${ms(d.max)}`;
console.log(
  `  event-loop delay: idle ${delay(r.loopDelay.idle)}; during the fuzz ${delay(r.loopDelay.fuzz)}; appliance CPU ${r.cpu.seconds.toFixed(1)} s = ${(r.cpu.share * 100).toFixed(0)} % of one core`,
);
const thread = (t: { runningS: number; waitingS: number }) =>
  `${t.runningS.toFixed(1)} s on a CPU, ${t.waitingS.toFixed(1)} s waiting for one`;
console.log(
  `  the appliance's event-loop thread: idle ${thread(r.mainThread.idle)}; during the fuzz ${thread(r.mainThread.fuzz)} (waiting / running = ${(r.mainThread.fuzz.waitingS / Math.max(r.mainThread.fuzz.runningS, 0.001)).toFixed(1)})`,
);
const heapRatio = r.heap.endMb / r.heap.startMb;
console.log(
  `  V8 heap after forced GC: start ${r.heap.startMb.toFixed(1)} MB, at the fuzz's end ${r.heap.atFuzzEndMb.toFixed(1)} MB, end ${r.heap.endMb.toFixed(1)} MB; end / start = ${heapRatio.toFixed(3)} (bound 1.10: ${heapRatio <= 1.1 ? 'met' : 'NOT met'})`,
);
console.log(
  `  RSS: start ${r.rss.startMb.toFixed(1)} MB, peak ${r.rss.peakMb.toFixed(1)} MB, end ${r.rss.endMb.toFixed(1)} MB; end / start = ${rssRatio.toFixed(3)} (bound 1.10: ${rssRatio <= 1.1 ? 'met' : 'NOT met'})`,
);
console.log(
  `  the fuzzer, TCP abuse and fax sender ran at nice +${r.attackerNice} relative to the appliance (a remote attacker's CPU is not the appliance's; --attacker-nice 0 runs them as equals)`,
);
console.log(`  fax during the fuzz: ${r.fax.ok ? 'received' : 'FAILED'} (${r.fax.detail})`);
if (r.wrong.length) console.log(`  first wrong answers: ${JSON.stringify(r.wrong.slice(0, 10))}`);
if (!r.stillRunning || !r.fax.ok || r.wrong.length || r.unanswered.length || r.health.failed)
  process.exitCode = 1;
