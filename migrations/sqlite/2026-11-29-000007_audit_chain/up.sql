-- The audit trail becomes tamper-evident: each row stores the SHA-256 of its content and of the
-- previous row (a hash chain; `gridassist audit verify` walks it), and the table refuses UPDATE
-- and DELETE. Rows written before this migration form an unchained prefix.
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
