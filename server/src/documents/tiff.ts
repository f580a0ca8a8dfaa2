// Reads multi-page TIFF files as fax engines write them (spandsp, libtiff tools): baseline IFDs,
// either byte order, and per page the tags and compressed strips needed to embed or decode the page.

export type TiffErrorCode = 'not-tiff' | 'truncated' | 'bad-ifd' | 'missing-tag' | 'unsupported';

export class TiffError extends Error {
  constructor(
    readonly code: TiffErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TiffError';
  }
}

export const TiffCompression = { none: 1, ccittRle: 2, t4: 3, t6: 4 } as const;
export type ResolutionUnit = 'none' | 'inch' | 'centimeter';

export interface TiffPage {
  width: number;
  height: number;
  /** Resolution as stored, in `resolutionUnit`s; 0 when the file has none. */
  xResolution: number;
  yResolution: number;
  resolutionUnit: ResolutionUnit;
  /** TIFF Compression tag: 1 none, 2 CCITT RLE, 3 T.4 (Group 3), 4 T.6 (Group 4), others as stored. */
  compression: number;
  /** 0 = WhiteIsZero (usual for fax), 1 = BlackIsZero. */
  photometric: number;
  bitsPerSample: number;
  /** Bit 0: 2-D coding, bit 1: uncompressed mode, bit 2: EOLs byte-aligned (fill bits). */
  t4Options: number;
  t6Options: number;
  /** 1 = most significant bit first; 2 = least significant bit first (spandsp writes 2). */
  fillOrder: 1 | 2;
  rowsPerStrip: number;
  /**
   * Compressed strips in page order, as views into the file bytes. Fax engines write one strip per
   * page; with several strips each T.6 strip is coded independently, so they cannot be joined.
   */
  strips: Uint8Array[];
  description?: string;
}

/** Upper bound on pages, so a crafted IFD chain cannot make the reader loop for long. */
const MAX_PAGES = 1000;

const Tag = {
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  FillOrder: 266,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  T4Options: 292,
  T6Options: 293,
  ResolutionUnit: 296,
} as const;

/** Byte sizes of the TIFF 6.0 field types, by type code. */
const TYPE_SIZE: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
};

interface Entry {
  type: number;
  count: number;
  /** Offset of the value bytes (inline in the entry when they fit in 4 bytes). */
  at: number;
}

