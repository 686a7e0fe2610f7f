-- Audit rows say where a request came from and why personal data was read: the client's
-- address, the purpose (the task or case the read served, e.g. `task:42`) and the personal
-- fields it exposed (a JSON array, e.g. ["party.id_number","party.phones"]). The hash chain
-- covers them on rows that have them; older rows keep their original hashes.
ALTER TABLE audit_events ADD COLUMN client_ip TEXT;
ALTER TABLE audit_events ADD COLUMN purpose TEXT;
ALTER TABLE audit_events ADD COLUMN fields TEXT;
