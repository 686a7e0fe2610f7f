ALTER TABLE audit_events DROP COLUMN fields;
ALTER TABLE audit_events DROP COLUMN purpose;
ALTER TABLE audit_events DROP COLUMN client_ip;