export function readTiff(bytes: Uint8Array): TiffPage[] {
  if (bytes.length < 8) throw new TiffError('not-tiff', 'file too short for a TIFF header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = view.getUint16(0, false);
  if (order !== 0x4949 && order !== 0x4d4d) throw new TiffError('not-tiff', 'no TIFF byte-order mark');
  const le = order === 0x4949;
  const magic = view.getUint16(2, le);
  if (magic === 43) throw new TiffError('unsupported', 'BigTIFF is not supported');
  if (magic !== 42) throw new TiffError('not-tiff', `bad TIFF magic ${magic}`);

  const u16 = (at: number) => view.getUint16(at, le);
  const u32 = (at: number) => view.getUint32(at, le);
  const need = (at: number, length: number, what: string) => {
    if (at < 0 || length < 0 || at + length > bytes.length) {
      throw new TiffError('truncated', `${what} lies outside the file`);
    }
  };

  const pages: TiffPage[] = [];
  const seen = new Set<number>();
  let ifd = u32(4);
  while (ifd !== 0) {
    if (seen.has(ifd)) throw new TiffError('bad-ifd', `IFD chain loops back to offset ${ifd}`);
    if (pages.length >= MAX_PAGES) throw new TiffError('unsupported', `more than ${MAX_PAGES} pages`);
    seen.add(ifd);
    need(ifd, 2, 'IFD');
    const n = u16(ifd);
    need(ifd + 2, n * 12 + 4, 'IFD entries');
    const entries = new Map<number, Entry>();
    for (let i = 0; i < n; i++) {
      const e = ifd + 2 + i * 12;
      const type = u16(e + 2);
      const count = u32(e + 4);
      const size = TYPE_SIZE[type];
      if (size === undefined) continue; // unknown field types are skipped, as TIFF 6.0 asks
      const length = size * count;
      const at = length <= 4 ? e + 8 : u32(e + 8);
      need(at, length, `value of tag ${u16(e)}`);
      entries.set(u16(e), { type, count, at });
    }
    pages.push(readPage(entries, pages.length + 1));
    ifd = u32(ifd + 2 + n * 12);
  }
  if (pages.length === 0) throw new TiffError('bad-ifd', 'TIFF has no pages');
  return pages;

  function values(e: Entry): number[] {
    const out: number[] = [];
    for (let i = 0; i < e.count; i++) {
      switch (e.type) {
        case 1:
        case 7:
          out.push(bytes[e.at + i]);
          break;
        case 3:
          out.push(u16(e.at + i * 2));
          break;
        case 4:
          out.push(u32(e.at + i * 4));
          break;
        case 5: {
          const den = u32(e.at + i * 8 + 4);
          out.push(den === 0 ? 0 : u32(e.at + i * 8) / den);
          break;
        }
        default:
          throw new TiffError('bad-ifd', `unexpected field type ${e.type} for a numeric tag`);
      }
    }
    return out;
  }

  function readPage(entries: Map<number, Entry>, pageNumber: number): TiffPage {
    const list = (tag: number): number[] | undefined => {
      const e = entries.get(tag);
      return e ? values(e) : undefined;
    };
    const one = (tag: number, fallback?: number): number => {
      const v = list(tag)?.[0] ?? fallback;
      if (v === undefined) throw new TiffError('missing-tag', `page ${pageNumber} has no tag ${tag}`);
      return v;
    };

    const width = one(Tag.ImageWidth);
    const height = one(Tag.ImageLength);
    if (width === 0 || height === 0) throw new TiffError('bad-ifd', `page ${pageNumber} is empty`);
    const samples = one(Tag.SamplesPerPixel, 1);
    const bitsPerSample = one(Tag.BitsPerSample, 1);
    const compression = one(Tag.Compression, TiffCompression.none);
    if (samples !== 1)
      throw new TiffError('unsupported', `page ${pageNumber} has ${samples} samples per pixel`);
    const fillOrder = one(Tag.FillOrder, 1);
    if (fillOrder !== 1 && fillOrder !== 2) throw new TiffError('bad-ifd', `bad FillOrder ${fillOrder}`);

    const offsets = list(Tag.StripOffsets);
    const counts = list(Tag.StripByteCounts);
    if (!offsets) throw new TiffError('missing-tag', `page ${pageNumber} has no StripOffsets`);
    if (!counts) throw new TiffError('missing-tag', `page ${pageNumber} has no StripByteCounts`);
    if (offsets.length !== counts.length) {
      throw new TiffError(
        'bad-ifd',
        `page ${pageNumber} has ${offsets.length} strip offsets but ${counts.length} counts`,
      );
    }
    const rowsPerStrip = Math.min(one(Tag.RowsPerStrip, height), height);
    if (rowsPerStrip === 0 || offsets.length !== Math.ceil(height / rowsPerStrip)) {
      throw new TiffError('bad-ifd', `page ${pageNumber} strip count does not match its rows`);
    }
    const strips = offsets.map((offset, i) => {
      need(offset, counts[i], `strip ${i} of page ${pageNumber}`);
      return bytes.subarray(offset, offset + counts[i]);
    });

    const unitCode = one(Tag.ResolutionUnit, 2);
    const resolutionUnit: ResolutionUnit = unitCode === 3 ? 'centimeter' : unitCode === 1 ? 'none' : 'inch';
    const page: TiffPage = {
      width,
      height,
      xResolution: one(Tag.XResolution, 0),
      yResolution: one(Tag.YResolution, 0),
      resolutionUnit,
      compression,
      photometric: one(Tag.Photometric, 0),
      bitsPerSample,
      t4Options: one(Tag.T4Options, 0),
      t6Options: one(Tag.T6Options, 0),
      fillOrder,
      rowsPerStrip,
      strips,
    };
    const desc = entries.get(Tag.ImageDescription);
    if (desc && desc.type === 2) {
      const raw = bytes.subarray(desc.at, desc.at + desc.count);
      const end = raw.indexOf(0);
      page.description = new TextDecoder('latin1').decode(end < 0 ? raw : raw.subarray(0, end));
    }
    return page;
  }
}

/** Fine fax resolution, assumed when a page carries no usable resolution. */
const FINE = { x: 204, y: 196 };

/** The page's resolution in dots per inch. */
export function pageDpi(page: TiffPage): { x: number; y: number } {
  if (page.resolutionUnit === 'none' || page.xResolution <= 0 || page.yResolution <= 0) return { ...FINE };
  const k = page.resolutionUnit === 'centimeter' ? 2.54 : 1;
  return { x: page.xResolution * k, y: page.yResolution * k };
}

const REVERSED = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let r = 0;
    for (let b = 0; b < 8; b++) if (i & (1 << b)) r |= 0x80 >> b;
    t[i] = r;
  }
  return t;
})();

/** Reverses the bit order of every byte: turns FillOrder 2 data into the FillOrder 1 that PDF expects. */
export function reverseBits(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = REVERSED[data[i]];
  return out;
}

