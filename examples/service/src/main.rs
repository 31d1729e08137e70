//! A service that upgrades its database at startup.
//!
//! ```text
//! cargo run -p service                      # ./service.db, created if missing
//! DATABASE_URL=sqlite://other.db cargo run -p service
//! ```
//!
//! The migrations in `migrations/` are embedded at compile time (with their checksums), so the
//! binary needs no files at run time. When nothing is pending, the upgrade is one statement.

/// The scripts of `migrations/`, checked and embedded at compile time.
static MIGRATIONS: strata::Migrations = strata::embed_migrations!("migrations");

/// The tables the migrations build, as the service's code sees them. The tests check that the
/// two agree.
#[allow(dead_code)] // the fields are the shape of rows; this small service reads none
mod models {
    /// A user of the service.
    #[derive(strata::Table)]
    #[table(name = "users")]
    pub struct User {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        #[column(length = 64, unique)]
        pub name: String,
    }

    /// A post, by a user.
    #[derive(strata::Table)]
    #[table(name = "posts")]
    pub struct Post {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        #[column(references = User, index)]
        pub user_id: i64,
        pub body: String,
    }

    pub static SCHEMA: strata::Schema = strata::schema![User, Post];
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://service.db".to_string());

    // Any number of instances may start at once: each migration runs exactly once.
    let pool = strata::sqlx::SqlitePool::connect_with(
        url.parse::<strata::sqlx::sqlite::SqliteConnectOptions>()?
            .create_if_missing(true),
    )
    .await?;
    let report = strata::runtime::upgrade(&pool, &MIGRATIONS).await?;
    println!("{report}");

    let version = strata::runtime::db_version(&pool, &MIGRATIONS).await?;
    println!("database at version {}", version.unwrap_or(0));
    for line in strata::runtime::status(&pool, &MIGRATIONS).await? {
        println!("  {:>4} {:<16} {}", line.version, line.name, line.state);
    }
    pool.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;
    use super::models::SCHEMA;
    use strata::sqlx;

    /// The migrations build the tables the models declare.
    #[tokio::test]
    async fn models_match_migrations() {
        strata::testing::assert_in_sync(&SCHEMA, &MIGRATIONS).await;
    }

    /// Every down script undoes its up script.
    #[tokio::test]
    async fn migrations_are_reversible() {
        strata::testing::assert_reversible(&MIGRATIONS).await;
    }

    /// The posts table arrives on a database that already has users.
    #[tokio::test]
    async fn posts_arrive_over_existing_users() {
        let users = "INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'grace');";
        strata::testing::assert_upgrades_from(&MIGRATIONS, 1, users).await;
    }

    /// Each `#[strata::test]` gets a fresh database with the migrations applied, removed
    /// afterwards (`cargo test -p service`).
    #[strata::test(migrations = MIGRATIONS)]
    async fn a_post_belongs_to_an_existing_user(pool: sqlx::SqlitePool) {
        sqlx::query("INSERT INTO users (id, name) VALUES (1, 'ada')")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO posts (user_id, body) VALUES (1, 'hello')")
            .execute(&pool)
            .await
            .unwrap();
        let orphan = sqlx::query("INSERT INTO posts (user_id, body) VALUES (2, 'lost')")
            .execute(&pool)
            .await
            .unwrap_err();
        assert!(
            orphan.to_string().contains("FOREIGN KEY constraint failed"),
            "{orphan}"
        );
        let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM posts")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(bodies, ["hello"]);
    }
}
