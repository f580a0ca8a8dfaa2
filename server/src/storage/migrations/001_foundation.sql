-- Foundation: partners and their keys, portal accounts, the DID pool, shadow users and numbers,
-- partner settings, webhook secrets, the email outbox, idempotency records and operators.
-- Portable SQL: ISO-8601 text timestamps, text ids, no engine-specific types.

CREATE TABLE partner_applications (
  id TEXT PRIMARY KEY,
  company_name TEXT NOT NULL,
  email TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  expires_at TEXT NOT NULL,
  used_at TEXT,
  partner_id TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX partner_applications_email ON partner_applications (email);

CREATE TABLE partners (
  id TEXT PRIMARY KEY,
  company_name TEXT NOT NULL,
  email TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at TEXT NOT NULL
);

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT,
  created_at TEXT NOT NULL
);

CREATE TABLE memberships (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  partner_id TEXT NOT NULL REFERENCES partners (id),
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'billing', 'developer')),
  created_at TEXT NOT NULL,
  PRIMARY KEY (account_id, partner_id)
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners (id),
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  rate_limit_per_minute INTEGER,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE INDEX api_keys_partner ON api_keys (partner_id);

CREATE TABLE trunks (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  mode TEXT NOT NULL CHECK (mode IN ('peer', 'register')),
  host TEXT NOT NULL,
  port INTEGER NOT NULL,
  transport TEXT NOT NULL CHECK (transport IN ('udp', 'tcp')),
  username TEXT,
  password_sealed TEXT,
  allowed_ips TEXT NOT NULL DEFAULT '[]',
  outbound INTEGER NOT NULL DEFAULT 0,
  codecs TEXT NOT NULL DEFAULT '["pcmu","pcma"]',
  t38 INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);

CREATE TABLE dids (
  id TEXT PRIMARY KEY,
  e164 TEXT NOT NULL UNIQUE,
  area_code TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('available', 'assigned', 'quarantined', 'disabled')),
  quarantined_until TEXT,
  trunk_id TEXT REFERENCES trunks (id),
  source TEXT NOT NULL,
  created_at TEXT NOT NULL
);
-- Claiming a DID reads the first free one in order: these keep it an index seek, not a scan.
CREATE INDEX dids_status_number ON dids (status, e164);
CREATE INDEX dids_status_area_number ON dids (status, area_code, e164);
CREATE INDEX dids_quarantine ON dids (status, quarantined_until);

CREATE TABLE shadow_users (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners (id),
  external_user_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (partner_id, external_user_id)
);

CREATE TABLE numbers (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners (id),
  shadow_user_id TEXT NOT NULL REFERENCES shadow_users (id),
  did_id TEXT NOT NULL REFERENCES dids (id),
  e164 TEXT NOT NULL,
  tier TEXT NOT NULL CHECK (tier IN ('personal', 'business')),
  status TEXT NOT NULL CHECK (status IN ('active', 'released')),
  created_at TEXT NOT NULL,
  released_at TEXT
);
-- One active number per shadow user and per DID: the database, not the code, forbids sharing.
CREATE UNIQUE INDEX numbers_active_user ON numbers (shadow_user_id) WHERE status = 'active';
CREATE UNIQUE INDEX numbers_active_did ON numbers (did_id) WHERE status = 'active';
CREATE INDEX numbers_partner ON numbers (partner_id, id);
CREATE INDEX numbers_e164 ON numbers (e164, status);

CREATE TABLE partner_settings (
  partner_id TEXT PRIMARY KEY REFERENCES partners (id),
  webhook_url TEXT,
  extraction_schema TEXT,
  retention_days INTEGER NOT NULL DEFAULT 30,
  updated_at TEXT NOT NULL
);

CREATE TABLE webhook_secrets (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners (id),
  secret_sealed TEXT NOT NULL,
  created_at TEXT NOT NULL,
  -- NULL while current; set to rotation time + 24 h when replaced (it keeps signing until then).
  expires_at TEXT
);
CREATE INDEX webhook_secrets_partner ON webhook_secrets (partner_id);

CREATE TABLE emails (
  id TEXT PRIMARY KEY,
  to_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  body_text TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'kept')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT
);
CREATE INDEX emails_status ON emails (status);

CREATE TABLE idempotency_records (
  scope TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status_code INTEGER,
  response_body TEXT,
  response_type TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (scope, idempotency_key)
);
CREATE INDEX idempotency_records_created ON idempotency_records (created_at);

CREATE TABLE operators (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('superadmin', 'operator', 'auditor')),
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);

CREATE TABLE operator_tokens (
  id TEXT PRIMARY KEY,
  operator_id TEXT NOT NULL REFERENCES operators (id),
  prefix TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
