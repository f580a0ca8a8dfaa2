-- Retention beyond received faxes. Outbound documents are fax content too: they get a purge time
-- like received faxes (the sender's retention, set at submission); faxes sent before this change get
-- the default retention (30 days) from when they were submitted. Webhook events are purged by age.

UPDATE faxes SET purge_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+30 days')
  WHERE direction = 'outbound' AND purge_at IS NULL AND purged_at IS NULL;

CREATE INDEX webhook_events_created ON webhook_events (created_at);
