-- twin of 034_seal_content_columns.sql sha256:b7eebb9964162b06
-- Fax content, email bodies and replayable responses become sealed with the master key (issue 15
-- item 2). SQL cannot seal: the backlog lists the columns whose existing rows are still clear, and
-- the first start after this migration seals them (SealedColumnRepository.sealBacklog) before any
-- service reads them.

-- Sealed bodies cannot be searched with json_extract: the fax an event is about gets its own column.
ALTER TABLE webhook_events ADD COLUMN fax_id TEXT;
-- (PostgreSQL: the JSON field in its words.)
UPDATE webhook_events SET fax_id = body::json ->> 'faxId';
CREATE INDEX webhook_events_fax ON webhook_events (fax_id) WHERE fax_id IS NOT NULL;

CREATE TABLE column_sealing_backlog (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  PRIMARY KEY (table_name, column_name)
);
INSERT INTO column_sealing_backlog (table_name, column_name) VALUES
  ('faxes', 'ocr_text'),
  ('faxes', 'extracted_data'),
  ('faxes', 'extraction_evidence'),
  ('faxes', 'cover'),
  ('fax_pages', 'ocr_text'),
  ('fax_pages', 'ocr_words'),
  ('webhook_events', 'body'),
  ('emails', 'body_text'),
  ('idempotency_records', 'response_body');
