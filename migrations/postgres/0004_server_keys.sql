-- Secrets the directory generates for itself and shares between its
-- instances through the database, e.g. the key that signs paging cursors.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL
);
