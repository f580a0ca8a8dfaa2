// `npm run bench:fax [-- --t38 100 --g711 30]`: N simultaneous real-time T.38 fax calls from the simulator to
// an appliance on loopback, then N G.711 calls. The appliance runs in a child process (this file with
// --appliance) so its CPU time and main-thread event-loop delay are its own, not the simulator's.

import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFaxTiff } from '../../native-workers/spandsp/index.ts';
import { drawSyntheticPage } from '../../native-workers/spandsp/synthetic-page.ts';
import { FaxSimulator, type SendFaxOptions } from '../src/simulator/fax-simulator.ts';

interface Measurement {
  wallMs: number;
  cpuMs: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  faxes: Record<string, number>;
}

type ToAppliance = { type: 'measureStart' } | { type: 'measureStop' } | { type: 'stop' };
type FromAppliance =
  | { type: 'ready'; sipPort: number; number: string }
  | { type: 'measured'; measurement: Measurement };

/** The appliance side: a real appliance, a partner with one number, and the meters. */
async function runAppliance(): Promise<void> {
  const { startTestAppliance } = await import('../test/support/test-appliance.ts');
  const app = await startTestAppliance({ mediaPorts: { first: 22000, last: 23999 } });
  // The pipeline (OCR, extraction) would run on every received page: paused, the figures are the fax line's.
  await app.services.jobs.stop();
  const { apiKey } = await app.onboardPartner('Bench');
  const provisioned = await app.call('POST', '/api/partner/numbers', {
    key: apiKey,
    body: { externalUserId: 'bench', tier: 'personal' },
  });
  const send = (m: FromAppliance) => process.send!(m);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let cpu = process.cpuUsage();
  let since = performance.now();
  let committedBefore = 0;
  const countFaxes = () =>
    app.services.db
      .prepare("SELECT status, COUNT(*) AS n FROM faxes WHERE direction = 'inbound' GROUP BY status")
      .all() as { status: string; n: number }[];
  process.on('message', async (m: ToAppliance) => {
    if (m.type === 'measureStart') {
      loop.reset();
      loop.enable();
      cpu = process.cpuUsage();
      since = performance.now();
      committedBefore = countFaxes().reduce((n, r) => n + r.n, 0);
    } else if (m.type === 'measureStop') {
      loop.disable();
      const used = process.cpuUsage(cpu);
      const faxes: Record<string, number> = {};
      for (const row of countFaxes()) faxes[row.status] = row.n;
      faxes.committedInRun = Object.values(faxes).reduce((n, v) => n + v, 0) - committedBefore;
      send({
        type: 'measured',
        measurement: {
          wallMs: performance.now() - since,
          cpuMs: (used.user + used.system) / 1000,
          loopDelayP50Ms: loop.percentile(50) / 1e6,
          loopDelayP99Ms: loop.percentile(99) / 1e6,
          loopDelayMaxMs: loop.max / 1e6,
          faxes,
        },
      });
    } else if (m.type === 'stop') {
      await app.shutdown();
      process.exit(0);
    }
  });
  send({ type: 'ready', sipPort: app.sipPort, number: provisioned.body.number });
}

function request(child: ChildProcess, message: ToAppliance): Promise<Measurement | undefined> {
  return new Promise((resolve) => {
    if (message.type !== 'measureStop') {
      child.send(message);
      return resolve(undefined);
    }
    child.once('message', (m: FromAppliance) => resolve(m.type === 'measured' ? m.measurement : undefined));
    child.send(message);
  });
}

async function runBench(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { t38: { type: 'string', default: '100' }, g711: { type: 'string', default: '30' } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'faxseal-bench-fax-'));
  const tiffPath = join(dir, 'page.tif');
  writeFaxTiff(tiffPath, [drawSyntheticPage({ seed: 7, height: 1100 })]);

  const child = fork(fileURLToPath(import.meta.url), ['--appliance'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Extract<FromAppliance, { type: 'ready' }>>((resolve) =>
    child.once('message', (m: FromAppliance) => m.type === 'ready' && resolve(m)),
  );
  const simulator = await FaxSimulator.start({ mediaPorts: { first: 40000, last: 44999 } });
  console.log(`appliance SIP on 127.0.0.1:${ready.sipPort}; page: 1728×1100 fine, one page per fax`);

  const rows: string[] = [];
  const run = async (label: string, calls: number, options: Pick<SendFaxOptions, 'mode' | 'codec'>) => {
    if (calls <= 0) return;
    await request(child, { type: 'measureStart' });
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: calls }, () =>
        simulator
          .send({
            ...options,
            to: ready.number,
            target: { host: '127.0.0.1', port: ready.sipPort },
            tiffPath,
          })
          .catch((err: Error) => ({ answered: false, sipStatus: 0, sipReason: err.message, fax: undefined })),
      ),
    );
    const elapsed = performance.now() - started;
    await new Promise((r) => setTimeout(r, 2000)); // the last commits land after the last BYE
    const m = (await request(child, { type: 'measureStop' }))!;
    const ok = results.filter((r) => r.fax?.ok).length;
    const durations = results.flatMap((r) => (r.fax ? [r.fax.durationMs / 1000] : [])).sort((a, b) => a - b);
    const line =
      `| ${label} | ${calls} | ${ok} | ${calls - ok} | ${m.faxes.committedInRun ?? 0} | ` +
      `${(elapsed / 1000).toFixed(1)} s | ${durations.length ? durations[Math.floor(durations.length / 2)].toFixed(1) : '-'} s | ` +
      `${((m.cpuMs / m.wallMs) * 100).toFixed(0)} % | ${m.loopDelayP50Ms.toFixed(1)} ms | ${m.loopDelayP99Ms.toFixed(1)} ms | ${m.loopDelayMaxMs.toFixed(1)} ms |`;
    rows.push(line);
    const failures = results.filter((r) => !r.fax?.ok).slice(0, 5);
    for (const f of failures)
      console.log(
        `  failed: SIP ${f.sipStatus} ${f.sipReason}${f.fax ? `, T.30 ${f.fax.code} ${f.fax.text}` : ''}`,
      );
    console.log(
      `${label}: ${ok}/${calls} faxes sent in ${(elapsed / 1000).toFixed(1)} s; appliance ${JSON.stringify(m)}`,
    );
  };

  try {
    await run('T.38', Number(values.t38), { mode: 't38' });
    await run('G.711 µ-law', Number(values.g711), { mode: 'audio', codec: 'pcmu' });
  } finally {
    await simulator.stop();
    await request(child, { type: 'stop' });
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    '\n| calls | simultaneous | completed | failed | faxes committed | wall | median fax | appliance CPU (of one core) | loop delay p50 | p99 | max |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}

if (process.argv.includes('--appliance')) await runAppliance();
else await runBench();
