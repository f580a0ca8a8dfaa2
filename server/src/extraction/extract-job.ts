// The `fax.extract` job: a fax's OCR pages and schema snapshot through the configured provider, then the
// result and its `fax.extracted` event committed in one transaction. Idempotent; a provider failure
// falls back to `layout`, so every fax with a schema gets its event.

import type { Logger } from 'pino';
import { DomainError } from '../domain-error.ts';
import type { Job, JobQueue } from '../jobs/job-queue.ts';
import type { Services } from '../services.ts';
import { faxReceivedPayload } from '../webhooks/webhook-event.ts';
import { type ActiveProvider, modelStoreFor, resolveActiveProvider } from './active-provider.ts';
import {
  type ExtractionProvider,
  ExtractionProviderError,
  type ExtractionResult,
  type FieldEvidence,
  type ProviderName,
} from './extraction-provider.ts';
import type { ExtractionSchema } from './extraction-schema.ts';
import { createLayoutProvider } from './layout-provider.ts';
import { createExtractionProvider } from './provider-registry.ts';
import { needsReviewPaths } from './review.ts';

export const FAX_EXTRACT_JOB = 'fax.extract';

export interface FaxExtractPayload {
  faxId: string;
}

/** What `faxes.extraction_evidence` holds: the evidence per field path, and who produced it. */
export interface StoredEvidence {
  provider: ProviderName;
  /** Set when the configured provider failed and `layout` answered instead. */
  fallback: { from: ProviderName; code: string } | null;
  fields: Record<string, FieldEvidence>;
  /** As sent in fax.extracted (absent in results stored before it existed). */
  needsReview?: string[];
}

