-- The planner role (规划/养老服务科): manages facilities and the walking network data, runs
-- siting and saves coverage results.
-- SQLite cannot alter a CHECK constraint; this is the procedure SQLite's documentation gives for
-- changing one ("Making Other Kinds Of Table Schema Changes"): rewrite the table's SQL in
-- sqlite_schema; RESET makes this connection reload the schema, and a real schema change bumps
-- the schema cookie so that every other open connection reloads it too.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (role IN (''applicant'', ''reviewer'', ''approver'', ''admin''))',
                          'CHECK (role IN (''applicant'', ''reviewer'', ''approver'', ''planner'', ''admin''))')
 WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;
CREATE TABLE schema_reload (x INTEGER);
DROP TABLE schema_reload;
