// Which OCR engine reads pages: native tesseract (Debian's libtesseract through our addon) when it
// loads, else tesseract.js, which always works. Decided once per process; `faxseal doctor` shows it.

import { isMainThread } from 'node:worker_threads';
import { loadTesseractAddon, openTesseractEngine } from '../../../native-workers/tesseract/index.ts';
import type { OcrEngineSetting } from '../config/config.ts';
import type { OcrEngineName } from './ocr-result.ts';

export interface ActiveOcrEngine {
  name: OcrEngineName;
  setting: OcrEngineSetting;
  /** Engine and model, for logs and the doctor. */
  detail: string;
  /** Why the engine asked for (or auto's first choice) is not the one in use. */
  fallbackReason?: string;
}

let nativeProbe: { ok: true; detail: string } | { ok: false; reason: string } | undefined;

/** Loads the addon and its model once, in this thread, to know whether native OCR works here. */
export function probeNativeEngine(): NonNullable<typeof nativeProbe> {
  if (nativeProbe) return nativeProbe;
  try {
    limitOpenMpThreads();
    const addon = loadTesseractAddon();
    openTesseractEngine().end();
    const threads =
      addon.ompThreadLimit > 1 ? `, OpenMP not limited (${addon.ompThreadLimit} threads): slower` : '';
    nativeProbe = { ok: true, detail: `libtesseract ${addon.version}, Debian eng model${threads}` };
  } catch (err) {
    nativeProbe = { ok: false, reason: (err as Error).message };
  }
  return nativeProbe;
}

export function resolveOcrEngine(setting: OcrEngineSetting): ActiveOcrEngine {
  const jsDetail = 'tesseract.js (WebAssembly), best_int eng model';
  if (setting === 'tesseract.js') return { name: 'tesseract.js', setting, detail: jsDetail };
  const probe = probeNativeEngine();
  if (probe.ok) return { name: 'native', setting, detail: probe.detail };
  return { name: 'tesseract.js', setting, detail: jsDetail, fallbackReason: probe.reason };
}

/**
 * libtesseract asks OpenMP for 4 threads per line; with one engine per core that oversubscribes
 * the cores (measured 5× slower on 2 cores). libgomp reads OMP_THREAD_LIMIT once, when it loads,
 * so it is set here, before any thread loads the addon. Only the main thread's env is the process's.
 */
export function limitOpenMpThreads(): void {
  if (isMainThread) process.env.OMP_THREAD_LIMIT ??= '1';
}

/** `faxseal doctor`'s line: the engine in use and, when it fell back, why and how to fix it. */
export function ocrEngineCheck(setting: OcrEngineSetting): {
  name: string;
  ok: boolean;
  detail: string;
  warning?: boolean;
} {
  const active = resolveOcrEngine(setting);
  const chosen = setting === 'auto' ? 'automatic' : `FAXSEAL_OCR_ENGINE=${setting}`;
  if (!active.fallbackReason)
    return { name: 'OCR engine', ok: true, detail: `${active.name} (${chosen}): ${active.detail}` };
  return {
    name: 'OCR engine',
    ok: false,
    warning: true,
    detail: `${active.name} (${chosen}; native unavailable: ${active.fallbackReason})`,
  };
}
