// Typed wrapper over the FaxSeal tesseract addon (build/Release/faxseal_tesseract.node): Debian's
// libtesseract with one engine per worker, recognition on the libuv pool, words and lines with boxes.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Debian's tesseract-ocr-eng: the integer "fast" LSTM model (4 MiB). */
export const DEBIAN_TESSDATA = '/usr/share/tesseract-ocr/5/tessdata';

/** Tesseract page segmentation modes the appliance uses (tesseract's numbering). */
export const PageSegMode = { AUTO: 3, SINGLE_BLOCK: 6, SPARSE_TEXT: 11 } as const;

/**
 * A page: 1-bit (rows of `rowBytes`, most significant bit first, 1 = black) or, with `depth: 8`,
 * grey (a byte a pixel, 0 = black; tesseract binarises it itself).
 */
export interface NativeBitmap {
  width: number;
  height: number;
  rowBytes: number;
  data: Uint8Array;
  depth?: 1 | 8;
}

export interface NativeRecognizeOptions {
  /** Resolution of the image (square pixels), dots per inch. */
  dpi: number;
  psm: number;
  /** Recognition stops after this long and returns what it has (`timedOut`). 0: no limit. */
  timeoutMs?: number;
}

export interface NativeWord {
  text: string;
  /** 0–100. */
  confidence: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Index of tesseract's block, and of the line in `lines`. */
  block: number;
  line: number;
}

export interface NativeLine {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  block: number;
  /** Two points the baseline passes through: [x0, y0, x1, y1]. */
  baseline?: [number, number, number, number];
}

export interface NativeResult {
  words: NativeWord[];
  lines: NativeLine[];
  timedOut: boolean;
}

export interface NativeEngine {
  /** One page at a time: a second call while one runs throws. */
  recognize(image: NativeBitmap, options: NativeRecognizeOptions): Promise<NativeResult>;
  readonly busy: boolean;
  /** Frees the model; the engine cannot be used after. */
  end(): void;
}

interface NativeAddon {
  Engine: new (dataPath: string, language: string, variables?: Record<string, string>) => NativeEngine;
  version: string;
  /** OpenMP's thread limit as libgomp read it at load (OMP_THREAD_LIMIT): 1 is one core per engine. */
  ompThreadLimit: number;
}

export class TesseractAddonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TesseractAddonError';
  }
}

const ADDON_PATH = new URL('./build/Release/faxseal_tesseract.node', import.meta.url).pathname;
let addon: NativeAddon | undefined;

/** Loads the addon once per thread; throws TesseractAddonError saying why it cannot. */
export function loadTesseractAddon(): NativeAddon {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) {
    throw new TesseractAddonError(
      'native tesseract addon not built: install libtesseract-dev libleptonica-dev and run `npm run build:native`',
    );
  }
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (err) {
    throw new TesseractAddonError(`native tesseract addon does not load: ${(err as Error).message}`);
  }
  return addon;
}

/** Opens an engine on a language model (`<dataPath>/<language>.traineddata`). */
export function openTesseractEngine(
  dataPath = DEBIAN_TESSDATA,
  language = 'eng',
  variables: Record<string, string> = {},
): NativeEngine {
  const { Engine } = loadTesseractAddon();
  if (!existsSync(`${dataPath}/${language}.traineddata`)) {
    throw new TesseractAddonError(
      `no ${language}.traineddata in ${dataPath}: install the Debian package tesseract-ocr-${language}`,
    );
  }
  return new Engine(dataPath, language, variables);
}
