// The OCR pool: pages in, OcrPage out, on piscina threads that each keep one engine (native
// tesseract or tesseract.js, see ocr-engine.ts). Sized to the cores by default; OCR is CPU-bound.

import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { OcrEngineSetting } from '../config/config.ts';
import type { Bitmap } from '../documents/bitmap.ts';
import { type ActiveOcrEngine, limitOpenMpThreads, resolveOcrEngine } from './ocr-engine.ts';
import type { OcrEngineName, OcrPage } from './ocr-result.ts';
import { DEFAULT_PREPROCESS, type PreprocessOptions } from './page-preprocess.ts';
import type { TextOrder } from './reading-order.ts';

export interface OcrPageImage {
  /** 1-based page number within the fax. */
  page: number;
  bitmap: Bitmap;
  xResolution: number;
  yResolution: number;
}

/** Where the pool reports an engine falling back (the appliance's logger fits). */
export interface OcrPoolLog {
  warn(details: object, message: string): void;
}

export interface OcrPoolOptions {
  /** Worker threads, each holding one engine (native ~60 MiB, tesseract.js ~160 MiB). Default: available cores. */
  threads?: number;
  /** Default `auto`: native tesseract when its addon loads, else tesseract.js. `paddle`: the bench only. */
  engine?: OcrEngineSetting | 'paddle';
  preprocess?: Partial<PreprocessOptions>;
  /** Tesseract page segmentation mode. Default 3 (automatic; measured best on forms, see the bench). */
  psm?: number;
  /**
   * Order of the words and text. `blocks` (default): reading order by blocks, columns and rows
   * (reading-order.ts). `rows`: visual lines across the whole page, top to bottom. `engine`: the
   * engine's own order (tesseract's blocks). The bench compares them.
   */
  order?: TextOrder;
  /** Native engine: recognition of one page stops after this long and returns what it read. Default 60 s. */
  pageTimeoutMs?: number;
  /** Limit for starting an engine in a thread. Default 30 s. */
  createTimeoutMs?: number;
  /** An idle thread (and its engine) is stopped after this long. Default 60 s. */
  idleTimeoutMs?: number;
  log?: OcrPoolLog;
}

/** What crosses into the worker thread. */
export interface OcrTask {
  page: number;
  image: { width: number; height: number; data: Uint8Array };
  xResolution: number;
  yResolution: number;
  engine: OcrEngineName;
  preprocess: PreprocessOptions;
  psm: number;
  order: TextOrder;
  pageTimeoutMs: number;
  createTimeoutMs: number;
}

const WORKER = new URL('../../../native-workers/ocr/ocr-worker.mjs', import.meta.url).href;
/** Native failures in a row after which the pool stops trying it. */
const NATIVE_FAILURE_LIMIT = 3;

export class OcrPool {
  readonly threads: number;
  /** The engine pages go to; turns to tesseract.js if native keeps failing. */
  engine: ActiveOcrEngine;
  readonly #pool: Piscina<OcrTask, OcrPage>;
  readonly #task: Omit<OcrTask, 'page' | 'image' | 'xResolution' | 'yResolution' | 'engine'>;
  readonly #log?: OcrPoolLog;
  #nativeFailures = 0;

  constructor(options: OcrPoolOptions = {}) {
    limitOpenMpThreads();
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.#log = options.log;
    this.engine =
      options.engine === 'paddle'
        ? { name: 'paddle', setting: 'auto', detail: 'PaddleOCR PP-OCRv4 on onnxruntime-node' }
        : resolveOcrEngine(options.engine ?? 'auto');
    if (this.engine.fallbackReason) {
      this.#log?.warn(
        { engine: this.engine.name, reason: this.engine.fallbackReason },
        'native OCR engine unavailable: using tesseract.js',
      );
    }
    this.#task = {
      preprocess: { ...DEFAULT_PREPROCESS, ...options.preprocess },
      psm: options.psm ?? 3,
      order: options.order ?? 'blocks',
      pageTimeoutMs: options.pageTimeoutMs ?? 60_000,
      createTimeoutMs: options.createTimeoutMs ?? 30_000,
    };
    this.#pool = new Piscina({
      filename: WORKER,
      minThreads: 0,
      maxThreads: this.threads,
      idleTimeout: options.idleTimeoutMs ?? 60_000,
    });
  }

  async recognize(image: OcrPageImage, options: { signal?: AbortSignal } = {}): Promise<OcrPage> {
    const { bitmap } = image;
    const task = (engine: OcrEngineName): OcrTask => ({
      ...this.#task,
      page: image.page,
      image: { width: bitmap.width, height: bitmap.height, data: bitmap.data },
      xResolution: image.xResolution,
      yResolution: image.yResolution,
      engine,
    });
    const engine = this.engine.name;
    if (engine !== 'native') return this.#pool.run(task(engine), { signal: options.signal });
    try {
      const page = await this.#pool.run(task('native'), { signal: options.signal });
      this.#nativeFailures = 0;
      return page;
    } catch (err) {
      if (options.signal?.aborted) throw err;
      // The page still gets read: tesseract.js is the engine that always works.
      this.#nativeFailures++;
      const reason = (err as Error).message;
      this.#log?.warn(
        { page: image.page, reason },
        'native OCR failed on a page: reading it with tesseract.js',
      );
      if (this.#nativeFailures >= NATIVE_FAILURE_LIMIT && this.engine.name === 'native') {
        this.engine = { ...this.engine, name: 'tesseract.js', fallbackReason: reason };
        this.#log?.warn(
          { reason },
          `native OCR failed ${NATIVE_FAILURE_LIMIT} times in a row: using tesseract.js`,
        );
      }
      return this.#pool.run(task('tesseract.js'), { signal: options.signal });
    }
  }

  /** What the operator's Queues view shows: threads started, pages waiting and in work. */
  stats(): { engine: string; maxThreads: number; threads: number; queued: number; completed: number } {
    return {
      engine: this.engine.name,
      maxThreads: this.threads,
      threads: this.#pool.threads.length,
      queued: this.#pool.queueSize,
      completed: this.#pool.completed,
    };
  }

  /** Waits for queued pages, then stops the threads. */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
