-- Data only: no down script, which assert_reversible skips.
INSERT INTO users (id, name) VALUES (1000, 'admin');
