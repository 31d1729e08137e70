//! When nothing is pending, `upgrade` sends exactly one statement. sqlx logs one event of
//! target `sqlx::query` per execute/fetch call; SQLite logs from its worker thread, so the
//! counting layer sits on the global subscriber, and this test has its own binary.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
#![cfg(feature = "sqlite")]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use strata_runtime::Backend;
use support::tables;
use tracing_subscriber::layer::{Context, SubscriberExt};

static QUERIES: AtomicUsize = AtomicUsize::new(0);

struct CountQueries;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CountQueries {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            QUERIES.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(CountQueries);
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
}

/// Statements `upgrade` sends on a warm one-connection pool (driver setup and pings excluded:
/// the connection is established before counting).
async fn count_upgrade<DB: Backend>(pool: &sqlx::Pool<DB>, m: &strata_core::Migrations) -> usize {
    // Warm: the connection exists and its setup statements are done.
    drop(pool.acquire().await.unwrap());
    QUERIES.store(0, Ordering::SeqCst);
    let report = strata_runtime::upgrade(pool, m).await.unwrap();
    let n = QUERIES.load(Ordering::SeqCst);
    assert!(report.is_empty() || n > 1);
    n
}

async fn fast_path_is_one_statement<DB: Backend>(url: &str) {
    install();
    let pool = sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    for n in [1, 50] {
        let m = tables(n);
        // The first run applies everything: many statements, and the counter works.
        let first = count_upgrade(&pool, &m).await;
        assert!(
            first > 2 * n as usize,
            "{first} statements for {n} migrations"
        );
        assert_eq!(count_upgrade(&pool, &m).await, 1, "N = {n}");
        assert_eq!(count_upgrade(&pool, &m).await, 1, "N = {n}");
        // Back to empty for the next size.
        strata_runtime::downgrade(&pool, &m, 0).await.unwrap();
    }
    pool.close().await;
}

/// One test runs every backend in turn: the counter is global.
#[tokio::test]
async fn fast_path_sends_one_statement_on_every_backend() {
    let db = strata_runtime::testing::sqlite().await;
    fast_path_is_one_statement::<sqlx::Sqlite>(&db.url).await;
    db.close().await;

    #[cfg(feature = "postgres")]
    if let Some(db) = strata_runtime::testing::postgres().await {
        fast_path_is_one_statement::<sqlx::Postgres>(&db.url).await;
        db.close().await;
    }

    #[cfg(feature = "mysql")]
    if let Some(db) = strata_runtime::testing::mysql().await {
        fast_path_is_one_statement::<sqlx::MySql>(&db.url).await;
        db.close().await;
    }
}
