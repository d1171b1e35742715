-- The directory's schema on PostgreSQL. migrations/sqlite holds the same
-- intent for SQLite; keep the two in step.
--
-- Conventions shared by both backends: ids are UUID text, timestamps are
-- RFC 3339 UTC text with microseconds (so they sort as text), flags are
-- integers 0/1, and *_key columns hold the case-folded form a uniqueness
-- rule or a case-insensitive filter compares.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    scim_enabled INTEGER NOT NULL DEFAULT 0,
    default_department_id TEXT,
    default_designation_id TEXT,
    code_prefix TEXT NOT NULL,
    code_width INTEGER NOT NULL,
    next_code_number BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE departments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT departments_name_uq UNIQUE (tenant_id, name_key)
);

CREATE TABLE designations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT designations_name_uq UNIQUE (tenant_id, name_key)
);

CREATE TABLE scim_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    last_used_at TEXT
);

CREATE INDEX scim_tokens_tenant ON scim_tokens (tenant_id);

CREATE TABLE employees (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    employee_code TEXT NOT NULL,
    employee_code_key TEXT NOT NULL,
    user_name TEXT NOT NULL,
    user_name_key TEXT NOT NULL,
    external_id TEXT,
    active INTEGER NOT NULL,
    display_name_key TEXT,
    given_name_key TEXT,
    family_name_key TEXT,
    department_id TEXT NOT NULL REFERENCES departments (id),
    designation_id TEXT NOT NULL REFERENCES designations (id),
    manager_id TEXT,
    date_of_joining TEXT NOT NULL,
    -- Every attribute as the client sent it, protobuf-encoded
    -- (EmployeeAttributes); the columns above are the source of truth for
    -- the fields they hold.
    profile BYTEA NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    removed_at TEXT
);

-- Codes are never reused, not even after removal: no WHERE clause.
CREATE UNIQUE INDEX employees_employee_code_uq ON employees (tenant_id, employee_code_key);
CREATE UNIQUE INDEX employees_user_name_uq ON employees (tenant_id, user_name_key)
    WHERE removed_at IS NULL;
CREATE UNIQUE INDEX employees_external_id_uq ON employees (tenant_id, external_id)
    WHERE removed_at IS NULL AND external_id IS NOT NULL;
CREATE INDEX employees_listing ON employees (tenant_id, created_at, id);
CREATE INDEX employees_manager ON employees (tenant_id, manager_id);

-- One row per e-mail address, so e-mail filters run in SQL.
CREATE TABLE employee_emails (
    employee_id TEXT NOT NULL REFERENCES employees (id),
    position INTEGER NOT NULL,
    tenant_id TEXT NOT NULL,
    type_key TEXT NOT NULL,
    value_key TEXT NOT NULL,
    PRIMARY KEY (employee_id, position)
);

CREATE INDEX employee_emails_value ON employee_emails (tenant_id, value_key);

CREATE TABLE provisioning_events (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    at TEXT NOT NULL,
    operation TEXT NOT NULL,
    employee_id TEXT,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL
);

CREATE INDEX provisioning_events_tenant ON provisioning_events (tenant_id, at);
CREATE INDEX provisioning_events_employee ON provisioning_events (tenant_id, employee_id, at);
