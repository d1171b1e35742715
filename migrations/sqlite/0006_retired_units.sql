-- Departments and designations can be retired: kept on the employees that
-- have them, no longer chosen for new assignments.
ALTER TABLE departments ADD COLUMN retired_at TEXT;
ALTER TABLE designations ADD COLUMN retired_at TEXT;
