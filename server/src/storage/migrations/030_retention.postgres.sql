-- twin of 030_retention.sql sha256:4e93a176a5e763dd
-- Retention beyond received faxes. Outbound documents are fax content too: they get a purge time
-- like received faxes (the sender's retention, set at submission); faxes sent before this change get
-- the default retention (30 days) from when they were submitted. Webhook events are purged by age.
-- (PostgreSQL: the date arithmetic in its words; the text keeps SQLite's ISO form with milliseconds.)

UPDATE faxes
  SET purge_at = to_char((created_at::timestamptz + interval '30 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  WHERE direction = 'outbound' AND purge_at IS NULL AND purged_at IS NULL;

CREATE INDEX webhook_events_created ON webhook_events (created_at);
