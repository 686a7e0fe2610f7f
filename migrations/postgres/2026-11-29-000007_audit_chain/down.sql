DROP TRIGGER audit_events_no_change ON audit_events;
DROP FUNCTION audit_events_append_only();
ALTER TABLE audit_events DROP COLUMN hash;
ALTER TABLE audit_events DROP COLUMN prev_hash;
