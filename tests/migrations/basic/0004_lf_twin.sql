-- strata:no-transaction
CREATE INDEX users_name_idx ON users (name);
INSERT INTO users (name) VALUES ('a;b');
