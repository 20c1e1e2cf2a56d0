-- PostGIS migration 0010 makes every commit notify other service processes (LISTEN/NOTIFY). The
-- embedded store serves one process; other processes on the same file (an import while a server
-- runs) are seen by the read model's poll of the audit log. Nothing changes here: the versions of
-- the two stores move in step.
SELECT 1;
