-- strata:foreign-keys-off
ALTER TABLE posts ADD COLUMN title TEXT NOT NULL DEFAULT '';
