-- Users and their names.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name VARCHAR(64) NOT NULL
);
