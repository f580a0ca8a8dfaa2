-- People: sign-in for portal accounts and operators (sessions, second factors, lockout), partner
-- teams (invites), one-time emailed tokens, narrowed API keys, operator tokens that can be listed
-- and revoked, and partner suspension. Portable SQL, as the foundation.

ALTER TABLE accounts ADD COLUMN email_verified_at TEXT;
ALTER TABLE accounts ADD COLUMN password_changed_at TEXT;
-- Accounts written before this migration were created by following the partner's verification
-- link, which proved the address.
UPDATE accounts SET email_verified_at = created_at;

ALTER TABLE operators ADD COLUMN disabled_at TEXT;
ALTER TABLE operators ADD COLUMN password_changed_at TEXT;

ALTER TABLE operator_tokens ADD COLUMN name TEXT NOT NULL DEFAULT 'admin token';
ALTER TABLE operator_tokens ADD COLUMN last_used_at TEXT;

-- JSON array of permission names; NULL = every partner permission (keys made before scopes).
ALTER TABLE api_keys ADD COLUMN scopes TEXT;

ALTER TABLE partners ADD COLUMN suspended_at TEXT;
ALTER TABLE partners ADD COLUMN suspension_reason TEXT;

-- One row per sign-in. The cookie carries a random secret; only its SHA-256 is kept here, so a
-- copy of the database opens no session. `expires_at` is the absolute limit, idle time runs from
-- `last_seen_at`.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  subject_type TEXT NOT NULL CHECK (subject_type IN ('account', 'operator')),
  subject_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ip TEXT,
  user_agent TEXT,
  revoked_at TEXT,
  revoked_reason TEXT
);
CREATE INDEX sessions_subject ON sessions (subject_type, subject_id, revoked_at);

-- TOTP second factors (RFC 6238) of accounts and operators: the shared secret sealed with the
-- master key, `enabled_at` NULL until the first code confirmed it, the last accepted time step
-- (a code works once).
CREATE TABLE second_factors (
  -- `<subject_type>:<subject_id>`: the id the sealed secret is bound to (master-key rotation).
  id TEXT PRIMARY KEY,
  subject_type TEXT NOT NULL CHECK (subject_type IN ('account', 'operator')),
  subject_id TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  enabled_at TEXT,
  last_time_step INTEGER,
  created_at TEXT NOT NULL,
  UNIQUE (subject_type, subject_id)
);

-- Single-use recovery codes, stored as SHA-256 hashes (each has 50 random bits and is throttled by
-- the sign-in lockout like a password).
CREATE TABLE recovery_codes (
  subject_type TEXT NOT NULL CHECK (subject_type IN ('account', 'operator')),
  subject_id TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  used_at TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (subject_type, subject_id, code_hash)
);

-- Emailed one-time links of accounts: password reset, the owner's first password at partner
-- verify, and the confirmation of a new email address. Hashed, single-use, expiring.
CREATE TABLE account_tokens (
  token_hash TEXT PRIMARY KEY,
  purpose TEXT NOT NULL CHECK (purpose IN ('password_reset', 'password_setup', 'email_change')),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  new_email TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose);

CREATE TABLE invites (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners (id),
  email TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'billing', 'developer')),
  token_hash TEXT NOT NULL UNIQUE,
  invited_by_type TEXT NOT NULL,
  invited_by_id TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  accepted_at TEXT,
  accepted_account_id TEXT REFERENCES accounts (id),
  revoked_at TEXT
);
CREATE INDEX invites_partner ON invites (partner_id, id);

-- Failed sign-ins per subject (`email:…`, `operator:…`, `ip:…`) inside the current window, and
-- until when the subject is locked. Rows exist for unknown emails too: a lockout reveals nothing.
CREATE TABLE sign_in_failures (
  subject TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_started_at TEXT NOT NULL,
  locked_until TEXT
);
