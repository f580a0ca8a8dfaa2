// Builds the PDF of a fax: each page's CCITT data embedded as received (no re-compression) at its
// physical size, with an optional invisible OCR text layer so viewers can search and copy the text.

import {
  beginText,
  concatTransformationMatrix,
  drawObject,
  endText,
  type PDFFont,
  type PDFPage,
  PDFDocument,
  PDFRawStream,
  popGraphicsState,
  pushGraphicsState,
  setCharacterSqueeze,
  setFontAndSize,
  setTextMatrix,
  setTextRenderingMode,
  showText,
  StandardFonts,
  TextRenderingMode,
} from 'pdf-lib';
import type { OcrPage } from '../ocr/ocr-result.ts';
import { pageDpi, reverseBits, TiffCompression, TiffError, type TiffPage } from './tiff.ts';

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
  const font = pages.some((p) => p.ocr?.words.length) ? await doc.embedFont(StandardFonts.Helvetica) : undefined;

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
        concatTransformationMatrix(pageWidth, 0, 0, h, 0, y),
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
  return doc.save({ useObjectStreams: false });
}

function imageStream(doc: PDFDocument, image: TiffPage, strip: Uint8Array, rows: number): PDFRawStream {
  if (image.bitsPerSample !== 1) throw new TiffError('unsupported', `${image.bitsPerSample}-bit pages are not fax pages`);
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
  let dict: Record<string, unknown>;
  switch (image.compression) {
    case TiffCompression.t6:
      dict = { ...base, Filter: 'CCITTFaxDecode', DecodeParms: { K: -1, Columns: image.width, Rows: rows, BlackIs1: blackIs1 } };
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
  // biome-ignore lint/suspicious/noExplicitAny: pdf-lib's obj() literal type cannot express nested dictionaries
  return PDFRawStream.of(doc.context.obj(dict as any), data);
}

function addTextLayer(page: PDFPage, font: PDFFont, ocr: OcrPage, sx: number, sy: number, pageHeight: number): void {
  const encodable = new Set(font.getCharacterSet());
  const fontName = page.node.newFontDictionary('OcrText', font.ref);
  const ops = [beginText(), setTextRenderingMode(TextRenderingMode.Invisible)];
  for (const word of ocr.words) {
    const text = [...word.text].map((c) => (encodable.has(c.codePointAt(0)!) ? c : '?')).join('');
    const boxWidth = (word.bbox.x1 - word.bbox.x0) * sx;
    const boxHeight = (word.bbox.y1 - word.bbox.y0) * sy;
    if (!text.trim() || boxWidth <= 0 || boxHeight <= 0) continue;
    const size = boxHeight;
    const naturalWidth = font.widthOfTextAtSize(text, size);
    // Baseline a fifth of the box above its bottom: roughly where descenders end.
    const baseline = pageHeight - word.bbox.y1 * sy + size * 0.2;
    ops.push(
      setFontAndSize(fontName, size),
      setCharacterSqueeze(naturalWidth > 0 ? (boxWidth / naturalWidth) * 100 : 100),
      setTextMatrix(1, 0, 0, 1, word.bbox.x0 * sx, baseline),
      showText(font.encodeText(text)),
    );
  }
  ops.push(endText());
  page.pushOperators(...ops);
}
