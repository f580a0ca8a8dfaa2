// Runs the appliance as a real child process (`node --import tsx server/src/main.ts`), the way
// `npm start` does, so tests can SIGKILL it and start it again on the same data directory.
//
// Readiness is a wait, not a timing assertion: on a loaded 2-core machine a cold start (tsx
// compiling the server, the first migration) has taken over 30 s. The wait is generous and ends
// at once, with the child's output, if the child exits instead.

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../scripts/free-port.ts';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ChildAppliance {
  url: string;
  process: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** How long a child may take to answer /readyz before the test gives up on it. */
export const CHILD_READY_TIMEOUT_MS = 180_000;

export async function startChildAppliance(
  env: Record<string, string>,
  timeoutMs = CHILD_READY_TIMEOUT_MS,
  /** Extra Node options, e.g. `--inspect=127.0.0.1:0` for a benchmark that measures the heap. */
  nodeArgs: string[] = [],
): Promise<ChildAppliance> {
  const port = env.FAXSEAL_HTTP_PORT ?? String(await freePort());
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      FAXSEAL_HTTP_HOST: '127.0.0.1',
      FAXSEAL_HTTP_PORT: port,
      FAXSEAL_LOG_LEVEL: 'warn',
      FAXSEAL_SIP_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  // 'close', not 'exit': by then the child's stdout and stderr are read to the end.
  const exited = new Promise<'exited'>((resolve) => child.once('close', () => resolve('exited')));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `appliance exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`,
      );
    const ready = await Promise.race([
      fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
        (res) => res.ok,
        () => false,
      ),
      exited,
    ]);
    if (ready === true) break;
    if (ready === 'exited') continue; // reported above, with the output
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`appliance not ready after ${timeoutMs} ms:\n${output}`);
    }
    await Promise.race([new Promise((r) => setTimeout(r, 100)), exited]);
  }
  return {
    url,
    process: child,
    output: () => output,
    kill: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
