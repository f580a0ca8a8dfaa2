// Layout reading and a language model together: what the layout extractor is sure of stays, the model
// (llama or openai-compatible) fills the rest from layout-preserving text one page at a time, every value
// is grounded in the OCR text, and where the two disagree the better-evidenced reading wins.

import type { OcrPage } from '../ocr/ocr-result.ts';
import {
  type ExtractionProvider,
  ExtractionProviderError,
  type ExtractionRequest,
  type ExtractionResult,
  type FieldEvidence,
  type GenerationStats,
} from './extraction-provider.ts';
import type { ExtractionSchema, SchemaField } from './extraction-schema.ts';
import { groundExtraction } from './grounding.ts';
import { LayoutPool } from './layout-pool.ts';
import { DEFAULT_BUDGET_MS } from './layout-provider.ts';
import { OcrDocument } from './ocr-document.ts';
import { layoutPage } from './page-layout.ts';
import { needsReviewPaths } from './review.ts';

/** Layout readings at or above this confidence are kept whatever the model says. */
export const SURE = 0.9;
/** Confidence of a value only the model found (grounded, but with no layout relation behind it). */
const MODEL_ONLY = 0.6;

export function createHybridProvider(
  model: ExtractionProvider,
  options: { budgetMs?: number } = {},
): ExtractionProvider {
  const reader = new LayoutPool();
  return {
    name: model.name,
    async extract(request: ExtractionRequest): Promise<ExtractionResult> {
      const budgetMs = request.budgetMs ?? options.budgetMs ?? DEFAULT_BUDGET_MS;
      const started = performance.now();
      const layout = await reader.read(request.schema, request.pages, {
        budgetMs,
        reviewThreshold: request.reviewThreshold,
        signal: request.signal,
      });
      const base = { data: layout.data, evidence: layout.evidence, needsReview: layout.needsReview };
      const open = openPaths(request.schema, layout.data, layout.evidence);
      if (layout.incomplete || open.length === 0) return { ...base, provider: model.name };

      const stats: GenerationStats = {
        promptTokens: 0,
        generatedTokens: 0,
        promptMs: 0,
        generationMs: 0,
        chunks: 0,
      };
      const answers: Record<string, unknown>[] = [];
      const doc = new OcrDocument(request.pages);
      try {
        for (const page of doc.pages) {
          const left = budgetMs - (performance.now() - started);
          if (left <= 0) break;
          const signal = request.signal
            ? AbortSignal.any([request.signal, AbortSignal.timeout(Math.ceil(left))])
            : AbortSignal.timeout(Math.ceil(left));
          try {
            const answer = await model.extract({
              schema: request.schema,
              pages: [layoutTextPage(page, doc)],
              signal,
            });
            answers.push(answer.data);
            if (answer.stats) addStats(stats, answer.stats);
          } catch (err) {
            // The budget ran out mid-page: keep what the earlier pages gave.
            if (err instanceof ExtractionProviderError && err.code === 'aborted' && !request.signal?.aborted)
              break;
            throw err;
          }
        }
      } catch (err) {
        if (!(err instanceof ExtractionProviderError) || err.code === 'aborted') throw err;
        return { ...base, provider: 'layout', fallback: { from: model.name, code: err.code } };
      }

      // Fill the open fields from the model's answers (first page that has one), then ground everything.
      const merged = structuredClone(layout.data);
      for (const path of open) {
        const answer = answers.map((a) => getPath(a, path)).find((v) => v !== null && v !== undefined);
        if (answer !== undefined) setPath(merged, path, answer);
      }
      const hints = new Map(
        [...layout.candidates].flatMap(([path, c]) => {
          const ws = c.words.filter((w) => w.start !== null);
          return ws.length
            ? [
                [
                  path,
                  {
                    page: c.page,
                    start: Math.min(...ws.map((w) => w.start!)),
                    end: Math.max(...ws.map((w) => w.end!)),
                  },
                ] as const,
              ]
            : [];
        }),
      );
      const grounded = groundExtraction(request.schema, merged, doc, hints);
      for (const [path, ev] of Object.entries(grounded.evidence)) {
        const fromLayout = layout.evidence[path];
        if (!fromLayout) ev.confidence = round(MODEL_ONLY * ev.confidence);
        else if (JSON.stringify(getPath(layout.data, path)) === JSON.stringify(getPath(grounded.data, path)))
          ev.confidence = fromLayout.confidence;
        else ev.confidence = round(Math.max(fromLayout.confidence, MODEL_ONLY) * ev.confidence);
      }
      const needsReview = needsReviewPaths(request.schema, grounded, { threshold: request.reviewThreshold });
      return { ...grounded, needsReview, provider: model.name, stats };
    },
    close: async () => {
      await Promise.all([model.close(), reader.close()]);
    },
  };
}

/** Leaf paths (and whole arrays) the layout reading left empty or is not sure of. */
function openPaths(
  schema: ExtractionSchema,
  data: Record<string, unknown>,
  evidence: Record<string, FieldEvidence>,
): string[] {
  const out: string[] = [];
  const walk = (fields: ExtractionSchema, value: Record<string, unknown>, prefix: string) => {
    for (const [name, field] of Object.entries(fields) as [string, SchemaField][]) {
      const path = prefix ? `${prefix}.${name}` : name;
      const v = value?.[name];
      if (field.type === 'object') walk(field.properties ?? {}, (v ?? {}) as Record<string, unknown>, path);
      else if (field.type === 'array') {
        if (v === null || v === undefined) out.push(path);
      } else if (v === null || v === undefined || (evidence[path]?.confidence ?? 0) < SURE) out.push(path);
    }
  };
  walk(schema, data, '');
  return out;
}

/**
 * A page's words laid out in character columns (each segment at its x position), so a model sees
 * labels beside and above their values as the form prints them rather than one stream of words.
 */
export function layoutTextPage(page: OcrPage, doc: OcrDocument): OcrPage {
  const layout = layoutPage(page, doc);
  const charWidth = Math.max(4, layout.unit * 0.55);
  const lines = layout.rows.map((ids) => {
    let line = '';
    for (const id of ids) {
      const seg = layout.segments[id];
      const col = Math.round(seg.bbox.x0 / charWidth);
      line += `${line.length && line.length >= col ? ' ' : ' '.repeat(Math.max(0, col - line.length))}${seg.text}`;
    }
    return line.trimEnd();
  });
  return { ...page, text: lines.join('\n'), words: [], lines: undefined, blocks: undefined };
}

function addStats(into: GenerationStats, s: GenerationStats): void {
  into.promptTokens += s.promptTokens;
  into.generatedTokens += s.generatedTokens;
  into.promptMs += s.promptMs;
  into.generationMs += s.generationMs;
  into.chunks += s.chunks;
}

function getPath(root: unknown, path: string): unknown {
  let node = root as Record<string, unknown> | null | undefined;
  for (const part of path.split('.')) {
    if (node === null || node === undefined || typeof node !== 'object') return undefined;
    node = node[part] as Record<string, unknown>;
  }
  return node;
}

function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = root;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
