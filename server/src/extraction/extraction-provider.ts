// The one seam every extractor sits behind (ARCHITECTURE.md decision 5): schema + OCR pages in,
// schema-shaped data and per-field evidence out; missing means null, never an error.

import type { BoundingBox, OcrPage } from '../ocr/ocr-result.ts';
import type { ExtractionSchema } from './extraction-schema.ts';

export type ProviderName = 'layout' | 'rules' | 'llama' | 'openai-compatible';

export interface ExtractionRequest {
  schema: ExtractionSchema;
  pages: OcrPage[];
  signal?: AbortSignal;
  /** Time this fax may take; past it, what was found so far is returned (layout and hybrid providers). */
  budgetMs?: number;
  /** Confidence below which a field path is listed in `needsReview` (the partner's setting, default 0.8). */
  reviewThreshold?: number;
}

/** Where one extracted value was found. */
export interface FieldEvidence {
  /** 1-based page number. */
  page: number;
  /** Offsets into that page's OCR text, and the text between them. */
  span: { start: number; end: number; text: string };
  /** Union of the OCR word boxes under the span (null when the page has no word boxes there). */
  bbox: BoundingBox | null;
  /** 0–1: OCR confidence of the words × how exactly the value matched the text. */
  confidence: number;
}

export interface ExtractionResult {
  /** Exactly the shape of the schema; anything not found or not supported by the text is null. */
  data: Record<string, unknown>;
  /**
   * Evidence per non-null scalar, keyed by field path: `dob`, `patient.name`, `lineItems[0].amount`,
   * `diagnosisCodes[1]`.
   */
  evidence: Record<string, FieldEvidence>;
  /**
   * Field paths a person should check: values whose confidence is below the review threshold, and,
   * when nothing could be read or the time budget ran out, every field left empty.
   */
  needsReview?: string[];
  /** Which provider produced the result (after any fallback). */
  provider: ProviderName;
  /** Generation statistics, when a language model ran. */
  stats?: GenerationStats;
  /**
   * Set when the configured provider failed and `rules` answered instead (`provider_error`: it threw
   * something unexpected rather than an ExtractionProviderError).
   */
  fallback?: { from: ProviderName; code: ExtractionProviderError['code'] | 'provider_error' };
}

export interface GenerationStats {
  promptTokens: number;
  generatedTokens: number;
  promptMs: number;
  generationMs: number;
  chunks: number;
}

export interface ExtractionProvider {
  readonly name: ProviderName;
  extract(request: ExtractionRequest): Promise<ExtractionResult>;
  /** Releases worker threads and models. */
  close(): Promise<void>;
}

/** Infrastructure failures (model missing, LAN server down). Missing data is never one of these. */
export class ExtractionProviderError extends Error {
  constructor(
    readonly code:
      | 'model_unavailable'
      | 'provider_unreachable'
      | 'provider_timeout'
      | 'provider_bad_response'
      | 'aborted',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExtractionProviderError';
  }
}
