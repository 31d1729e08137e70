//! [`RenderedSql`]: the only SQL text the runtime sends. It is built from static text,
//! identifiers and string literals quoted here, integers, the DDL core renders for a schema,
//! and the statements of a migration script — never from an arbitrary `String`, so the audit
//! sqlx 0.9's `SqlSafeStr` asks for happens in one place (this module) instead of at every call.

use std::borrow::Cow;
use std::fmt;

use crate::ddl::{TableStatements, quote_ident, quote_str};
use crate::{Dialect, Script, SplitError, Statement, split_statements};

/// SQL text rendered by strata-core. See the module documentation for what it can be built from.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RenderedSql(Cow<'static, str>);

/// One piece of a statement given to [`RenderedSql::build`] (or the [`sql!`](crate::sql!) macro).
#[derive(Debug, Clone, Copy)]
pub enum Piece<'a> {
    /// Text written in the program (`&'static str`).
    Static(&'static str),
    /// An identifier, quoted for the dialect.
    Ident(&'a str),
    /// A string literal, quoted (and escaped) for the dialect.
    Str(&'a str),
    /// An integer.
    Int(i64),
    /// SQL rendered before.
    Sql(&'a RenderedSql),
}

impl From<&'static str> for Piece<'_> {
    fn from(text: &'static str) -> Self {
        Piece::Static(text)
    }
}

impl From<i64> for Piece<'_> {
    fn from(value: i64) -> Self {
        Piece::Int(value)
    }
}

impl<'a> From<&'a RenderedSql> for Piece<'a> {
    fn from(sql: &'a RenderedSql) -> Self {
        Piece::Sql(sql)
    }
}

/// An identifier piece: quoted for the dialect (`"name"`, `` `name` ``).
pub fn ident(name: &str) -> Piece<'_> {
    Piece::Ident(name)
}

/// A string-literal piece: quoted and escaped for the dialect (`'it''s'`).
pub fn string(value: &str) -> Piece<'_> {
    Piece::Str(value)
}

/// Builds a [`RenderedSql`] from pieces: `sql!(dialect; "SELECT * FROM ", ident(t), " WHERE
/// version = ", v)`. Each piece is a `&'static str`, an `i64`, a `&RenderedSql`, or
/// [`ident`](crate::rendered::ident) / [`string`](crate::rendered::string).
#[macro_export]
macro_rules! sql {
    ($dialect:expr; $($piece:expr),* $(,)?) => {
        $crate::rendered::RenderedSql::build(
            $dialect,
            &[$($crate::rendered::Piece::from($piece)),*],
        )
    };
}

impl RenderedSql {
    /// Text written in the program.
    pub const fn from_static(sql: &'static str) -> Self {
        RenderedSql(Cow::Borrowed(sql))
    }

    /// Joins `pieces`, quoting identifiers and literals for `dialect`.
    pub fn build(dialect: Dialect, pieces: &[Piece<'_>]) -> Self {
        if let [Piece::Static(text)] = pieces {
            return RenderedSql::from_static(text);
        }
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Static(text) => out.push_str(text),
                Piece::Ident(name) => out.push_str(&quote_ident(dialect, name)),
                Piece::Str(value) => out.push_str(&quote_str(dialect, value)),
                Piece::Int(value) => out.push_str(&value.to_string()),
                Piece::Sql(sql) => out.push_str(sql.as_str()),
            }
        }
        RenderedSql(Cow::Owned(out))
    }

    /// The statements of a script embedded in the program (`&'static str`: a fixture), in order.
    pub fn split_static(
        sql: &'static str,
        dialect: Dialect,
    ) -> Result<Vec<(Statement, RenderedSql)>, SplitError> {
        statements(sql, dialect)
    }

    /// `statements` as one text, each ended by `;` and a line break: sent in one round trip.
    pub fn batch<'a>(statements: impl IntoIterator<Item = &'a RenderedSql>) -> Self {
        let mut out = String::new();
        for statement in statements {
            out.push_str(statement.as_str());
            out.push_str(";\n");
        }
        RenderedSql(Cow::Owned(out))
    }

    /// `parts` joined by `separator`.
    pub fn join<'a>(
        parts: impl IntoIterator<Item = &'a RenderedSql>,
        separator: &'static str,
    ) -> Self {
        let mut out = String::new();
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                out.push_str(separator);
            }
            out.push_str(part.as_str());
        }
        RenderedSql(Cow::Owned(out))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

fn statements(sql: &str, dialect: Dialect) -> Result<Vec<(Statement, RenderedSql)>, SplitError> {
    Ok(split_statements(sql, dialect)?
        .into_iter()
        .map(|statement| {
            let sql = RenderedSql(Cow::Owned(statement.sql.clone()));
            (statement, sql)
        })
        .collect())
}

impl Script {
    /// The script's statements for `dialect`, in order, each with its text ready to run.
    pub fn statements(
        &self,
        dialect: Dialect,
    ) -> Result<Vec<(Statement, RenderedSql)>, SplitError> {
        statements(&self.sql, dialect)
    }
}

impl TableStatements {
    /// The statements, ready to run.
    pub fn rendered(&self) -> impl Iterator<Item = RenderedSql> + '_ {
        self.statements
            .iter()
            .map(|sql| RenderedSql(Cow::Owned(sql.clone())))
    }
}

impl From<&'static str> for RenderedSql {
    fn from(sql: &'static str) -> Self {
        RenderedSql::from_static(sql)
    }
}

impl fmt::Display for RenderedSql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RenderedSql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_quoted_for_the_dialect() {
        let table = "it's \"odd\"";
        let sql = sql!(Dialect::Postgres; "SELECT ", ident(table), " WHERE a = ", string("o'k"), " AND v = ", 7);
        assert_eq!(
            sql.as_str(),
            "SELECT \"it's \"\"odd\"\"\" WHERE a = 'o''k' AND v = 7"
        );
        let sql = sql!(Dialect::Mysql; "SELECT ", ident("a`b"), " WHERE a = ", string("x\\"));
        assert_eq!(sql.as_str(), "SELECT `a``b` WHERE a = 'x\\\\'");
        let inner = RenderedSql::from_static("now()");
        assert_eq!(
            sql!(Dialect::Sqlite; "SELECT ", &inner).as_str(),
            "SELECT now()"
        );
    }

    #[test]
    fn script_statements_keep_their_text() {
        let split =
            RenderedSql::split_static("CREATE TABLE a (id INT);\nSELECT ';';", Dialect::Sqlite)
                .unwrap();
        let texts: Vec<&str> = split.iter().map(|(_, sql)| sql.as_str()).collect();
        assert_eq!(texts, ["CREATE TABLE a (id INT)", "SELECT ';'"]);
        assert_eq!(split[1].0.ordinal, 2);
    }
}
