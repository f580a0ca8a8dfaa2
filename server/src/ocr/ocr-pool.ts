// The OCR pool: pages in, OcrPage out, on piscina threads that each keep one tesseract.js engine.
// Sized to the cores by default; OCR is CPU-bound (~2.5 s per fine page per thread).

import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { Bitmap } from '../documents/bitmap.ts';
import type { OcrPage } from './ocr-result.ts';
import { DEFAULT_PREPROCESS, type PreprocessOptions } from './page-preprocess.ts';

export interface OcrPageImage {
  /** 1-based page number within the fax. */
  page: number;
  bitmap: Bitmap;
  xResolution: number;
  yResolution: number;
}

export interface OcrPoolOptions {
  /** Worker threads, each holding ~160 MiB of engine. Default: available cores. */
  threads?: number;
  preprocess?: Partial<PreprocessOptions>;
  /** Limit for starting an engine in a thread. Default 30 s. */
  createTimeoutMs?: number;
  /** An idle thread (and its engine) is stopped after this long. Default 60 s. */
  idleTimeoutMs?: number;
}

/** What crosses into the worker thread. */
export interface OcrTask {
  page: number;
  image: { width: number; height: number; data: Uint8Array };
  xResolution: number;
  yResolution: number;
  preprocess: PreprocessOptions;
  createTimeoutMs: number;
}

const WORKER = new URL('../../../native-workers/ocr/ocr-worker.mjs', import.meta.url).href;

export class OcrPool {
  readonly threads: number;
  readonly #pool: Piscina<OcrTask, OcrPage>;
  readonly #preprocess: PreprocessOptions;
  readonly #createTimeoutMs: number;

  constructor(options: OcrPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.#preprocess = { ...DEFAULT_PREPROCESS, ...options.preprocess };
    this.#createTimeoutMs = options.createTimeoutMs ?? 30_000;
    this.#pool = new Piscina({
      filename: WORKER,
      minThreads: 0,
      maxThreads: this.threads,
      idleTimeout: options.idleTimeoutMs ?? 60_000,
    });
  }

  recognize(image: OcrPageImage, options: { signal?: AbortSignal } = {}): Promise<OcrPage> {
    const { bitmap } = image;
    const task: OcrTask = {
      page: image.page,
      image: { width: bitmap.width, height: bitmap.height, data: bitmap.data },
      xResolution: image.xResolution,
      yResolution: image.yResolution,
      preprocess: this.#preprocess,
      createTimeoutMs: this.#createTimeoutMs,
    };
    return this.#pool.run(task, { signal: options.signal });
  }

  /** Waits for queued pages, then stops the threads. */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
