DROP TRIGGER audit_events_no_delete;
DROP TRIGGER audit_events_no_update;
ALTER TABLE audit_events DROP COLUMN hash;
ALTER TABLE audit_events DROP COLUMN prev_hash;
