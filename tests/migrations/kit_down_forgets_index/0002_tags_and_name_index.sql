CREATE TABLE tags (
    id BIGINT NOT NULL PRIMARY KEY,
    label VARCHAR(20) NOT NULL
);
CREATE INDEX users_name_idx ON users (name);
