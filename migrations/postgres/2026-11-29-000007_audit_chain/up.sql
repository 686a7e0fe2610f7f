-- The audit trail becomes tamper-evident: each row stores the SHA-256 of its content and of the
-- previous row (a hash chain; `gridassist audit verify` walks it), and the table refuses UPDATE
-- and DELETE, even from its owner, unless the trigger is deliberately disabled. The service's
-- own database role should also hold only SELECT and INSERT on it (see docs/SECURITY.md).
-- Rows written before this migration form an unchained prefix.
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;

CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
