ALTER TABLE audit_events DROP COLUMN fields, DROP COLUMN purpose, DROP COLUMN client_ip;
