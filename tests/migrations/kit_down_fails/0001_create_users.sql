-- Users, without their email at first.
CREATE TABLE users (
    id BIGINT NOT NULL PRIMARY KEY,
    name VARCHAR(64) NOT NULL
);
