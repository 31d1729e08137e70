//! Zoned times past 2038 round-trip through tables `create_all` makes (MariaDB's TIMESTAMP would
//! silently replace them), and `upgrade_or_create` that fails half-way leaves history, not bare
//! tables.
#![cfg(feature = "sqlite")]

use strata::{Backend, Table, VersionState};

// ---------------------------------------------------------------------------------------------
// Times past 2038, chrono and time, on every backend
// ---------------------------------------------------------------------------------------------

/// Seconds since the Unix epoch of 2040-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const LATE_TIMES: [i64; 2] = [2_208_988_800, 253_402_300_799];

#[cfg(feature = "chrono")]
mod with_chrono {
    #[allow(dead_code)] // read through SQL only
    #[derive(strata::Table)]
    #[table(name = "chrono_events")]
    pub struct ChronoEvent {
        #[column(primary_key)]
        pub id: i64,
        pub at: chrono::DateTime<chrono::Utc>,
    }

    pub static SCHEMA: strata::Schema = strata::schema![ChronoEvent];

    pub type Value = chrono::DateTime<chrono::Utc>;

    pub fn values() -> Vec<Value> {
        super::LATE_TIMES
            .iter()
            .map(|s| chrono::DateTime::from_timestamp(*s, 0).unwrap())
            .collect()
    }
}

#[cfg(feature = "time")]
mod with_time {
    #[allow(dead_code)] // read through SQL only
    #[derive(strata::Table)]
    #[table(name = "time_events")]
    pub struct TimeEvent {
        #[column(primary_key)]
        pub id: i64,
        pub at: time::OffsetDateTime,
    }

    pub static SCHEMA: strata::Schema = strata::schema![TimeEvent];

    pub type Value = time::OffsetDateTime;

    pub fn values() -> Vec<Value> {
        super::LATE_TIMES
            .iter()
            .map(|s| time::OffsetDateTime::from_unix_timestamp(*s).unwrap())
            .collect()
    }
}

/// One test per backend and time crate: create the table, insert the values with binds, read
/// them back equal; the table reflects as the model.
macro_rules! round_trip {
    ($name:ident, $feature:literal, $module:ident, $db:ty, $fresh:expr, $insert:literal, $select:literal, $bind:expr) => {
        #[cfg(feature = $feature)]
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(db) = $fresh else { return };
            let pool: &sqlx::Pool<$db> = &db.pool;
            strata::runtime::create_all(pool, &$module::SCHEMA)
                .await
                .unwrap();
            let values = $module::values();
            for (id, value) in values.iter().enumerate() {
                sqlx::query($insert)
                    .bind(id as i64)
                    .bind($bind(*value))
                    .execute(pool)
                    .await
                    .unwrap();
            }
            let read: Vec<$module::Value> =
                sqlx::query_scalar($select).fetch_all(pool).await.unwrap();
            assert_eq!(read, values);
            strata::runtime::reflect(pool)
                .await
                .unwrap()
                .matches(&$module::SCHEMA.snapshot())
                .unwrap();
            db.close().await;
        }
    };
}

