// The `llama` provider: a GGUF model from models/ run by node-llama-cpp in a piscina pool (models stay warm
// per worker), the schema as a JSON-schema grammar, long faxes chunked and merged, every value grounded.

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { LlamaTask, LlamaTaskResult } from '../../../native-workers/extract/llama-worker.ts';
import {
  type ExtractionProvider,
  ExtractionProviderError,
  type ExtractionRequest,
  type ExtractionResult,
  type GenerationStats,
} from './extraction-provider.ts';
import { toJsonSchema } from './extraction-schema.ts';
import { groundExtraction } from './grounding.ts';
import { type ModelListing, ModelStore } from './model-catalog.ts';
import { buildPrompt, chunkDocument, estimateOutputTokens, mergeCandidates } from './model-prompt.ts';
import { OcrDocument } from './ocr-document.ts';

export interface LlamaProviderConfig {
  /** Catalog id, file name in `models/`, or a path to a `.gguf` file. */
  model: string;
  /** Worker threads in the pool, each holding the model once (default 1). */
  poolSize?: number;
  /** llama.cpp threads per worker (default: the cores divided among the pool). */
  threads?: number;
  /** First guess at how much OCR text fits one prompt; chunks shrink when the model says it overflows. */
  maxChunkChars?: number;
  store?: ModelStore;
}

// Node 20 worker threads do not inherit `--import tsx`: the .mjs entry registers tsx, then loads the .ts worker.
const WORKER = fileURLToPath(
  new URL('../../../native-workers/extract/llama-worker-entry.mjs', import.meta.url),
);

export function createLlamaProvider(config: LlamaProviderConfig): ExtractionProvider {
  const poolSize = config.poolSize ?? 1;
  const threads = config.threads ?? Math.max(1, Math.floor(availableParallelism() / poolSize));
  const store = config.store ?? new ModelStore();
  let verified: Promise<ModelListing> | undefined;
  const pool = new Piscina<LlamaTask, LlamaTaskResult>({
    filename: WORKER,
    minThreads: poolSize,
    maxThreads: poolSize,
    idleTimeout: Number.POSITIVE_INFINITY,
  });

  const modelPath = async (): Promise<string> => {
    verified ??= store.verify(config.model);
    const listing = await verified;
    if (listing.status === 'missing' || listing.status === 'checksum_mismatch') {
      verified = undefined;
      throw new ExtractionProviderError('model_unavailable', `model ${config.model}: ${listing.status}`);
    }
    return listing.path;
  };

  return {
    name: 'llama',
    async extract({ schema, pages, signal }: ExtractionRequest): Promise<ExtractionResult> {
      const path = await modelPath();
      const doc = new OcrDocument(pages);
      const jsonSchema = toJsonSchema(schema);
      const maxTokens = estimateOutputTokens(schema);
      const stats: GenerationStats = {
        promptTokens: 0,
        generatedTokens: 0,
        promptMs: 0,
        generationMs: 0,
        chunks: 0,
      };
      const candidates: unknown[] = [];

      const run = async (text: string, depth: number): Promise<void> => {
        const { system, user } = buildPrompt(schema, text);
        let result: LlamaTaskResult;
        try {
          result = await pool.run(
            { modelPath: path, threads, system, user, jsonSchema, maxTokens },
            { signal },
          );
        } catch (err) {
          if (signal?.aborted)
            throw new ExtractionProviderError('aborted', 'extraction aborted', { cause: err });
          throw new ExtractionProviderError(
            'model_unavailable',
            `llama worker failed: ${(err as Error).message}`,
            { cause: err },
          );
        }
        if (!result.ok) {
          // Too long for the model's context: split in proportion to the overflow and try the halves.
          const ratio = (result.contextLimit - maxTokens - 64) / result.promptTokens;
          const size = Math.max(200, Math.floor(text.length * Math.min(0.5, ratio)));
          if (depth > 6 || size >= text.length) return;
          const parts = chunkDocument(new OcrDocument([{ ...pages[0], page: 1, text, words: [] }]), size);
          for (const part of parts) await run(part, depth + 1);
          return;
        }
        stats.chunks++;
        stats.promptTokens += result.promptTokens;
        stats.generatedTokens += result.generatedTokens;
        stats.promptMs += result.promptMs;
        stats.generationMs += result.generationMs;
        candidates.push(parseJson(result.text));
      };

      for (const chunk of chunkDocument(doc, config.maxChunkChars ?? 6000)) await run(chunk, 0);
      const grounded = groundExtraction(schema, mergeCandidates(schema, candidates), doc);
      return { ...grounded, provider: 'llama', stats };
    },
    async close() {
      await pool.destroy();
    },
  };
}

/** Generated text → JSON; a truncated or malformed answer counts as "nothing found", never as an error. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
