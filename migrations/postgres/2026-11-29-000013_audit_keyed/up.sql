-- TRUNCATE skips row triggers, so the append-only guard of 000007 let `TRUNCATE audit_events`
-- empty the trail (and a chain with no rows verifies). A statement trigger refuses it, even for
-- the table's owner, unless deliberately dropped; checkpoints kept outside the database then show
-- what was cut (see docs/SECURITY.md). The rows' hashes become keyed from this version on; that
-- needs no change to the table (the hash says which scheme made it).
CREATE FUNCTION audit_events_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: TRUNCATE refused';
END;
$$;

CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_no_truncate();
