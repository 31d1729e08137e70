INSERT INTO users (name) VALUES ('bom');
