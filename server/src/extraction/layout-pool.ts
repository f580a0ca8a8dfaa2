// Layout reading off the main thread. extractWithLayout is synchronous and bounded only by the per-fax
// budget (the dev corpus's slowest fax took 0.4 s; a 40-page fax takes the whole budget): on the main
// thread that would hold SIP transactions and /healthz for as long. One worker thread is enough: OCR, the
// heavier stage, has its own pool, and faxes are extracted one at a time per job.

import { Piscina } from 'piscina';
import type { LayoutTask } from '../../../native-workers/extract/layout-worker.ts';
import type { OcrPage } from '../ocr/ocr-result.ts';
import type { ExtractionSchema } from './extraction-schema.ts';
import type { LayoutExtraction } from './layout-provider.ts';

const WORKER = new URL('../../../native-workers/extract/layout-worker-entry.mjs', import.meta.url).href;

export class LayoutPool {
  readonly #pool = new Piscina<LayoutTask, LayoutExtraction>({
    filename: WORKER,
    minThreads: 0,
    maxThreads: 1,
    // Warm between faxes of a busy hour; an idle appliance gives the thread back.
    idleTimeout: 5 * 60_000,
  });

  /** The layout reading of `pages`; an abort ends the worker's task (and the thread running it). */
  read(
    schema: ExtractionSchema,
    pages: OcrPage[],
    options: { budgetMs: number; reviewThreshold?: number; signal?: AbortSignal },
  ): Promise<LayoutExtraction> {
    const { signal, ...limits } = options;
    return this.#pool.run({ schema, pages, ...limits }, { signal });
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
