-- A typo: the table is users.
DROP TABLE user_accounts;
