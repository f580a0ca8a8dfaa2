// The heap of a child appliance started with `--inspect=127.0.0.1:0`, read over the inspector
// protocol: a forced full collection, then the V8 heap in use. Unlike RSS, that figure does not
// depend on when the allocator hands pages back, so "memory returns after the fuzz" can be a bound.
// Also reads the child's event-loop delay, to tell a blocked loop from a starved process.

import { writeFileSync } from 'node:fs';

export interface HeapProbe {
  /** Full GC (twice, so weak references and finalizers settle), then the V8 heap in use, in MB. */
  usedAfterGcMb(): Promise<number>;
  /** Starts (or starts over) an event-loop delay histogram in the child (10 ms resolution). */
  startLoopDelay(): Promise<void>;
  /** The histogram since startLoopDelay: p50, p99 and max in ms. */
  loopDelay(): Promise<{ p50: number; p99: number; max: number }>;
  /** Writes a heap snapshot of the child to `file` (for diagnosis with Chrome DevTools). */
  snapshot(file: string): Promise<void>;
  close(): void;
}

/** Connects to the inspector whose address the child printed ("Debugger listening on ws://…"). */
export async function connectHeapProbe(output: () => string): Promise<HeapProbe> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(output())?.[1];
  if (!url) throw new Error(`the child printed no inspector address:\n${output().slice(0, 2000)}`);
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`inspector ${url} refused the connection`)), {
      once: true,
    });
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void }>();
  let chunks: string[] | null = null;
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(String(event.data));
    if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') chunks?.push(msg.params.chunk);
    const waiter = msg.id !== undefined ? pending.get(msg.id) : undefined;
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(new Error(`${msg.error.message}`));
    else waiter.resolve(msg.result);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<any>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  const evaluate = async (expression: string) => {
    const r = await call('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`inspector evaluate: ${r.exceptionDetails.text}`);
    return r.result.value;
  };
  return {
    async usedAfterGcMb() {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
      const { usedSize } = await call('Runtime.getHeapUsage');
      return usedSize / 2 ** 20;
    },
    async startLoopDelay() {
      await evaluate(`(() => {
        globalThis.__faxsealLoopDelay?.disable();
        const h = process.getBuiltinModule('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 });
        h.enable();
        globalThis.__faxsealLoopDelay = h;
      })()`);
    },
    async loopDelay() {
      return evaluate(`(() => {
        const h = globalThis.__faxsealLoopDelay;
        return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
      })()`);
    },
    async snapshot(file) {
      chunks = [];
      await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      writeFileSync(file, chunks.join(''));
      chunks = null;
    },
    close() {
      ws.close();
    },
  };
}
