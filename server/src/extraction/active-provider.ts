// Which extraction provider this appliance runs, decided once from configuration and the models folder:
// FAXSEAL_EXTRACTION_PROVIDER when set, else `llama` (the layout hybrid) as soon as a usable GGUF sits in
// models/, else `layout`.

import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { ProviderName } from './extraction-provider.ts';
import { type ModelListing, ModelStore } from './model-catalog.ts';
import type { Provider } from './model-schema.ts';
import type { ExtractionConfig } from './provider-registry.ts';

/**
 * The admin API's Provider (`chosen`: FAXSEAL_EXTRACTION_PROVIDER says so, or chosen from what models/
 * holds; `settings`: what an operator may see, never a secret) and what createExtractionProvider() needs.
 */
export interface ActiveProvider extends Provider {
  name: ProviderName;
  config: ExtractionConfig;
}

/** The model store of this appliance: its models folder, its verification cache in the data directory. */
export function modelStoreFor(config: Config): ModelStore {
  return new ModelStore({
    modelsDir: config.modelsDir,
    cacheFile: path.join(config.dataDir, 'model-verification.json'),
  });
}

// A file that is present and not known to be corrupt; its checksum is verified when it loads.
const LOADABLE: ReadonlySet<ModelListing['status']> = new Set(['verified', 'unverified', 'uncatalogued']);

/** The first model the `llama` provider may load without being told which (catalog order, then others). */
export function firstUsableModel(store: ModelStore): ModelListing | null {
  return store.list().find((m) => LOADABLE.has(m.status)) ?? null;
}

export function resolveActiveProvider(
  config: Config,
  store: ModelStore = modelStoreFor(config),
): ActiveProvider {
  const model = config.llamaModel ?? firstUsableModel(store)?.file ?? null;
  const name: ProviderName = config.extractionProvider ?? (model ? 'llama' : 'layout');
  const chosen = config.extractionProvider ? 'configured' : 'automatic';
  switch (name) {
    case 'layout':
    case 'rules':
      return { name, chosen, settings: {}, config: { provider: name, budgetMs: config.extractionBudgetMs } };
    case 'llama':
      return {
        name,
        chosen,
        settings: { model, modelsDir: store.modelsDir, threads: config.llamaThreads },
        // No model at all: the provider reports model_unavailable on each fax and layout answers instead.
        config: {
          provider: 'llama',
          model: model ?? '(none in models/)',
          threads: config.llamaThreads,
          store,
          budgetMs: config.extractionBudgetMs,
        },
      };
    case 'openai-compatible':
      return {
        name,
        chosen,
        settings: {
          baseUrl: config.openaiBaseUrl,
          model: config.openaiModel,
          apiKey: config.openaiApiKey ? '(set, hidden)' : null,
        },
        config: {
          provider: 'openai-compatible',
          // loadConfig refuses openai-compatible without both.
          baseUrl: config.openaiBaseUrl ?? '',
          model: config.openaiModel ?? '',
          budgetMs: config.extractionBudgetMs,
          ...(config.openaiApiKey ? { apiKey: config.openaiApiKey } : {}),
        },
      };
  }
}
