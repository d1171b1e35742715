-- Groups of employees, and group operations in the provisioning log.

CREATE TABLE employee_groups (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    display_name TEXT NOT NULL,
    display_name_key TEXT NOT NULL,
    external_id TEXT,
    -- Kept in step with group_members by every membership change, so
    -- reading a group never counts its members.
    member_count BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE UNIQUE INDEX employee_groups_display_name_uq
    ON employee_groups (tenant_id, display_name_key);
CREATE INDEX employee_groups_external_id ON employee_groups (tenant_id, external_id);
CREATE INDEX employee_groups_listing ON employee_groups (tenant_id, created_at, id);

-- The primary key answers "is X a member of G" and pages members in id
-- order; the second index finds an employee's groups when it is removed.
CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES employee_groups (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    tenant_id TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (group_id, employee_id)
);

CREATE INDEX group_members_employee ON group_members (tenant_id, employee_id);

ALTER TABLE provisioning_events ADD COLUMN group_id TEXT;
CREATE INDEX provisioning_events_group ON provisioning_events (tenant_id, group_id, at);

-- Shown as a member's `display`; the rest of the profile stays encoded.
ALTER TABLE employees ADD COLUMN display_name TEXT;
