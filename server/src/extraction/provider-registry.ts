// Builds the configured extraction provider; language-model providers fall back to `rules` on
// infrastructure failures so a fax always gets its fax.extracted (missing fields null, never an error).

import {
  type ExtractionProvider,
  ExtractionProviderError,
  type ExtractionRequest,
  type ExtractionResult,
} from './extraction-provider.ts';
import { createLlamaProvider, type LlamaProviderConfig } from './llama-provider.ts';
import { createOpenAiCompatibleProvider, type OpenAiCompatibleConfig } from './openai-compatible-provider.ts';
import { createRulesProvider } from './rules-provider.ts';

export type ExtractionConfig =
  | { provider: 'rules' }
  | ({ provider: 'llama'; fallbackToRules?: boolean } & LlamaProviderConfig)
  | ({ provider: 'openai-compatible'; fallbackToRules?: boolean } & OpenAiCompatibleConfig);

export function createExtractionProvider(config: ExtractionConfig): ExtractionProvider {
  switch (config.provider) {
    case 'rules':
      return createRulesProvider();
    case 'llama':
      return config.fallbackToRules === false
        ? createLlamaProvider(config)
        : withRulesFallback(createLlamaProvider(config));
    case 'openai-compatible':
      return config.fallbackToRules === false
        ? createOpenAiCompatibleProvider(config)
        : withRulesFallback(createOpenAiCompatibleProvider(config));
  }
}

/** Runs `rules` when `primary` fails for infrastructure reasons (not when the caller aborted). */
export function withRulesFallback(primary: ExtractionProvider): ExtractionProvider {
  const rules = createRulesProvider();
  return {
    name: primary.name,
    async extract(request: ExtractionRequest): Promise<ExtractionResult> {
      try {
        return await primary.extract(request);
      } catch (err) {
        if (!(err instanceof ExtractionProviderError) || err.code === 'aborted') throw err;
        const result = await rules.extract(request);
        return { ...result, fallback: { from: primary.name, code: err.code } };
      }
    },
    close: () => primary.close(),
  };
}
