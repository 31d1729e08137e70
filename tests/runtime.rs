//! The facade's runtime with an embedded repository (examples/service/migrations) on every
//! backend: upgrade at startup, upgrade_or_create, connect.
#![cfg(feature = "sqlite")]

use strata::{Backend, Table, VersionState};

static MIGRATIONS: strata::Migrations = strata::embed_migrations!("examples/service/migrations");

/// The same tables as the migrations create.
#[derive(Table)]
#[table(name = "users")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    #[column(length = 64, unique)]
    pub name: String,
}

#[derive(Table)]
#[table(name = "posts")]
pub struct Post {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = User, index)]
    pub user_id: i64,
    pub body: String,
}

static SCHEMA: strata::Schema = strata::schema![User, Post];

fn not_strata_migrations(name: &str) -> bool {
    name != "strata_migrations"
}

async fn table_names<DB: Backend>(pool: &sqlx::Pool<DB>) -> Vec<String> {
    let snapshot = strata::runtime::reflect(pool).await.unwrap();
    let mut names: Vec<String> = snapshot
        .tables
        .iter()
        .map(|t| t.name.clone())
        .filter(|n| not_strata_migrations(n))
        .collect();
    names.sort();
    names
}

async fn embedded_upgrade<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    assert_eq!(
        strata::runtime::db_version(pool, &MIGRATIONS)
            .await
            .unwrap(),
        None
    );
    let report = strata::runtime::upgrade(pool, &MIGRATIONS).await.unwrap();
    assert_eq!(report.versions(), vec![1, 2]);
    assert_eq!(report.migrations[1].name, "create_posts");
    assert_eq!(table_names(pool).await, vec!["posts", "users"]);
    assert!(
        strata::runtime::upgrade(pool, &MIGRATIONS)
            .await
            .unwrap()
            .is_empty()
    );
    let states: Vec<VersionState> = strata::runtime::status(pool, &MIGRATIONS)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.state)
        .collect();
    assert_eq!(states, vec![VersionState::Applied, VersionState::Applied]);
    let report = strata::runtime::downgrade(pool, &MIGRATIONS, 0)
        .await
        .unwrap();
    assert_eq!(report.versions(), vec![2, 1]);
    assert_eq!(
        strata::runtime::db_version(pool, &MIGRATIONS)
            .await
            .unwrap(),
        Some(0)
    );
    assert!(table_names(pool).await.is_empty());
}

async fn create_then_stamp<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let report = strata::runtime::upgrade_or_create(pool, &MIGRATIONS, &SCHEMA)
        .await
        .unwrap();
    // Nothing ran: the schema was created and every version recorded.
    assert!(report.is_empty(), "{report:?}");
    assert_eq!(table_names(pool).await, vec!["posts", "users"]);
    assert_eq!(
        strata::runtime::db_version(pool, &MIGRATIONS)
            .await
            .unwrap(),
        Some(2)
    );
    let snapshot = strata::runtime::reflect(pool).await.unwrap();
    snapshot.matches(&SCHEMA.snapshot()).unwrap();
    // The head row is true: the next upgrade is the fast path.
    assert!(
        strata::runtime::upgrade(pool, &MIGRATIONS)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        strata::runtime::upgrade_or_create(pool, &MIGRATIONS, &SCHEMA)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn existing_tables_mean_upgrade<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut conn = pool.acquire().await.unwrap();
    DB::execute_audited(
        &mut conn,
        sqlx::SqlStr::from_static("CREATE TABLE unrelated (id INTEGER PRIMARY KEY)"),
    )
    .await
    .unwrap();
    drop(conn);
    let report = strata::runtime::upgrade_or_create(pool, &MIGRATIONS, &SCHEMA)
        .await
        .unwrap();
    assert_eq!(report.versions(), vec![1, 2]);
    assert_eq!(table_names(pool).await, vec!["posts", "unrelated", "users"]);
}

strata_runtime::on_each_backend!(
    embedded_upgrade,
    create_then_stamp,
    existing_tables_mean_upgrade
);

#[tokio::test]
async fn connect_creates_the_sqlite_file_and_upgrades() {
    let dir = std::env::temp_dir().join(strata_runtime::testing::unique_database_name());
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.db");
    let url = format!("sqlite://{}", path.display());
    let pool = strata::runtime::connect::<sqlx::Sqlite>(&url, &MIGRATIONS)
        .await
        .unwrap();
    assert!(path.exists());
    assert_eq!(
        strata::runtime::db_version(&pool, &MIGRATIONS)
            .await
            .unwrap(),
        Some(2)
    );
    pool.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every public future is `Send`: services spawn them.
#[allow(dead_code, clippy::let_underscore_future)]
fn futures_are_send(pool: &'static sqlx::SqlitePool) {
    fn send<T: Send>(_: T) {}
    send(strata::runtime::upgrade(pool, &MIGRATIONS));
    send(strata::runtime::upgrade_to(pool, &MIGRATIONS, 1));
    send(strata::runtime::downgrade(pool, &MIGRATIONS, 0));
    send(strata::runtime::version_control(pool, &MIGRATIONS, None));
    send(strata::runtime::db_version(pool, &MIGRATIONS));
    send(strata::runtime::status(pool, &MIGRATIONS));
    send(strata::runtime::upgrade_or_create(
        pool,
        &MIGRATIONS,
        &SCHEMA,
    ));
    send(strata::runtime::connect::<sqlx::Sqlite>(
        "sqlite::memory:",
        &MIGRATIONS,
    ));
    let migrator = strata::Migrator::new(&MIGRATIONS);
    send(migrator.upgrade(pool));
}

#[cfg(feature = "postgres")]
#[allow(dead_code)]
fn futures_are_send_on_postgres(pool: &'static sqlx::PgPool) {
    fn send<T: Send>(_: T) {}
    send(strata::runtime::upgrade(pool, &MIGRATIONS));
    send(strata::runtime::downgrade(pool, &MIGRATIONS, 0));
    send(strata::runtime::upgrade_or_create(
        pool,
        &MIGRATIONS,
        &SCHEMA,
    ));
}

#[cfg(feature = "mysql")]
#[allow(dead_code)]
fn futures_are_send_on_mysql(pool: &'static sqlx::MySqlPool) {
    fn send<T: Send>(_: T) {}
    send(strata::runtime::upgrade(pool, &MIGRATIONS));
    send(strata::runtime::downgrade(pool, &MIGRATIONS, 0));
    send(strata::runtime::upgrade_or_create(
        pool,
        &MIGRATIONS,
        &SCHEMA,
    ));
}
