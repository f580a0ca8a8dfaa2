// A partner's integration settings: where webhooks go, the extraction schema, and how long faxes
// are kept. Absent rows read as defaults so a new partner needs no setup to use the API.

import type { Clock } from '../clock.ts';
import type { ExtractionSchema } from '../extraction/extraction-schema.ts';
import { DEFAULT_REVIEW_THRESHOLD } from '../extraction/review.ts';
import { DEFAULT_RETENTION_DAYS } from '../numbers/tiers.ts';
import type { Db } from '../storage/database.ts';
import type { PartnerSettings } from './settings-schema.ts';

/**
 * What the `partner_settings` row holds: the API's PartnerSettings without the fields derived
 * elsewhere (tier caps, webhook secret state), with the extraction schema typed for the pipeline.
 */
export interface StoredSettings
  extends Omit<PartnerSettings, 'extractionSchema' | 'retentionCaps' | 'webhookSecretConfigured'> {
  extractionSchema: ExtractionSchema | null;
}

/** A checked change: only the fields present change. */
export type StoredSettingsPatch = Partial<Omit<StoredSettings, 'updatedAt'>>;

export class SettingsRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  get(partnerId: string): StoredSettings {
    const row = this.db.prepare('SELECT * FROM partner_settings WHERE partner_id = ?').get(partnerId) as
      | {
          webhook_url: string | null;
          extraction_schema: string | null;
          retention_days: number;
          review_threshold: number;
          updated_at: string;
        }
      | undefined;
    if (!row)
      return {
        webhookUrl: null,
        extractionSchema: null,
        retentionDays: DEFAULT_RETENTION_DAYS,
        reviewThreshold: DEFAULT_REVIEW_THRESHOLD,
        updatedAt: null,
      };
    return {
      webhookUrl: row.webhook_url,
      extractionSchema: row.extraction_schema ? JSON.parse(row.extraction_schema) : null,
      retentionDays: row.retention_days,
      reviewThreshold: row.review_threshold,
      updatedAt: row.updated_at,
    };
  }

  update(partnerId: string, patch: StoredSettingsPatch): StoredSettings {
    const next = { ...this.get(partnerId), ...patch };
    this.db
      .prepare(
        `INSERT INTO partner_settings (partner_id, webhook_url, extraction_schema, retention_days,
           review_threshold, updated_at)
         VALUES (@partnerId, @webhookUrl, @schema, @retentionDays, @reviewThreshold, @now)
         ON CONFLICT (partner_id) DO UPDATE SET webhook_url = @webhookUrl, extraction_schema = @schema,
           retention_days = @retentionDays, review_threshold = @reviewThreshold, updated_at = @now`,
      )
      .run({
        partnerId,
        webhookUrl: next.webhookUrl,
        schema: next.extractionSchema ? JSON.stringify(next.extractionSchema) : null,
        retentionDays: next.retentionDays,
        reviewThreshold: next.reviewThreshold,
        now: this.clock.now().toISOString(),
      });
    return this.get(partnerId);
  }
}
