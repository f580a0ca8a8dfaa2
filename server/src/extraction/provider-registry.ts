// Builds the configured extraction provider. `layout` is the default; `llama` and `openai-compatible`
// run as a hybrid on top of it (hybrid-provider.ts) and fall back to layout alone on infrastructure
// failures, so a fax always gets its fax.extracted (missing fields null, never an error).

import type { ExtractionProvider } from './extraction-provider.ts';
import { createHybridProvider } from './hybrid-provider.ts';
import { createLayoutProvider } from './layout-provider.ts';
import { createLlamaProvider, type LlamaProviderConfig } from './llama-provider.ts';
import { createOpenAiCompatibleProvider, type OpenAiCompatibleConfig } from './openai-compatible-provider.ts';
import { createRulesProvider } from './rules-provider.ts';

interface Budget {
  /** Per-fax time budget (FAXSEAL_EXTRACTION_BUDGET_MS). */
  budgetMs?: number;
}

export type ExtractionConfig =
  | ({ provider: 'layout' } & Budget)
  | ({ provider: 'rules' } & Budget)
  | ({ provider: 'llama'; fallbackToRules?: boolean } & LlamaProviderConfig & Budget)
  | ({ provider: 'openai-compatible'; fallbackToRules?: boolean } & OpenAiCompatibleConfig & Budget);

export function createExtractionProvider(config: ExtractionConfig): ExtractionProvider {
  switch (config.provider) {
    case 'layout':
      return createLayoutProvider({ budgetMs: config.budgetMs });
    case 'rules':
      return createRulesProvider();
    case 'llama':
      return config.fallbackToRules === false
        ? createLlamaProvider(config)
        : createHybridProvider(createLlamaProvider(config), { budgetMs: config.budgetMs });
    case 'openai-compatible':
      return config.fallbackToRules === false
        ? createOpenAiCompatibleProvider(config)
        : createHybridProvider(createOpenAiCompatibleProvider(config), { budgetMs: config.budgetMs });
  }
}
