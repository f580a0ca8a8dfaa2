// The `openai-compatible` provider: a LAN inference server (vLLM, llama.cpp server, Ollama) asked through
// chat completions with JSON-schema structured output; per-attempt timeouts, retries, every value grounded.

import {
  type ExtractionProvider,
  ExtractionProviderError,
  type ExtractionRequest,
  type ExtractionResult,
} from './extraction-provider.ts';
import { toJsonSchema } from './extraction-schema.ts';
import { groundExtraction } from './grounding.ts';
import { parseJson } from './llama-provider.ts';
import { buildPrompt, chunkDocument, mergeCandidates } from './model-prompt.ts';
import { OcrDocument } from './ocr-document.ts';

export interface OpenAiCompatibleConfig {
  /** Up to and including the API version, e.g. `http://10.0.0.5:8000/v1` or `http://gpu-box:11434/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Per attempt (default 60 s: a cold model on the LAN box may need it). */
  timeoutMs?: number;
  /** Extra attempts after the first on timeouts, connection errors, 408/429/5xx (default 2). */
  retries?: number;
  /** Base of the exponential backoff between attempts (default 500 ms). */
  backoffMs?: number;
  maxChunkChars?: number;
}

interface ChatCompletion {
  choices?: { message?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

export function createOpenAiCompatibleProvider(config: OpenAiCompatibleConfig): ExtractionProvider {
  const url = `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const timeoutMs = config.timeoutMs ?? 60_000;
  const retries = config.retries ?? 2;
  const backoffMs = config.backoffMs ?? 500;

  const complete = async (body: unknown, signal?: AbortSignal): Promise<ChatCompletion> => {
    let lastError: ExtractionProviderError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1), signal);
      signal?.throwIfAborted();
      const attemptSignal = signal
        ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs);
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
          },
          body: JSON.stringify(body),
          signal: attemptSignal,
        });
        if (res.ok) return (await res.json()) as ChatCompletion;
        await res.body?.cancel();
        const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
        lastError = new ExtractionProviderError('provider_bad_response', `${url} answered ${res.status}`);
        if (!retryable) throw lastError;
      } catch (err) {
        if (err instanceof ExtractionProviderError && err === lastError) throw err;
        if (signal?.aborted)
          throw new ExtractionProviderError('aborted', 'extraction aborted', { cause: err });
        const timedOut = (err as Error).name === 'TimeoutError';
        lastError = new ExtractionProviderError(
          timedOut ? 'provider_timeout' : 'provider_unreachable',
          timedOut ? `${url} did not answer within ${timeoutMs} ms` : `${url}: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    throw lastError ?? new ExtractionProviderError('provider_unreachable', url);
  };

  return {
    name: 'openai-compatible',
    async extract({ schema, pages, signal }: ExtractionRequest): Promise<ExtractionResult> {
      const doc = new OcrDocument(pages);
      const schemaJson = toJsonSchema(schema);
      const candidates: unknown[] = [];
      const stats = { promptTokens: 0, generatedTokens: 0, promptMs: 0, generationMs: 0, chunks: 0 };
      for (const chunk of chunkDocument(doc, config.maxChunkChars ?? 24_000)) {
        const { system, user } = buildPrompt(schema, chunk);
        const started = performance.now();
        const completion = await complete(
          {
            model: config.model,
            temperature: 0,
            messages: [
              { role: 'system', content: system },
              { role: 'user', content: user },
            ],
            response_format: {
              type: 'json_schema',
              json_schema: { name: 'faxseal_extraction', strict: true, schema: schemaJson },
            },
          },
          signal,
        );
        stats.chunks++;
        stats.generationMs += performance.now() - started;
        stats.promptTokens += completion.usage?.prompt_tokens ?? 0;
        stats.generatedTokens += completion.usage?.completion_tokens ?? 0;
        candidates.push(parseJson(completion.choices?.[0]?.message?.content ?? ''));
      }
      const grounded = groundExtraction(schema, mergeCandidates(schema, candidates), doc);
      return { ...grounded, provider: 'openai-compatible', stats };
    },
    async close() {},
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new ExtractionProviderError('aborted', 'extraction aborted'));
      },
      { once: true },
    );
  });
}
