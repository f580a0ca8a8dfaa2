-- Webhooks as an outbox: an event row is written in the same transaction as the state change that
-- caused it, with one delivery per target URL; the dispatcher logs every attempt it makes.
-- Portable SQL: ISO-8601 text timestamps (they sort as text), text ids, no engine-specific types.

CREATE TABLE webhook_events (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners (id),
  event_type TEXT NOT NULL,
  -- The exact JSON body sent on every attempt (the signature covers these bytes).
  body TEXT NOT NULL,
  -- A per-request callbackUrl that wins over the partner's webhook URL (outbound fax status).
  target_url TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX webhook_events_partner ON webhook_events (partner_id, id);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES webhook_events (id),
  partner_id TEXT NOT NULL REFERENCES partners (id),
  -- NULL when the partner had no endpoint: the delivery is `skipped` with reason `no_endpoint`.
  url TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed', 'skipped')),
  reason TEXT,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_status_code INTEGER,
  last_error TEXT,
  last_latency_ms INTEGER,
  -- A replay is a new delivery of the same event; it names the delivery it replays.
  replay_of TEXT REFERENCES webhook_deliveries (id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  completed_at TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_partner ON webhook_deliveries (partner_id, id);
CREATE INDEX webhook_deliveries_partner_status ON webhook_deliveries (partner_id, status, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
  attempt_number INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  status_code INTEGER,
  latency_ms INTEGER NOT NULL,
  error TEXT,
  response_excerpt TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt_number);
