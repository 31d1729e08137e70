//! The per-database surface: a sealed trait implemented for sqlx's `Sqlite`, `Postgres` and
//! `MySql`. Everything above it is generic code that sends SQL rendered by `strata-core`, so a
//! backend only has to execute text and decode a few column kinds.

use std::future::Future;
use std::pin::Pin;

use strata_core::{Dialect, RenderedSql};

/// The one place rendered SQL is vouched for: [`RenderedSql`] is built only from static text,
/// identifiers and literals strata-core quotes, integers, core's DDL and script statements.
fn audited(sql: &RenderedSql) -> sqlx::SqlStr {
    sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(sql.as_str().to_owned()))
}

/// A boxed, `Send` future: what the backend's hidden methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How to decode one column of a query strata sends (queries cast to match).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Any integer column, read as `i64`.
    Int,
    /// Text (MySQL binary strings are read as UTF-8, lossily).
    Text,
    /// A boolean (MySQL: a nonzero integer).
    Bool,
    /// A floating-point number.
    Float,
}

/// One decoded value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A floating-point number.
    Float(f64),
    /// A value that cannot be read as the kind asked for (an unsigned integer above `i64::MAX`,
    /// text where an integer was expected, ..), described for an error message.
    Unreadable(String),
}

impl Value {
    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// The text, if this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(v) => Some(v),
            _ => None,
        }
    }

    /// The boolean, if this is one (integers count: nonzero is true).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(v) => Some(*v),
            Value::Int(v) => Some(*v != 0),
            _ => None,
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A database strata supports: `sqlx::Sqlite`, `sqlx::Postgres`, `sqlx::MySql` (each behind its
/// cargo feature). Every runtime function is generic over it and takes the user's own
/// `sqlx::Pool`, so `&SqlitePool`, `&PgPool` and `&MySqlPool` all work.
///
/// The trait is sealed; its methods are strata's internal per-database operations. They take
/// SQL strata-core rendered, never a `String`:
///
/// ```compile_fail
/// # async fn f<DB: strata_runtime::Backend>(conn: &mut DB::Connection, sql: String) {
/// DB::execute(conn, sql).await;
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f<DB: strata_runtime::Backend>(conn: &mut DB::Connection, sql: &String) {
/// DB::execute_audited(conn, sql.as_str().into()).await;
/// # }
/// ```
pub trait Backend: sqlx::Database + sealed::Sealed {
    #[doc(hidden)]
    const DIALECT: Dialect;

    /// Sends `sql` (one or more statements) with the simple protocol; returns rows affected.
    #[doc(hidden)]
    fn execute<'c>(
        conn: &'c mut Self::Connection,
        sql: &'c RenderedSql,
    ) -> BoxFuture<'c, Result<u64, sqlx::Error>> {
        Self::execute_audited(conn, audited(sql))
    }

    /// Sends `sql`, several statements, in one round trip; on failure also returns how many
    /// statements completed before the one that failed.
    #[doc(hidden)]
    fn execute_batch<'c>(
        conn: &'c mut Self::Connection,
        sql: &'c RenderedSql,
    ) -> BoxFuture<'c, Result<(), (usize, sqlx::Error)>> {
        Self::execute_batch_audited(conn, audited(sql))
    }

    /// [`Backend::execute_batch`] for SQL that passed sqlx's audit.
    #[doc(hidden)]
    fn execute_batch_audited<'c>(
        conn: &'c mut Self::Connection,
        sql: sqlx::SqlStr,
    ) -> BoxFuture<'c, Result<(), (usize, sqlx::Error)>>;

    /// Sends one query with the simple protocol and decodes each row's columns as `kinds` says.
    #[doc(hidden)]
    fn fetch<'c>(
        conn: &'c mut Self::Connection,
        sql: &'c RenderedSql,
        kinds: &'c [ValueKind],
    ) -> BoxFuture<'c, Result<Vec<Vec<Value>>, sqlx::Error>> {
        Self::fetch_audited(conn, audited(sql), kinds)
    }

    /// [`Backend::execute`] for SQL that passed sqlx's audit: a `&'static str`, or a string the
    /// caller wrapped in `sqlx::AssertSqlSafe` in plain sight (test support).
    #[doc(hidden)]
    fn execute_audited<'c>(
        conn: &'c mut Self::Connection,
        sql: sqlx::SqlStr,
    ) -> BoxFuture<'c, Result<u64, sqlx::Error>>;

    /// [`Backend::fetch`] for SQL that passed sqlx's audit (see [`Backend::execute_audited`]).
    #[doc(hidden)]
    fn fetch_audited<'c>(
        conn: &'c mut Self::Connection,
        sql: sqlx::SqlStr,
        kinds: &'c [ValueKind],
    ) -> BoxFuture<'c, Result<Vec<Vec<Value>>, sqlx::Error>>;

    /// Whether `error` says the table queried does not exist: PostgreSQL `42P01`, MySQL 1146
    /// (SQLSTATE `42S02`), SQLite code 1 with a message starting `no such table`.
    #[doc(hidden)]
    fn is_missing_table(error: &sqlx::Error) -> bool {
        let Some(db) = error.as_database_error() else {
            return false;
        };
        let code = db.code();
        let code = code.as_deref().unwrap_or("");
        match Self::DIALECT {
            Dialect::Postgres => code == "42P01",
            Dialect::Mysql => code == "42S02",
            Dialect::Sqlite => code == "1" && db.message().starts_with("no such table"),
        }
    }

    /// Whether `error` is SQLite's `SQLITE_BUSY` (any extended code) or `SQLITE_LOCKED`: the
    /// write lock is held by another connection.
    #[doc(hidden)]
    fn is_busy(error: &sqlx::Error) -> bool {
        if Self::DIALECT != Dialect::Sqlite {
            return false;
        }
        let Some(db) = error.as_database_error() else {
            return false;
        };
        db.code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| c & 0xff == 5 || c & 0xff == 6)
    }
}

