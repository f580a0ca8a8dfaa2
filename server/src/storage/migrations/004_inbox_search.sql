-- The inbound pipeline's bookkeeping, inbox full-text search and retention reports.

-- The partner's extraction schema as it was when the fax arrived: a schema change applies to faxes
-- received after it. NULL: no extraction for this fax.
ALTER TABLE faxes ADD COLUMN extraction_schema TEXT;
-- The one fax.received event of this fax: written with the OCR result, so a re-run never sends a second.
ALTER TABLE faxes ADD COLUMN received_event_id TEXT;
ALTER TABLE faxes ADD COLUMN ocr_completed_at TEXT;
-- The fax's row in fax_search (FTS5 rowids are integers; fax ids are not).
ALTER TABLE faxes ADD COLUMN search_rowid INTEGER;
CREATE UNIQUE INDEX faxes_search_rowid ON faxes (search_rowid) WHERE search_rowid IS NOT NULL;

-- OCR text of each fax, one row per fax. Kept apart from faxes so purge can drop it outright.
CREATE VIRTUAL TABLE fax_search USING fts5 (ocr_text, tokenize = 'unicode61 remove_diacritics 2');

-- One row per retention purge run: what the auditor's retention report lists.
CREATE TABLE purge_reports (
  id INTEGER PRIMARY KEY,
  trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'cli')),
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  faxes_purged INTEGER NOT NULL,
  blobs_deleted INTEGER NOT NULL,
  -- JSON array of the purged fax ids (metadata only).
  fax_ids TEXT NOT NULL
);
