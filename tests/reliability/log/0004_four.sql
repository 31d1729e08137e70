-- strata:no-transaction
INSERT INTO log (v) VALUES (4);
