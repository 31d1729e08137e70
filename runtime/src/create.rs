//! `create_all` and `drop_all`: the DDL strata-core renders for a [`Schema`], run in order.

use strata_core::Schema;
use strata_core::ddl::{self, TableStatements};

use crate::backend::Backend;
use crate::error::Error;

/// The statements that create `schema` on `DB`, table by table in foreign-key order.
pub(crate) fn create_statements<DB: Backend>(
    schema: &Schema,
) -> Result<Vec<TableStatements>, Error> {
    ddl::create_all_statements(DB::DIALECT, schema).map_err(|e| Error::Schema(e.to_string()))
}

/// Runs `statements` on `conn` in order; a failure names the table and the statement.
async fn run<DB: Backend>(
    conn: &mut DB::Connection,
    operation: &'static str,
    statements: &[TableStatements],
) -> Result<(), Error> {
    for table in statements {
        for sql in table.rendered() {
            tracing::debug!(target: "strata::create", table = table.table, "{}", sql);
            DB::execute(conn, &sql)
                .await
                .map_err(|e| Error::on_table(operation, table.table, sql.as_str(), e))?;
        }
    }
    Ok(())
}

/// Creates every table of `schema` that does not exist yet, with its keys and indexes, on
/// `conn`, without opening a transaction (the caller's, if any, is used). Idempotent.
pub(crate) async fn create_all_on<DB: Backend>(
    conn: &mut DB::Connection,
    schema: &Schema,
) -> Result<(), Error> {
    let statements = create_statements::<DB>(schema)?;
    run::<DB>(conn, "create_all", &statements).await
}

/// Runs `statements` in one transaction where the dialect can roll DDL back (SQLite,
/// PostgreSQL), else one by one (MySQL commits each DDL statement implicitly).
async fn run_transactional<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    operation: &'static str,
    statements: &[TableStatements],
) -> Result<(), Error> {
    if DB::DIALECT == strata_core::Dialect::Mysql {
        let mut conn = pool.acquire().await.map_err(Error::Connect)?;
        return run::<DB>(&mut conn, operation, statements).await;
    }
    let mut tx = pool.begin().await.map_err(Error::Connect)?;
    run::<DB>(&mut tx, operation, statements).await?;
    tx.commit().await.map_err(|source| Error::Database {
        context: format!("{operation}: committing"),
        statement: "COMMIT".to_owned(),
        source,
    })
}

/// Creates every table of `schema` that does not exist yet (`CREATE TABLE IF NOT EXISTS`, with
/// primary keys, unique constraints, foreign keys and indexes), ordered so that foreign keys
/// point at tables created before. Idempotent: a second call changes nothing. Runs in one
/// transaction on SQLite and PostgreSQL.
pub async fn create_all<DB: Backend>(pool: &sqlx::Pool<DB>, schema: &Schema) -> Result<(), Error> {
    let statements = create_statements::<DB>(schema)?;
    run_transactional(pool, "create_all", &statements).await
}

/// Drops every table of `schema` that exists (`DROP TABLE IF EXISTS`), in reverse foreign-key
/// order. Tables outside the schema are left alone. Runs in one transaction on SQLite and
/// PostgreSQL.
pub async fn drop_all<DB: Backend>(pool: &sqlx::Pool<DB>, schema: &Schema) -> Result<(), Error> {
    let statements =
        ddl::drop_all_statements(DB::DIALECT, schema).map_err(|e| Error::Schema(e.to_string()))?;
    run_transactional(pool, "drop_all", &statements).await
}
