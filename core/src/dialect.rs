//! The SQL dialects strata speaks.

use std::fmt;

/// A SQL dialect: which database the SQL is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL 13 and later.
    Postgres,
    /// MySQL 8 and MariaDB 10.5 and later.
    Mysql,
}

impl Dialect {
    /// Every dialect, in a fixed order (the index used by per-dialect arrays).
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql];

    /// Position in [`Dialect::ALL`], for per-dialect arrays.
    pub const fn index(self) -> usize {
        match self {
            Dialect::Sqlite => 0,
            Dialect::Postgres => 1,
            Dialect::Mysql => 2,
        }
    }

    /// The lowercase name used in file names (`0001_x.postgres.sql`) and messages.
    pub const fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
