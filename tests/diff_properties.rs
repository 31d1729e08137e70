//! Property test of `strata::diff` on real databases (SQLite, PostgreSQL, MySQL/MariaDB): for random pairs of schemas, the plan's up
//! script (applied through the runtime as a migration) makes `reflect` match the new schema, and
//! its down script makes it match the old one again.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use strata::sqlx;
use strata::{
    Backend, ColumnDefault, ColumnSnapshot, Dialect, DiffOptions, FkAction, ForeignKeySnapshot,
    IndexSnapshot, Snapshot, SqlType, TableSnapshot,
};
use strata_runtime::testing::{execute, table_names};

const TABLES: usize = 4;
const COLUMNS: usize = 5;

fn sql_type() -> impl Strategy<Value = SqlType> {
    prop_oneof![
        Just(SqlType::Integer),
        Just(SqlType::BigInt),
        Just(SqlType::Text),
        Just(SqlType::Varchar(10)),
        Just(SqlType::Varchar(40)),
        Just(SqlType::Double),
        Just(SqlType::Bool),
    ]
}

fn default_for(sql_type: SqlType, seed: u8) -> ColumnDefault {
    match sql_type {
        SqlType::Bool => ColumnDefault::Bool(seed.is_multiple_of(2)),
        SqlType::Double => ColumnDefault::Float(f64::from(seed) + 0.5),
        SqlType::Text | SqlType::Varchar(_) => ColumnDefault::Str(format!("d{seed}")),
        _ => ColumnDefault::Int(i64::from(seed)),
    }
}

/// A column `c<i>`: type, nullable, default (a seed), index, unique, renamed from `c<j>`.
type ColumnSpec = (SqlType, bool, Option<u8>, bool, bool, Option<usize>);

fn column_spec() -> impl Strategy<Value = Option<ColumnSpec>> {
    proptest::option::weighted(
        0.6,
        (
            sql_type(),
            any::<bool>(),
            proptest::option::of(any::<u8>()),
            proptest::bool::weighted(0.2),
            proptest::bool::weighted(0.15),
            proptest::option::weighted(0.2, 0..COLUMNS),
        ),
    )
}

/// A table `t<i>`: its columns, and whether it references each earlier table.
type TableSpec = (Vec<Option<ColumnSpec>>, Vec<(bool, u8)>);

fn table_spec() -> impl Strategy<Value = Option<TableSpec>> {
    proptest::option::weighted(
        0.75,
        (
            proptest::collection::vec(column_spec(), COLUMNS),
            proptest::collection::vec((proptest::bool::weighted(0.3), 0..3u8), TABLES),
        ),
    )
}

fn build(spec: &[Option<TableSpec>]) -> Snapshot {
    let mut tables = Vec::new();
    for (t, table) in spec.iter().enumerate() {
        let Some((columns, references)) = table else {
            continue;
        };
        let name = format!("t{t}");
        let mut snapshot = TableSnapshot {
            name: name.clone(),
            columns: vec![ColumnSnapshot {
                name: "id".to_owned(),
                sql_type: SqlType::BigInt,
                type_known: true,
                db_type: None,
                nullable: false,
                default: None,
                auto_increment: true,
                renamed_from: None,
            }],
            primary_key: vec!["id".to_owned()],
            uniques: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
        };
        for (c, column) in columns.iter().enumerate() {
            let Some((sql_type, nullable, default, indexed, unique, renamed_from)) = column else {
                continue;
            };
            let name = format!("c{c}");
            snapshot.columns.push(ColumnSnapshot {
                name: name.clone(),
                sql_type: *sql_type,
                type_known: true,
                db_type: None,
                nullable: *nullable,
                default: default.map(|seed| default_for(*sql_type, seed)),
                auto_increment: false,
                renamed_from: renamed_from.map(|from| format!("c{from}")),
            });
            let index = IndexSnapshot {
                name: None,
                columns: vec![name],
            };
            if *unique {
                snapshot.uniques.push(index);
            } else if *indexed {
                snapshot.indexes.push(index);
            }
        }
        // Foreign keys point at earlier tables only (a model has no cycles).
        for (parent, (referenced, action)) in references.iter().enumerate().take(t) {
            if !referenced || spec[parent].is_none() {
                continue;
            }
            let column = format!("r{parent}");
            snapshot.columns.push(ColumnSnapshot {
                name: column.clone(),
                sql_type: SqlType::BigInt,
                type_known: true,
                db_type: None,
                nullable: true,
                default: None,
                auto_increment: false,
                renamed_from: None,
            });
            snapshot.foreign_keys.push(ForeignKeySnapshot {
                name: None,
                columns: vec![column],
                ref_table: format!("t{parent}"),
                ref_columns: vec!["id".to_owned()],
                on_delete: [None, Some(FkAction::Cascade), Some(FkAction::SetNull)]
                    [usize::from(*action)],
                on_update: None,
            });
        }
        tables.push(snapshot);
    }
    Snapshot {
        dialect: None,
        tables,
    }
}

