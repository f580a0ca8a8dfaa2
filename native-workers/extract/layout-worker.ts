// Piscina worker for layout extraction: one fax's OCR pages and schema in, the layout reading out. The
// reading is synchronous and takes up to the per-fax budget (seconds on a long fax): here it holds this
// thread, not the appliance's event loop, which answers SIP and HTTP meanwhile.

import type { ExtractionSchema } from '../../server/src/extraction/extraction-schema.ts';
import { extractWithLayout, type LayoutExtraction } from '../../server/src/extraction/layout-provider.ts';
import type { OcrPage } from '../../server/src/ocr/ocr-result.ts';

export interface LayoutTask {
  schema: ExtractionSchema;
  pages: OcrPage[];
  budgetMs: number;
  reviewThreshold?: number;
}

export default function readLayout(task: LayoutTask): LayoutExtraction {
  return extractWithLayout(task.schema, task.pages, {
    budgetMs: task.budgetMs,
    reviewThreshold: task.reviewThreshold,
  });
}
