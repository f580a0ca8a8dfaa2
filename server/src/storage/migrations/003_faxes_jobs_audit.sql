-- Faxes and their pages, the durable job queue, and the hash-chained audit log.

CREATE TABLE faxes (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners (id),
  number_id TEXT REFERENCES numbers (id),
  shadow_user_id TEXT REFERENCES shadow_users (id),
  direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  -- inbound: received | partial | failed; outbound: queued | sending | delivered | failed | canceled
  status TEXT NOT NULL,
  from_number TEXT,
  to_number TEXT,
  call_id TEXT,
  trunk_id TEXT REFERENCES trunks (id),
  transport TEXT CHECK (transport IN ('t38', 'audio')),
  pages INTEGER NOT NULL DEFAULT 0,
  remote_station_id TEXT,
  bit_rate INTEGER,
  ecm INTEGER,
  resolution TEXT,
  t30_code INTEGER,
  t30_text TEXT,
  started_at TEXT,
  completed_at TEXT,
  duration_ms INTEGER,
  overage INTEGER NOT NULL DEFAULT 0,
  pdf_blob TEXT,
  ocr_status TEXT NOT NULL DEFAULT 'pending' CHECK (ocr_status IN ('pending', 'done', 'failed', 'skipped')),
  ocr_text TEXT,
  ocr_confidence REAL,
  extraction_status TEXT NOT NULL DEFAULT 'pending' CHECK (extraction_status IN ('pending', 'done', 'failed', 'skipped')),
  extracted_data TEXT,
  extraction_evidence TEXT,
  failure_code TEXT,
  retryable INTEGER,
  pages_delivered INTEGER,
  purge_at TEXT,
  purged_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX faxes_partner ON faxes (partner_id, id);
CREATE INDEX faxes_user ON faxes (shadow_user_id, id);
CREATE INDEX faxes_purge ON faxes (purge_at) WHERE purged_at IS NULL;
CREATE INDEX faxes_number_month ON faxes (number_id, created_at);

CREATE TABLE fax_pages (
  fax_id TEXT NOT NULL REFERENCES faxes (id),
  page INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  x_resolution INTEGER NOT NULL,
  y_resolution INTEGER NOT NULL,
  image_blob TEXT,
  ocr_text TEXT,
  ocr_confidence REAL,
  ocr_words TEXT,
  PRIMARY KEY (fax_id, page)
);

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  -- At most one live job per unique key (e.g. one OCR job per fax).
  unique_key TEXT UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_at TEXT NOT NULL,
  lease_until TEXT,
  locked_by TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX jobs_due ON jobs (kind, status, run_at);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT,
  action TEXT NOT NULL,
  target_type TEXT,
  target_id TEXT,
  partner_id TEXT,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);
CREATE INDEX audit_log_partner ON audit_log (partner_id, seq);
