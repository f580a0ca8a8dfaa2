-- SIP over TLS trunks. The transport column's CHECK (udp, tcp) cannot be widened in place: SQLite rebuilds a
-- table for that, and a rebuild of a table other tables reference needs foreign keys off, which a migration
-- (one transaction) cannot switch. So a TLS trunk is stored as transport 'tcp' (TLS runs over TCP) with
-- `tls` = 1, and the trunk repository shows it as transport 'tls'.
ALTER TABLE trunks ADD COLUMN tls INTEGER NOT NULL DEFAULT 0 CHECK (tls IN (0, 1) AND (tls = 0 OR transport = 'tcp'));
