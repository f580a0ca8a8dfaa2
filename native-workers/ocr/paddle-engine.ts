// PaddleOCR (PP-OCRv4 detection and recognition, ONNX) in an OCR worker thread, for the bench's
// side-by-side comparison: @gutenye/ocr-node ships the models and runs them on onnxruntime-node.
// It reads lines, not words: words get boxes cut from the line's box in proportion to their length.

import { crc32, deflateSync } from 'node:zlib';
import type { Bitmap } from '../../server/src/documents/bitmap.ts';
import type { EngineOutput, EngineRequest, EngineWord } from './engine-words.ts';

interface PaddleLine {
  text: string;
  mean: number;
  box?: number[][];
}
interface PaddleOcr {
  detect(image: string): Promise<PaddleLine[]>;
}

let engine: Promise<PaddleOcr> | undefined;

async function createEngine(): Promise<PaddleOcr> {
  // A devDependency, loaded only when asked for: the appliance itself never needs it.
  const { default: Ocr } = await import('@gutenye/ocr-node');
  // One ONNX thread: the bench runs one worker per core, like every other engine.
  return Ocr.create({ onnxOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
}

export async function recognizePaddle(request: EngineRequest): Promise<EngineOutput> {
  engine ??= createEngine().catch((err) => {
    engine = undefined;
    throw err;
  });
  const ocr = await engine;
  // The package opens images with sharp, which takes an encoded image in a Buffer as well as a path.
  const lines = await ocr.detect(encodePng(request.bitmap) as unknown as string);
  const words: EngineWord[] = [];
  lines.forEach((line, index) => {
    const xs = (line.box ?? []).map((p) => p[0]);
    const ys = (line.box ?? []).map((p) => p[1]);
    if (!xs.length) return;
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const parts = line.text.split(/\s+/).filter(Boolean);
    const chars = parts.reduce((n, p) => n + p.length, 0) + parts.length - 1;
    let at = 0;
    for (const text of parts) {
      const from = x0 + ((x1 - x0) * at) / chars;
      at += text.length;
      words.push({
        text,
        confidence: line.mean * 100,
        bbox: { x0: Math.round(from), y0, x1: Math.round(x0 + ((x1 - x0) * at) / chars), y1 },
        line: index,
        block: index,
      });
      at += 1;
    }
  });
  return { words, timedOut: false };
}

/** A 1-bit greyscale PNG of the page (PNG's 0 is black, the bitmap's 1 is). */
function encodePng(b: Bitmap): Buffer {
  const raw = Buffer.alloc((b.rowBytes + 1) * b.height);
  for (let y = 0; y < b.height; y++) {
    const out = y * (b.rowBytes + 1);
    raw[out] = 0; // filter: none
    for (let i = 0; i < b.rowBytes; i++) raw[out + 1 + i] = ~b.data[y * b.rowBytes + i] & 0xff;
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(b.width, 0);
  header.writeUInt32BE(b.height, 4);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
