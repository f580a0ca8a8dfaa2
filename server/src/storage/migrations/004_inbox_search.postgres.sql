-- twin of 004_inbox_search.sql sha256:7ce6d1848277a1ee
-- The inbound pipeline's bookkeeping, inbox full-text search and retention reports (PostgreSQL:
-- 004_inbox_search.sql's FTS5 table becomes a tsvector column with a GIN index).

ALTER TABLE faxes ADD COLUMN extraction_schema TEXT;
ALTER TABLE faxes ADD COLUMN received_event_id TEXT;
ALTER TABLE faxes ADD COLUMN ocr_completed_at TEXT;
ALTER TABLE faxes ADD COLUMN search_rowid INTEGER;
CREATE UNIQUE INDEX faxes_search_rowid ON faxes (search_rowid) WHERE search_rowid IS NOT NULL;

-- OCR text of each fax, one row per fax. `document` holds the words as FTS5's unicode61 tokenizer
-- with remove_diacritics would split them (dialect.ts searchTokens does the same for queries): lower
-- case, accents on Latin letters dropped, every run of other characters a separator (so INV-2024-00871 is
-- the phrase inv 2024 00871, as in SQLite).
CREATE TABLE fax_search (
  rowid INTEGER PRIMARY KEY,
  ocr_text TEXT NOT NULL,
  document tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', regexp_replace(
      translate(lower(ocr_text), 'àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęěĝğġģĥĩīĭįĵķĺļľńņňōŏőŕŗřśŝşšţťũūŭůűųŵŷźżžơưǎǐǒǔǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳ',
        'aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeeegggghiiiijklllnnnooorrrssssttuuuuuuwyzzzouaiouuuuuaagkoojgnaaaeeiioorruusthaeooooy'),
      '[^[:alnum:]]+', ' ', 'g'))
  ) STORED
);
CREATE INDEX fax_search_document ON fax_search USING GIN (document);

-- One row per retention purge run: what the auditor's retention report lists.
CREATE TABLE purge_reports (
  id INTEGER PRIMARY KEY,
  trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'cli')),
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  faxes_purged INTEGER NOT NULL,
  blobs_deleted INTEGER NOT NULL,
  fax_ids TEXT NOT NULL
);
