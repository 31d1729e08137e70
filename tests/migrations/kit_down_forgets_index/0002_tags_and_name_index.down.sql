-- Forgets the index on users.name.
DROP TABLE tags;