fn schema() -> impl Strategy<Value = Snapshot> {
    proptest::collection::vec(table_spec(), TABLES).prop_map(|spec| build(&spec))
}

/// Removes every table, the bookkeeping table included.
async fn reset<DB: Backend>(pool: &sqlx::Pool<DB>) {
    if DB::DIALECT == Dialect::Postgres {
        execute(pool, "DROP SCHEMA public CASCADE").await;
        execute(pool, "CREATE SCHEMA public").await;
        return;
    }
    // Children first, so no foreign key is in the way (the tables hold no rows).
    let mut tables = table_names(pool).await;
    tables.sort_by(|a, b| b.cmp(a));
    for table in tables {
        let quoted = strata_core::ddl::quote_ident(DB::DIALECT, &table);
        execute(pool, &format!("DROP TABLE {quoted}")).await;
    }
}

async fn check<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    old: &Snapshot,
    new: &Snapshot,
) -> Result<(), String> {
    reset(pool).await;
    let dialect = DB::DIALECT;
    let options = DiffOptions {
        drop_unmanaged: true,
    };
    let empty = Snapshot {
        dialect: None,
        tables: Vec::new(),
    };
    let create = strata::diff(&empty, old, dialect);
    let file = |name: &str, text: String| strata_core::migration::SourceFile {
        name: name.to_owned(),
        text,
    };
    let repository = |files: &[strata_core::migration::SourceFile]| {
        strata_core::migration::check_repository(files, None, &[dialect])
            .map_err(|problems| format!("{problems:?}"))
    };
    let first = file("0001_old.sql", create.up_sql());
    strata::runtime::upgrade(pool, &repository(std::slice::from_ref(&first))?)
        .await
        .map_err(|e| format!("creating the old schema: {e}\n{}", create.up_sql()))?;
    // Planned from the database, as `make-migration` plans.
    let live_old = strata::runtime::reflect(pool)
        .await
        .map_err(|e| e.to_string())?;
    let plan = strata::diff_with(&live_old, new, dialect, &options);
    let migrations = repository(&[
        first,
        file("0002_change.sql", plan.up_sql()),
        file("0002_change.down.sql", plan.down_sql()),
    ])?;
    let context = |what: &str| {
        format!(
            "{what}\n-- up:\n{}\n-- down:\n{}",
            plan.up_sql(),
            plan.down_sql()
        )
    };
    strata::runtime::upgrade(pool, &migrations)
        .await
        .map_err(|e| context(&format!("up: {e}")))?;
    let live = strata::runtime::reflect(pool)
        .await
        .map_err(|e| e.to_string())?;
    live.matches(new)
        .map_err(|d| context(&format!("after up: {d}")))?;
    strata::runtime::downgrade(pool, &migrations, 1)
        .await
        .map_err(|e| context(&format!("down: {e}")))?;
    strata::runtime::reflect(pool)
        .await
        .map_err(|e| e.to_string())?
        .matches(old)
        .map_err(|d| context(&format!("after down: {d}")))?;
    Ok(())
}

fn property<DB: Backend>(pool: &sqlx::Pool<DB>, runtime: &tokio::runtime::Handle, cases: u32) {
    let mut runner = TestRunner::new(Config::with_cases(cases));
    let outcome = runner.run(&(schema(), schema()), |(old, new)| {
        tokio::task::block_in_place(|| runtime.block_on(check(pool, &old, &new)))
            .map_err(TestCaseError::fail)
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_random_schema_pairs() {
    let db = strata_runtime::testing::sqlite().await;
    property(&db.pool, &tokio::runtime::Handle::current(), 64);
    db.close().await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_random_schema_pairs() {
    let Some(db) = strata_runtime::testing::postgres().await else {
        return;
    };
    property(&db.pool, &tokio::runtime::Handle::current(), 32);
    db.close().await;
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_random_schema_pairs() {
    let Some(db) = strata_runtime::testing::mysql().await else {
        return;
    };
    property(&db.pool, &tokio::runtime::Handle::current(), 12);
    db.close().await;
}
