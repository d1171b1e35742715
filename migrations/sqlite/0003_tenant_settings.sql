-- Per-tenant SCIM policy: whether SCIM clients may set Date of Joining.
ALTER TABLE tenants ADD COLUMN date_of_joining_from_scim INTEGER NOT NULL DEFAULT 0;
