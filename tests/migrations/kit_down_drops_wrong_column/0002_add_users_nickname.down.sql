-- Drops the wrong column.
ALTER TABLE users DROP COLUMN email;
