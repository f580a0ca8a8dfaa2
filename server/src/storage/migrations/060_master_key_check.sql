-- One row: the check value of the master key this database's sealed values are under (derived
-- from the key, never the key). Written at the first start, compared at every start, so a node
-- with another FAXSEAL_MASTER_KEY refuses to start instead of failing every document it opens.
CREATE TABLE master_key_check (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  check_value TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
