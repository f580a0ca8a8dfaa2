// Builds the PDF of a fax: each page's CCITT data embedded as received (no re-compression) at its
// physical size, with an optional invisible OCR text layer so viewers can search and copy the text.

import {
  beginText,
  concatTransformationMatrix,
  drawObject,
  endText,
  PDFDocument,
  type PDFFont,
  type PDFPage,
  type PDFRawStream,
  popGraphicsState,
  pushGraphicsState,
  StandardFonts,
  setCharacterSqueeze,
  setFontAndSize,
  setTextMatrix,
  setTextRenderingMode,
  showText,
  TextRenderingMode,
} from 'pdf-lib';
import type { OcrPage, OcrWord } from '../ocr/ocr-result.ts';
import { pageDpi, reverseBits, TiffCompression, TiffError, type TiffPage } from './tiff.ts';

/**
 * Images are drawn this many points inside their cell. Poppler widens an image whose edge falls
 * exactly on a device pixel boundary by one pixel, so a page rendered back at fax resolution (to
 * forward it, or to check it) would be resampled; 1/144000 inch inset keeps it pixel-exact.
 */
const INSET = 0.0005;

export interface FaxPdfPage {
  image: TiffPage;
  /** OCR of this page, boxes in the page's pixel coordinates: becomes the invisible text layer. */
  ocr?: OcrPage;
}

export interface FaxPdfOptions {
  title?: string;
  /** Fixed dates make the output byte-for-byte reproducible. */
  creationDate?: Date;
}

export async function buildFaxPdf(pages: FaxPdfPage[], options: FaxPdfOptions = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setProducer('FaxSeal');
  doc.setCreator('FaxSeal');
  if (options.title) doc.setTitle(options.title);
  const date = options.creationDate ?? new Date();
  doc.setCreationDate(date);
  doc.setModificationDate(date);
  const font = pages.some((p) => p.ocr?.words.length)
    ? await doc.embedFont(StandardFonts.Helvetica)
    : undefined;

  for (const { image, ocr } of pages) {
    const dpi = pageDpi(image);
    const ptPerPixelX = 72 / dpi.x;
    const ptPerPixelY = 72 / dpi.y;
    const pageWidth = image.width * ptPerPixelX;
    const pageHeight = image.height * ptPerPixelY;
    const page = doc.addPage([pageWidth, pageHeight]);

    // One image per strip: T.6 strips are coded independently and cannot be concatenated.
    let row = 0;
    for (const strip of image.strips) {
      const rows = Math.min(image.rowsPerStrip, image.height - row);
      const ref = doc.context.register(imageStream(doc, image, strip, rows));
      const name = page.node.newXObject('Fax', ref);
      const h = rows * ptPerPixelY;
      const y = pageHeight - row * ptPerPixelY - h;
      page.pushOperators(
        pushGraphicsState(),
        concatTransformationMatrix(pageWidth - 2 * INSET, 0, 0, h - 2 * INSET, INSET, y + INSET),
        drawObject(name),
        popGraphicsState(),
      );
      row += rows;
    }

    if (ocr && font) {
      // Boxes are page pixels; scale them in case OCR ran on an image of another size.
      const sx = (image.width / ocr.width) * ptPerPixelX;
      const sy = (image.height / ocr.height) * ptPerPixelY;
      addTextLayer(page, font, ocr, sx, sy, pageHeight);
    }
  }
  return doc.save();
}

type StreamDict = NonNullable<Parameters<PDFDocument['context']['stream']>[1]>;

