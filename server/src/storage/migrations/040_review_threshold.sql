-- The confidence below which an extracted field is listed in fax.extracted's needsReview (API.md,
-- Webhooks): per partner, 0–1, default 0.8.
ALTER TABLE partner_settings ADD COLUMN review_threshold REAL NOT NULL DEFAULT 0.8
  CHECK (review_threshold >= 0 AND review_threshold <= 1);
