// One-bit page images as fax engines, poppler and tesseract exchange them, with PBM (P4) in and out.
// Layout is PBM's: rows padded to whole bytes, most significant bit first, 1 = black.

export interface Bitmap {
  width: number;
  height: number;
  /** Bytes per row: ceil(width / 8). */
  rowBytes: number;
  data: Uint8Array;
}

export function createBitmap(width: number, height: number): Bitmap {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`invalid bitmap size ${width}x${height}`);
  }
  const rowBytes = (width + 7) >> 3;
  return { width, height, rowBytes, data: new Uint8Array(rowBytes * height) };
}

export function cloneBitmap(b: Bitmap): Bitmap {
  return { ...b, data: b.data.slice() };
}

export function getPixel(b: Bitmap, x: number, y: number): 0 | 1 {
  if (x < 0 || y < 0 || x >= b.width || y >= b.height) return 0;
  return ((b.data[y * b.rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1) as 0 | 1;
}

export function setPixel(b: Bitmap, x: number, y: number, value: 0 | 1): void {
  if (x < 0 || y < 0 || x >= b.width || y >= b.height) return;
  const i = y * b.rowBytes + (x >> 3);
  const mask = 0x80 >> (x & 7);
  b.data[i] = value ? b.data[i] | mask : b.data[i] & ~mask;
}

export function countBlack(b: Bitmap): number {
  let n = 0;
  for (const byte of b.data) n += POPCOUNT[byte];
  return n;
}

/** Number of pixels that differ; padding bits beyond the width are ignored. */
export function diffPixels(a: Bitmap, b: Bitmap): number {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError('bitmaps differ in size');
  const tailMask = (0xff << (a.rowBytes * 8 - a.width)) & 0xff;
  let n = 0;
  for (let y = 0; y < a.height; y++) {
    const row = y * a.rowBytes;
    for (let i = 0; i < a.rowBytes; i++) {
      let d = a.data[row + i] ^ b.data[row + i];
      if (i === a.rowBytes - 1) d &= tailMask;
      n += POPCOUNT[d];
    }
  }
  return n;
}

export class PbmError extends Error {
  readonly code = 'invalid-pbm';
}

/** Parses binary PBM (P4), the format `pdftoppm -mono` writes. Comments in the header are allowed. */
export function parsePbm(bytes: Uint8Array): Bitmap {
  let pos = 0;
  const token = (): string => {
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos])) pos++;
      if (bytes[pos] !== 0x23) break;
      while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
    }
    const start = pos;
    while (pos < bytes.length && !isSpace(bytes[pos])) pos++;
    return String.fromCharCode(...bytes.subarray(start, pos));
  };
  if (token() !== 'P4') throw new PbmError('not a binary PBM (P4) image');
  const width = Number(token());
  const height = Number(token());
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new PbmError('invalid PBM size');
  }
  pos++; // exactly one whitespace byte separates the header from the raster
  const b = createBitmap(width, height);
  if (bytes.length - pos < b.data.length) throw new PbmError('truncated PBM raster');
  b.data.set(bytes.subarray(pos, pos + b.data.length));
  return b;
}

export function encodePbm(b: Bitmap): Uint8Array {
  const header = new TextEncoder().encode(`P4\n${b.width} ${b.height}\n`);
  const out = new Uint8Array(header.length + b.data.length);
  out.set(header);
  out.set(b.data, header.length);
  return out;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0b || c === 0x0c;
}

export const POPCOUNT: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1];
  return t;
})();