/**
 * Writes pages as a little-endian baseline TIFF, each page's compressed strips copied as they are:
 * the inverse of readTiff, so a page taken from a fax engine's file can be stored (and read back
 * by libtiff or readTiff) on its own, or pages kept one by one joined into one file.
 */
export function writeTiff(pages: TiffPage[]): Uint8Array {
  if (pages.length === 0) throw new TiffError('bad-ifd', 'a TIFF needs at least one page');
  type Field = { tag: number; type: 3 | 4 | 5; values: number[] };
  const layouts = pages.map((page) => {
    const unit = page.resolutionUnit === 'centimeter' ? 3 : page.resolutionUnit === 'none' ? 1 : 2;
    const fields: Field[] = [
      { tag: Tag.ImageWidth, type: 4, values: [page.width] },
      { tag: Tag.ImageLength, type: 4, values: [page.height] },
      { tag: Tag.BitsPerSample, type: 3, values: [page.bitsPerSample] },
      { tag: Tag.Compression, type: 3, values: [page.compression] },
      { tag: Tag.Photometric, type: 3, values: [page.photometric] },
      { tag: Tag.FillOrder, type: 3, values: [page.fillOrder] },
      { tag: Tag.StripOffsets, type: 4, values: page.strips.map(() => 0) },
      { tag: Tag.SamplesPerPixel, type: 3, values: [1] },
      { tag: Tag.RowsPerStrip, type: 4, values: [page.rowsPerStrip] },
      { tag: Tag.StripByteCounts, type: 4, values: page.strips.map((s) => s.length) },
      { tag: Tag.XResolution, type: 5, values: [page.xResolution] },
      { tag: Tag.YResolution, type: 5, values: [page.yResolution] },
    ];
    if (page.compression === TiffCompression.t4)
      fields.push({ tag: Tag.T4Options, type: 4, values: [page.t4Options] });
    if (page.compression === TiffCompression.t6)
      fields.push({ tag: Tag.T6Options, type: 4, values: [page.t6Options] });
    fields.push({ tag: Tag.ResolutionUnit, type: 3, values: [unit] });
    return { page, fields };
  });

  // Layout: header, then per page its strips, its out-of-line values and its IFD (word-aligned).
  const chunks: { at: number; bytes: Uint8Array }[] = [];
  let size = 8;
  const place = (length: number): number => {
    size += size % 2;
    const at = size;
    size += length;
    return at;
  };
  const ifdOffsets: number[] = [];
  const ifdWriters: ((view: DataView, next: number) => void)[] = [];
  for (const { page, fields } of layouts) {
    const stripOffsets = page.strips.map((strip) => {
      const at = place(strip.length);
      chunks.push({ at, bytes: strip });
      return at;
    });
    fields.find((f) => f.tag === Tag.StripOffsets)!.values = stripOffsets;
    const outOfLine = new Map<number, number>();
    for (const f of fields) {
      const length = f.values.length * (f.type === 3 ? 2 : f.type === 4 ? 4 : 8);
      if (length > 4) outOfLine.set(f.tag, place(length));
    }
    const ifd = place(2 + fields.length * 12 + 4);
    ifdOffsets.push(ifd);
    ifdWriters.push((view, next) => {
      view.setUint16(ifd, fields.length, true);
      fields.forEach((f, i) => {
        const e = ifd + 2 + i * 12;
        view.setUint16(e, f.tag, true);
        view.setUint16(e + 2, f.type, true);
        view.setUint32(e + 4, f.values.length, true);
        const outside = outOfLine.get(f.tag);
        if (outside !== undefined) view.setUint32(e + 8, outside, true);
        const at = outside ?? e + 8;
        f.values.forEach((v, j) => {
          if (f.type === 3) view.setUint16(at + j * 2, v, true);
          else if (f.type === 4) view.setUint32(at + j * 4, v, true);
          else {
            // Resolutions are whole dpi in practice; a denominator of 100 keeps dots per cm exact enough.
            const whole = Number.isInteger(v);
            view.setUint32(at + j * 8, whole ? v : Math.round(v * 100), true);
            view.setUint32(at + j * 8 + 4, whole ? 1 : 100, true);
          }
        });
      });
      view.setUint32(ifd + 2 + fields.length * 12, next, true);
    });
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0x4949, false);
  view.setUint16(2, 42, true);
  view.setUint32(4, ifdOffsets[0], true);
  for (const { at, bytes } of chunks) out.set(bytes, at);
  for (const [i, write] of ifdWriters.entries()) write(view, ifdOffsets[i + 1] ?? 0);
  return out;
}