/// A value none of the decodings accepted, named by its database type.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn unreadable<'r, V: sqlx::ValueRef<'r>>(raw: &V) -> Value {
    use sqlx::TypeInfo as _;
    Value::Unreadable(format!("a value of type {}", raw.type_info().name()))
}

/// Decodes column `index` of `row` as `kind`, trying the Rust types sqlx accepts for the
/// column types the backend may report.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
macro_rules! decode_column {
    ($row:expr, $index:expr, $kind:expr, ints: [$($int:ty),*], texts: [$($text:ty),*]) => {{
        use sqlx::Row as _;
        let row = $row;
        let index = $index;
        let raw = row.try_get_raw(index)?;
        if sqlx::ValueRef::is_null(&raw) {
            Value::Null
        } else {
            match $kind {
                ValueKind::Int => {
                    let mut found = None;
                    $(
                        if found.is_none() {
                            if let Ok(v) = row.try_get::<$int, _>(index) {
                                found = Some(match i64::try_from(v) {
                                    Ok(v) => Value::Int(v),
                                    Err(_) => Value::Unreadable(format!("{v}, which is too large")),
                                });
                            }
                        }
                    )*
                    match found {
                        Some(v) => v,
                        None => match row.try_get::<i64, _>(index) {
                            Ok(v) => Value::Int(v),
                            Err(_) => unreadable(&raw),
                        },
                    }
                }
                ValueKind::Text => {
                    let mut found = None;
                    $(
                        if found.is_none() {
                            if let Ok(v) = row.try_get::<$text, _>(index) {
                                found = Some(v);
                            }
                        }
                    )*
                    match found {
                        Some(v) => Value::Text(v),
                        None => match row.try_get::<Vec<u8>, _>(index) {
                            Ok(bytes) => Value::Text(String::from_utf8_lossy(&bytes).into_owned()),
                            Err(_) => unreadable(&raw),
                        },
                    }
                }
                ValueKind::Bool => match row.try_get::<bool, _>(index) {
                    Ok(v) => Value::Bool(v),
                    Err(_) => match row.try_get::<i64, _>(index) {
                        Ok(v) => Value::Bool(v != 0),
                        Err(_) => unreadable(&raw),
                    },
                },
                ValueKind::Float => match row.try_get::<f64, _>(index) {
                    Ok(v) => Value::Float(v),
                    Err(_) => Value::Float(f64::from(row.try_get::<f32, _>(index)?)),
                },
            }
        }
    }};
}

macro_rules! impl_backend {
    ($feature:literal, $db:ty, $dialect:expr, ints: [$($int:ty),*]) => {
        #[cfg(feature = $feature)]
        impl sealed::Sealed for $db {}

        #[cfg(feature = $feature)]
        impl Backend for $db {
            const DIALECT: Dialect = $dialect;

            fn execute_audited<'c>(
                conn: &'c mut Self::Connection,
                sql: sqlx::SqlStr,
            ) -> BoxFuture<'c, Result<u64, sqlx::Error>> {
                Box::pin(async move {
                    let done = sqlx::raw_sql(sql).execute(&mut *conn).await?;
                    Ok(done.rows_affected())
                })
            }

            fn execute_batch_audited<'c>(
                conn: &'c mut Self::Connection,
                sql: sqlx::SqlStr,
            ) -> BoxFuture<'c, Result<(), (usize, sqlx::Error)>> {
                Box::pin(async move {
                    use futures_util::TryStreamExt as _;
                    let mut done = 0;
                    let mut results = sqlx::raw_sql(sql).fetch_many(&mut *conn);
                    loop {
                        match results.try_next().await {
                            Ok(Some(sqlx::Either::Left(_))) => done += 1,
                            Ok(Some(sqlx::Either::Right(_))) => {}
                            Ok(None) => return Ok(()),
                            Err(error) => return Err((done, error)),
                        }
                    }
                })
            }

            fn fetch_audited<'c>(
                conn: &'c mut Self::Connection,
                sql: sqlx::SqlStr,
                kinds: &'c [ValueKind],
            ) -> BoxFuture<'c, Result<Vec<Vec<Value>>, sqlx::Error>> {
                Box::pin(async move {
                    let rows = sqlx::raw_sql(sql).fetch_all(&mut *conn).await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for row in &rows {
                        let mut values = Vec::with_capacity(kinds.len());
                        for (index, kind) in kinds.iter().enumerate() {
                            values.push(decode_column!(row, index, *kind, ints: [$($int),*], texts: [String]));
                        }
                        out.push(values);
                    }
                    Ok(out)
                })
            }
        }
    };
}

impl_backend!("sqlite", sqlx::Sqlite, Dialect::Sqlite, ints: [i64, i32]);
impl_backend!("postgres", sqlx::Postgres, Dialect::Postgres, ints: [i64, i32, i16, i8]);
impl_backend!("mysql", sqlx::MySql, Dialect::Mysql, ints: [i64, u64, i32, u32, i16, u16, i8, u8]);
