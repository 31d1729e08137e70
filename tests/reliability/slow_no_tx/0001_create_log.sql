-- How long migration 2 runs: seconds on PostgreSQL and MySQL, rows counted on SQLite.
CREATE TABLE log (v INTEGER NOT NULL);
CREATE TABLE slow_config (amount BIGINT NOT NULL);
INSERT INTO slow_config (amount) VALUES (0);
INSERT INTO log (v) VALUES (1);
