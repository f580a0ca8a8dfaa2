// The `fax.extract` job: a fax's OCR pages and schema snapshot through the configured provider, then the
// result and its `fax.extracted` event committed in one transaction. Idempotent; a provider failure
// falls back to `rules`, so every fax with a schema gets its event.

import type { Logger } from 'pino';
import { type ActiveProvider, modelStoreFor, resolveActiveProvider } from '../extraction/active-provider.ts';
import {
  type ExtractionProvider,
  ExtractionProviderError,
  type ExtractionResult,
} from '../extraction/extraction-provider.ts';
import type { ExtractionSchema } from '../extraction/extraction-schema.ts';
import { FaxExtractionRepository, type StoredEvidence } from '../extraction/fax-extraction-repository.ts';
import { createExtractionProvider } from '../extraction/provider-registry.ts';
import { createRulesProvider } from '../extraction/rules-provider.ts';
import type { Job } from '../jobs/job-queue.ts';
import type { Services } from '../services.ts';
import { faxReceivedPayload } from './fax-received.ts';

export const FAX_EXTRACT_JOB = 'fax.extract';

export interface FaxExtractPayload {
  faxId: string;
}

/** The job every fax with a schema gets after OCR (the pipeline enqueues it with this key). */
export function enqueueExtraction(services: Pick<Services, 'jobs'>, faxId: string): string {
  return services.jobs.enqueue(FAX_EXTRACT_JOB, { faxId } satisfies FaxExtractPayload, {
    uniqueKey: `extract:${faxId}`,
  });
}

export interface ExtractionOptions {
  /** Runs instead of the provider configuration selects (tests, benches). Closed by close(). */
  provider?: ExtractionProvider;
}

export interface ExtractionRuntime {
  /** What runs, and why (configured or chosen from models/). */
  readonly active: ActiveProvider;
  /** Aborts a running extraction (its job is retried on the next start) and releases the provider. */
  close(): Promise<void>;
}

/**
 * Registers the `fax.extract` handler. Call once, before `services.jobs.start()`:
 *   const extraction = registerExtraction(services);
 * and `await extraction.close()` when the appliance stops.
 */
export function registerExtraction(services: Services, options: ExtractionOptions = {}): ExtractionRuntime {
  const log = services.log.child({ module: 'extraction' });
  const active = resolveActiveProvider(services.config, modelStoreFor(services.config));
  const provider = options.provider ?? createExtractionProvider(active.config);
  const rules = createRulesProvider();
  const repo = new FaxExtractionRepository(services.db);
  const stopping = new AbortController();
  log.info(
    { provider: provider.name, chosen: active.chosen, ...active.settings },
    'extraction provider ready',
  );

  const extract = async (schema: ExtractionSchema, faxId: string): Promise<ExtractionResult> => {
    const pages = repo.ocrPages(faxId);
    try {
      return await provider.extract({ schema, pages, signal: stopping.signal });
    } catch (err) {
      // The registry already falls back on infrastructure failures; this catches a provider's own bug.
      if (stopping.signal.aborted || provider.name === 'rules') throw err;
      const code = err instanceof ExtractionProviderError ? err.code : 'provider_error';
      log.error({ faxId, provider: provider.name, code, err: (err as Error).message }, 'provider failed');
      return { ...(await rules.extract({ schema, pages })), fallback: { from: provider.name, code } };
    }
  };

  services.jobs.register<FaxExtractPayload>(
    FAX_EXTRACT_JOB,
    async (job: Job<FaxExtractPayload>) => {
      const { faxId } = job.payload;
      const fax = repo.subject(faxId);
      if (!fax || fax.purgedAt || fax.extractionStatus !== 'pending') return; // gone, or already answered
      if (!fax.schemaJson || fax.ocrStatus !== 'done') {
        repo.finish(faxId, 'skipped');
        log.info({ faxId, ocrStatus: fax.ocrStatus, schema: Boolean(fax.schemaJson) }, 'nothing to extract');
        return;
      }
      const started = performance.now();
      let result: ExtractionResult;
      try {
        result = await extract(JSON.parse(fax.schemaJson) as ExtractionSchema, faxId);
      } catch (err) {
        if (job.attempts >= job.maxAttempts && !stopping.signal.aborted) repo.finish(faxId, 'failed');
        throw err;
      }
      const evidence: StoredEvidence = {
        provider: result.provider,
        fallback: result.fallback ?? null,
        fields: result.evidence,
      };
      const link = services.signedLinks.create(faxId);
      const committed = services.db.transaction(() => {
        if (!repo.complete(faxId, fax.schemaJson as string, result.data, evidence)) return false;
        services.webhooks.outbox.enqueue(fax.partnerId, 'fax.extracted', {
          ...faxReceivedPayload(fax, fax.externalUserId ?? '', fax.ocrText ?? '', link),
          extractedData: result.data,
          evidence: result.evidence,
        });
        return true;
      })();
      const summary = {
        faxId,
        provider: result.provider,
        fields: Object.keys(result.evidence).length,
        ms: Math.round(performance.now() - started),
        ...(result.fallback
          ? { fallbackFrom: result.fallback.from, fallbackCode: result.fallback.code }
          : {}),
        ...(committed ? {} : { superseded: true }),
      };
      if (result.fallback) log.warn(summary, 'fax extracted by rules: the configured provider failed');
      else log.info(summary, 'fax extracted');
      logContent(log, faxId, result);
    },
    // One at a time per language model (it holds the cores); rules take milliseconds.
    { concurrency: provider.name === 'rules' ? 2 : 1 },
  );

  return {
    active,
    async close() {
      stopping.abort();
      await Promise.allSettled([provider.close(), rules.close()]);
    },
  };
}

export type ReExtraction =
  | { ok: true; jobId: string; schema: ExtractionSchema }
  | { ok: false; code: 'fax_not_found' | 'fax_purged' | 'ocr_not_ready' | 'extraction_schema_not_set' };

/**
 * Re-runs one fax with its partner's current schema: the fax takes that schema as its snapshot, turns
 * pending, and gets a new `fax.extract` job (the first one's unique key stays taken by its finished row).
 */
export function requestReExtraction(
  services: Pick<Services, 'db' | 'jobs' | 'settings'>,
  partnerId: string,
  faxId: string,
): ReExtraction {
  const repo = new FaxExtractionRepository(services.db);
  return services.db.transaction((): ReExtraction => {
    const fax = repo.subject(faxId, partnerId);
    if (!fax) return { ok: false, code: 'fax_not_found' };
    if (fax.purgedAt) return { ok: false, code: 'fax_purged' };
    if (fax.ocrStatus !== 'done') return { ok: false, code: 'ocr_not_ready' };
    const schema = services.settings.get(partnerId).extractionSchema;
    if (!schema) return { ok: false, code: 'extraction_schema_not_set' };
    repo.reset(faxId, schema);
    const jobId = services.jobs.enqueue(FAX_EXTRACT_JOB, { faxId } satisfies FaxExtractPayload);
    return { ok: true, jobId, schema };
  })();
}

// Extracted values are fax content: only ever at debug level.
function logContent(log: Logger, faxId: string, result: ExtractionResult): void {
  if (log.isLevelEnabled('debug')) log.debug({ faxId, extractedData: result.data }, 'extracted data');
}
