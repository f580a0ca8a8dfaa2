// What OCR produces for one fax page: shared by the OCR pool, the PDF text layer, the inbox
// search index and the extraction providers (which ground their answers in these words).

/** Pixel box on the page image as received (origin top-left). */
export interface BoundingBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface OcrWord {
  text: string;
  /** 0–100, as tesseract reports it. */
  confidence: number;
  bbox: BoundingBox;
}

export interface OcrPage {
  /** 1-based page number within the fax. */
  page: number;
  /** Page image size in pixels (as received, before any preprocessing). */
  width: number;
  height: number;
  /** Horizontal and vertical resolution in dots per inch (fax: 204×196 fine, 204×98 standard). */
  xResolution: number;
  yResolution: number;
  text: string;
  /** Mean word confidence, 0–100. */
  confidence: number;
  words: OcrWord[];
}
