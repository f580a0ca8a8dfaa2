-- A recurring schedule's next run (the hourly retention purge, the month close on the 1st) is always
-- queued: marked, so "is work still in flight?" (a drain, a test that waits for the appliance to
-- settle, the console) can tell it from work that is due or retrying, without knowing job names.
ALTER TABLE jobs ADD COLUMN recurring INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET recurring = 1 WHERE kind IN ('retention.purge', 'billing.close-month');
