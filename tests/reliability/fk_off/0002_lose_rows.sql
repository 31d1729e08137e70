-- strata:foreign-keys-off
-- A rebuild that loses the parent rows: PRAGMA foreign_key_check fails it.
CREATE TABLE parent_new (id INTEGER PRIMARY KEY);
DROP TABLE parent;
ALTER TABLE parent_new RENAME TO parent;
