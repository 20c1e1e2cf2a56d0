-- The planner role (规划/养老服务科): manages facilities and the walking network data, runs
-- siting and saves coverage results.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('applicant', 'reviewer', 'approver', 'planner', 'admin'));
