DROP TRIGGER audit_events_no_truncate ON audit_events;
DROP FUNCTION audit_events_no_truncate();