function imageStream(doc: PDFDocument, image: TiffPage, strip: Uint8Array, rows: number): PDFRawStream {
  if (image.bitsPerSample !== 1)
    throw new TiffError('unsupported', `${image.bitsPerSample}-bit pages are not fax pages`);
  const data = image.fillOrder === 2 ? reverseBits(strip) : strip;
  const base = {
    Type: 'XObject',
    Subtype: 'Image',
    Width: image.width,
    Height: rows,
    ColorSpace: 'DeviceGray',
    BitsPerComponent: 1,
  };
  // TIFF decoders emit coded-black runs as 1 bits; with WhiteIsZero those are black, which is what
  // PDF's default BlackIs1 false shows. BlackIsZero pages need the opposite.
  const blackIs1 = image.photometric === 1;
  let dict: StreamDict;
  switch (image.compression) {
    case TiffCompression.t6:
      dict = {
        ...base,
        Filter: 'CCITTFaxDecode',
        DecodeParms: { K: -1, Columns: image.width, Rows: rows, BlackIs1: blackIs1 },
      };
      break;
    case TiffCompression.t4: {
      if (image.t4Options & 2) throw new TiffError('unsupported', 'T.4 uncompressed mode is not supported');
      const parms = {
        // Any K > 0 means mixed 1-D/2-D lines; decoders follow each line's tag bit, and K = rows
        // can never be exceeded.
        K: image.t4Options & 1 ? rows : 0,
        Columns: image.width,
        Rows: rows,
        EncodedByteAlign: (image.t4Options & 4) !== 0,
        BlackIs1: blackIs1,
      };
      dict = { ...base, Filter: 'CCITTFaxDecode', DecodeParms: parms };
      break;
    }
    case TiffCompression.none:
      // Raw rows: 1 bits are black unless the page is BlackIsZero.
      dict = { ...base, Decode: image.photometric === 1 ? [0, 1] : [1, 0] };
      break;
    default:
      throw new TiffError('unsupported', `TIFF compression ${image.compression} is not supported`);
  }
  return doc.context.stream(data, dict);
}

function addTextLayer(
  page: PDFPage,
  font: PDFFont,
  ocr: OcrPage,
  sx: number,
  sy: number,
  pageHeight: number,
): void {
  const encodable = new Set(font.getCharacterSet());
  const fontName = page.node.newFontDictionary('OcrText', font.ref);
  const ops = [beginText(), setTextRenderingMode(TextRenderingMode.Invisible)];
  for (const line of textLines(ocr.words)) {
    // One size and one horizontal baseline per line. On a skewed page the words then sit up to half
    // the line's drift off their boxes, but text extractors (pdftotext, viewers' search) split a
    // line whose words step up or down, or are rotated, into pieces.
    const heights = line.map((w) => w.bbox.y1 - w.bbox.y0).sort((a, b) => a - b);
    const size = heights[heights.length >> 1] * sy;
    const bottom = line.reduce((sum, w) => sum + w.bbox.y1, 0) / line.length;
    // Baseline a fifth of the size above the box bottom: roughly where descenders end.
    const y = pageHeight - bottom * sy + size * 0.2;
    for (const [i, word] of line.entries()) {
      const text = [...word.text].map((c) => (encodable.has(c.codePointAt(0)!) ? c : '?')).join('');
      const boxWidth = (word.bbox.x1 - word.bbox.x0) * sx;
      if (!text.trim() || boxWidth <= 0 || size <= 0) continue;
      const naturalWidth = font.widthOfTextAtSize(text, size);
      // A real space after each word but the line's last: extractors then never run words together.
      const shown = i < line.length - 1 ? `${text} ` : text;
      ops.push(
        setFontAndSize(fontName, size),
        setCharacterSqueeze(naturalWidth > 0 ? (boxWidth / naturalWidth) * 100 : 100),
        setTextMatrix(1, 0, 0, 1, word.bbox.x0 * sx, y),
        showText(font.encodeText(shown)),
      );
    }
  }
  ops.push(endText());
  page.pushOperators(...ops);
}

/** Splits OCR words (in reading order) into lines: a line goes on while words advance rightwards and overlap vertically. */
function textLines(words: OcrWord[]): OcrWord[][] {
  const lines: OcrWord[][] = [];
  let current: OcrWord[] = [];
  for (const word of words) {
    const last = current[current.length - 1];
    const sameLine =
      last && word.bbox.x0 >= last.bbox.x0 && word.bbox.y0 < last.bbox.y1 && word.bbox.y1 > last.bbox.y0;
    if (!sameLine && current.length) {
      lines.push(current);
      current = [];
    }
    current.push(word);
  }
  if (current.length) lines.push(current);
  return lines;
}