round_trip!(
    chrono_sqlite,
    "chrono",
    with_chrono,
    sqlx::Sqlite,
    Some(strata_runtime::testing::sqlite().await),
    "INSERT INTO chrono_events (id, at) VALUES (?, ?)",
    "SELECT at FROM chrono_events ORDER BY id",
    |v| v
);
#[cfg(feature = "postgres")]
round_trip!(
    chrono_postgres,
    "chrono",
    with_chrono,
    sqlx::Postgres,
    strata_runtime::testing::postgres().await,
    "INSERT INTO chrono_events (id, at) VALUES ($1, $2)",
    "SELECT at FROM chrono_events ORDER BY id",
    |v| v
);
#[cfg(feature = "mysql")]
round_trip!(
    chrono_mysql,
    "chrono",
    with_chrono,
    sqlx::MySql,
    strata_runtime::testing::mysql().await,
    "INSERT INTO chrono_events (id, at) VALUES (?, ?)",
    "SELECT at FROM chrono_events ORDER BY id",
    // sqlx binds a DateTime<Utc> as MySQL's TIMESTAMP type, which MariaDB turns into NULL
    // past 2038 whatever the column: bind the UTC wall time, read the zoned type back.
    |v: with_chrono::Value| v.naive_utc()
);
round_trip!(
    time_sqlite,
    "time",
    with_time,
    sqlx::Sqlite,
    Some(strata_runtime::testing::sqlite().await),
    "INSERT INTO time_events (id, at) VALUES (?, ?)",
    "SELECT at FROM time_events ORDER BY id",
    |v| v
);
#[cfg(feature = "postgres")]
round_trip!(
    time_postgres,
    "time",
    with_time,
    sqlx::Postgres,
    strata_runtime::testing::postgres().await,
    "INSERT INTO time_events (id, at) VALUES ($1, $2)",
    "SELECT at FROM time_events ORDER BY id",
    |v| v
);
#[cfg(feature = "mysql")]
round_trip!(
    time_mysql,
    "time",
    with_time,
    sqlx::MySql,
    strata_runtime::testing::mysql().await,
    "INSERT INTO time_events (id, at) VALUES (?, ?)",
    "SELECT at FROM time_events ORDER BY id",
    // As above: bind the UTC wall time (a PrimitiveDateTime).
    |v: with_time::Value| time::PrimitiveDateTime::new(v.date(), v.time())
);

// ---------------------------------------------------------------------------------------------
// upgrade_or_create failing half-way
// ---------------------------------------------------------------------------------------------

static MIGRATIONS: strata::Migrations = strata::embed_migrations!("examples/service/migrations");

#[derive(Table)]
#[table(name = "users")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
}

/// Created after `users` (it references it); its column type is not valid SQL anywhere.
#[derive(Table)]
#[table(name = "posts")]
pub struct BrokenPost {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = User)]
    pub user_id: i64,
    #[column(sql_type = "INTEGER CHECK (")]
    pub body: i64,
}

static BROKEN: strata::Schema = strata::schema![User, BrokenPost];

async fn failed_create_leaves_history<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let err = strata::runtime::upgrade_or_create(pool, &MIGRATIONS, &BROKEN)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("create_all: table `posts`: statement `CREATE TABLE IF NOT EXISTS"),
        "{err}"
    );
    let tables: Vec<String> = strata::runtime::reflect(pool)
        .await
        .unwrap()
        .tables
        .into_iter()
        .map(|t| t.name)
        .collect();
    if DB::DIALECT == strata::Dialect::Mysql {
        // DDL commits on MySQL: `users` exists, and so does the history saying the versions
        // are not done, which names the repair.
        assert_eq!(tables, vec!["users"]);
        let states: Vec<VersionState> = strata::runtime::status(pool, &MIGRATIONS)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.state)
            .collect();
        assert_eq!(
            states,
            vec![VersionState::Incomplete, VersionState::Incomplete]
        );
        assert_eq!(
            strata::runtime::db_version(pool, &MIGRATIONS)
                .await
                .unwrap(),
            Some(0)
        );
        let err = strata::runtime::upgrade(pool, &MIGRATIONS)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "migration 1 (0001_create_users.sql) is incomplete: an earlier run failed part-way and some of its statements may have taken effect; repair the database by hand, then run `strata version-control --force 1` if it is now fully applied, or `strata version-control --force 0` to run it again"
        );
    } else {
        // One transaction: nothing happened.
        assert!(tables.is_empty(), "{tables:?}");
        assert_eq!(
            strata::runtime::db_version(pool, &MIGRATIONS)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            strata::runtime::upgrade(pool, &MIGRATIONS)
                .await
                .unwrap()
                .versions(),
            vec![1, 2]
        );
    }
}

strata_runtime::on_each_backend!(failed_create_leaves_history);
