-- Several service processes share one PostGIS: each commit that writes the audit log (every change
-- does) notifies channel diming_change once per statement, delivered when the transaction commits, so
-- the other processes rebuild their read models at once instead of at their next poll.
CREATE FUNCTION audit_log_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('diming_change', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_log_notify AFTER INSERT ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_notify();
