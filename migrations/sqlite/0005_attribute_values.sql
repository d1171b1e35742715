-- Every attribute kept only in the profile (nickName, name parts, e-mails,
-- phone numbers, addresses, enterprise costCenter, ...), one row per
-- attribute, element and sub-attribute, so a filter on any of them runs in
-- SQL. value_key is the value as compared: lower-cased, "true"/"false" for
-- booleans. Empty values have no row. Replaces employee_emails; the
-- directory writes the rows of employees that already exist when it first
-- starts on this schema (marker 'attribute-values' in server_keys).
CREATE TABLE employee_values (
    employee_id TEXT NOT NULL REFERENCES employees (id),
    tenant_id TEXT NOT NULL,
    attribute TEXT NOT NULL,
    position INTEGER NOT NULL,
    sub_attribute TEXT NOT NULL,
    value_key TEXT NOT NULL,
    PRIMARY KEY (employee_id, attribute, position, sub_attribute)
);

CREATE INDEX employee_values_lookup
    ON employee_values (tenant_id, attribute, sub_attribute, value_key);

DROP TABLE employee_emails;
