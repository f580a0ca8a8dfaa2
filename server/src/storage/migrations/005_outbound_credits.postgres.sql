-- twin of 005_outbound_credits.sql sha256:be745da80c93cba1
-- Outbound fax sending (documents, retries, callback URL on the fax row) and the credits ledger:
-- append-only entries with the balance after each, and one balance row per partner. (PostgreSQL:
-- 005_outbound_credits.sql with the append-only triggers in PL/pgSQL.)

ALTER TABLE faxes ADD COLUMN callback_url TEXT;
-- {subject, notes} when the partner asked for a cover page (rendered with the document).
ALTER TABLE faxes ADD COLUMN cover TEXT;
-- The rendered fax pages (multi-page T.6 TIFF) once the document has been rasterised.
ALTER TABLE faxes ADD COLUMN tiff_blob TEXT;
ALTER TABLE faxes ADD COLUMN send_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE faxes ADD COLUMN next_attempt_at TEXT;
ALTER TABLE faxes ADD COLUMN credits_reserved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE faxes ADD COLUMN failure_detail TEXT;
ALTER TABLE faxes ADD COLUMN sip_status INTEGER;
CREATE INDEX faxes_outbound ON faxes (partner_id, direction, id);

CREATE TABLE credit_balances (
  partner_id TEXT PRIMARY KEY REFERENCES partners (id),
  balance INTEGER NOT NULL CHECK (balance >= 0),
  -- 1 once the low-balance email for the current crossing went out; reset when the balance recovers.
  low_balance_notified INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);

CREATE TABLE credit_entries (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners (id),
  -- Signed: reservations are negative, grants and refunds positive.
  amount INTEGER NOT NULL CHECK (amount <> 0),
  balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
  reason TEXT NOT NULL CHECK (reason IN ('grant', 'adjustment', 'purchase', 'fax_reservation', 'fax_refund')),
  fax_id TEXT REFERENCES faxes (id),
  note TEXT,
  -- Who made it: `operator:<username>`, `cli`, `system`.
  actor TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX credit_entries_partner ON credit_entries (partner_id, id);
CREATE INDEX credit_entries_fax ON credit_entries (fax_id);

-- The ledger is append-only: corrections are new entries, never edits.
CREATE FUNCTION credit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit entries are append-only';
END;
$$;
CREATE TRIGGER credit_entries_no_update BEFORE UPDATE ON credit_entries
  FOR EACH ROW EXECUTE FUNCTION credit_entries_append_only();
CREATE TRIGGER credit_entries_no_delete BEFORE DELETE ON credit_entries
  FOR EACH ROW EXECUTE FUNCTION credit_entries_append_only();
