DROP INDEX tasks_court_created;
DROP INDEX cases_court_closed;
DROP INDEX cases_court_filed;
ALTER TABLE cases DROP COLUMN closed_at;
DROP TABLE case_access_codes;