/** The job every fax with a schema gets after OCR (the pipeline enqueues it with this key). */
export function enqueueExtraction({ jobs }: { jobs: JobQueue }, faxId: string): string {
  return jobs.enqueue(FAX_EXTRACT_JOB, { faxId } satisfies FaxExtractPayload, {
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
  /**
   * Runs `schema` on one fax's OCR pages and returns the result without storing or sending anything:
   * the schema editor's "test this schema on a received fax".
   */
  trial(schema: ExtractionSchema, faxId: string, partnerId: string): Promise<ExtractionResult>;
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
  const layout = createLayoutProvider({ budgetMs: services.config.extractionBudgetMs });
  const { faxes } = services;
  const stopping = new AbortController();
  log.info(
    { provider: provider.name, chosen: active.chosen, ...active.settings },
    'extraction provider ready',
  );

  const extract = async (
    schema: ExtractionSchema,
    faxId: string,
    partnerId: string,
  ): Promise<ExtractionResult> => {
    const pages = faxes.ocrPages(faxId);
    const request = {
      schema,
      pages,
      signal: stopping.signal,
      budgetMs: services.config.extractionBudgetMs,
      reviewThreshold: services.settings.get(partnerId).reviewThreshold,
    };
    let result: ExtractionResult;
    try {
      result = await provider.extract(request);
    } catch (err) {
      // The registry already falls back on infrastructure failures; this catches a provider's own bug.
      if (stopping.signal.aborted || provider.name === 'layout') throw err;
      const code = err instanceof ExtractionProviderError ? err.code : 'provider_error';
      log.error({ faxId, provider: provider.name, code, err: (err as Error).message }, 'provider failed');
      result = { ...(await layout.extract(request)), fallback: { from: provider.name, code } };
    }
    // Providers that do not judge their own readings (rules, a bare model) get needsReview here.
    result.needsReview ??= needsReviewPaths(schema, result, { threshold: request.reviewThreshold });
    return result;
  };

  services.jobs.register<FaxExtractPayload>(
    FAX_EXTRACT_JOB,
    async (job: Job<FaxExtractPayload>) => {
      const { faxId } = job.payload;
      const fax = faxes.get(faxId);
      if (!fax || fax.purgedAt || fax.extractionStatus !== 'pending') return; // gone, or already answered
      const schema = fax.extractionSchema;
      if (!schema || fax.ocrStatus !== 'done') {
        faxes.endExtraction(faxId, 'skipped');
        log.info({ faxId, ocrStatus: fax.ocrStatus, schema: Boolean(schema) }, 'nothing to extract');
        return;
      }
      const started = performance.now();
      let result: ExtractionResult;
      try {
        result = await extract(schema, faxId, fax.partnerId);
      } catch (err) {
        if (job.attempts >= job.maxAttempts && !stopping.signal.aborted) faxes.endExtraction(faxId, 'failed');
        throw err;
      }
      const evidence: StoredEvidence = {
        provider: result.provider,
        fallback: result.fallback ?? null,
        fields: result.evidence,
        needsReview: result.needsReview ?? [],
      };
      const link = services.signedLinks.create(faxId, 'webhook');
      const committed = services.db.transaction(() => {
        // The snapshot read above: a re-extract in between changed it, and its own run answers.
        if (!faxes.completeExtraction(faxId, schema, result.data, evidence)) return false;
        services.webhooks.outbox.enqueue(fax.partnerId, 'fax.extracted', {
          ...faxReceivedPayload(fax, fax.externalUserId ?? '', fax.ocrText ?? '', link),
          extractedData: result.data,
          evidence: result.evidence,
          needsReview: result.needsReview ?? [],
        });
        return true;
      })();
      const summary = {
        faxId,
        provider: result.provider,
        fields: Object.keys(result.evidence).length,
        needsReview: result.needsReview?.length ?? 0,
        ms: Math.round(performance.now() - started),
        ...(result.fallback
          ? { fallbackFrom: result.fallback.from, fallbackCode: result.fallback.code }
          : {}),
        ...(committed ? {} : { superseded: true }),
      };
      if (result.fallback) log.warn(summary, 'fax extracted by layout: the configured provider failed');
      else log.info(summary, 'fax extracted');
      logContent(log, faxId, result);
    },
    // One at a time per language model (it holds the cores); layout reading takes milliseconds.
    { concurrency: provider.name === 'layout' || provider.name === 'rules' ? 2 : 1 },
  );

  return {
    active,
    trial: (schema, faxId, partnerId) => extract(schema, faxId, partnerId),
    async close() {
      stopping.abort();
      await Promise.allSettled([provider.close(), layout.close()]);
    },
  };
}

/**
 * Re-runs one fax with its partner's current schema: the fax takes that schema as its snapshot, turns
 * pending, and gets a new `fax.extract` job (the first one's unique key stays taken by its finished row).
 */
export function requestReExtraction(
  services: Pick<Services, 'db' | 'faxes' | 'jobs' | 'settings'>,
  partnerId: string,
  faxId: string,
): { jobId: string; schema: ExtractionSchema } {
  const { db, faxes } = services;
  return db.transaction(() => {
    const fax = faxes.getForPartner(partnerId, faxId);
    if (!fax) throw DomainError.notFound('fax_not_found', `No fax ${faxId} in your account.`);
    if (fax.purgedAt)
      throw DomainError.conflict('fax_purged', 'This fax was purged under your retention policy.');
    if (fax.ocrStatus !== 'done')
      throw DomainError.conflict('ocr_not_ready', 'This fax has no OCR text yet (or none could be read).');
    const schema = services.settings.get(partnerId).extractionSchema;
    if (!schema)
      throw DomainError.conflict(
        'extraction_schema_not_set',
        'Set `extractionSchema` in PATCH /api/partner/settings first.',
      );
    faxes.resetExtraction(faxId, schema);
    const jobId = services.jobs.enqueue(FAX_EXTRACT_JOB, { faxId } satisfies FaxExtractPayload);
    return { jobId, schema };
  })();
}

// Extracted values are fax content: only ever at debug level.
function logContent(log: Logger, faxId: string, result: ExtractionResult): void {
  if (log.isLevelEnabled('debug')) log.debug({ faxId, extractedData: result.data }, 'extracted data');
}
