CREATE TABLE b (id INTEGER PRIMARY KEY);
SELECT pg_sleep(amount) FROM slow_config;
INSERT INTO log (v) VALUES (2);
