//! Attribute names, compared against parsed paths.

use std::fmt;

use syn::{Ident, Path};

#[derive(Copy, Clone, PartialEq, Eq)]
pub struct Symbol(pub &'static str);

// Attribute namespaces.
pub const TABLE: Symbol = Symbol("table");
pub const COLUMN: Symbol = Symbol("column");

// `#[table(..)]` keys (`primary_key`, `index` and `unique` are shared with `#[column(..)]`).
pub const NAME: Symbol = Symbol("name");
pub const INDEX: Symbol = Symbol("index");
pub const UNIQUE: Symbol = Symbol("unique");
pub const PRIMARY_KEY: Symbol = Symbol("primary_key");

// `#[column(..)]` keys.
pub const AUTO_INCREMENT: Symbol = Symbol("auto_increment");
pub const LENGTH: Symbol = Symbol("length");
pub const DEFAULT: Symbol = Symbol("default");
pub const DEFAULT_SQL: Symbol = Symbol("default_sql");
pub const REFERENCES: Symbol = Symbol("references");
pub const ON_DELETE: Symbol = Symbol("on_delete");
pub const ON_UPDATE: Symbol = Symbol("on_update");
pub const RENAME: Symbol = Symbol("rename");
pub const RENAMED_FROM: Symbol = Symbol("renamed_from");
pub const SQL_TYPE: Symbol = Symbol("sql_type");
pub const SKIP: Symbol = Symbol("skip");

/// The keys `#[table(..)]` accepts, for the "unknown attribute" message.
pub const TABLE_KEYS: &[Symbol] = &[NAME, INDEX, UNIQUE, PRIMARY_KEY];

/// The keys `#[column(..)]` accepts, for the "unknown attribute" message.
pub const COLUMN_KEYS: &[Symbol] = &[
    PRIMARY_KEY,
    AUTO_INCREMENT,
    UNIQUE,
    INDEX,
    LENGTH,
    DEFAULT,
    DEFAULT_SQL,
    REFERENCES,
    ON_DELETE,
    ON_UPDATE,
    RENAME,
    RENAMED_FROM,
    SQL_TYPE,
    SKIP,
];

/// `a, b, c` for a message.
pub fn list(symbols: &[Symbol]) -> String {
    symbols.iter().map(|s| s.0).collect::<Vec<_>>().join(", ")
}

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for &Ident {
    fn eq(&self, word: &Symbol) -> bool {
        *self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.0)
    }
}
