#[strata::test(migrations = MIGRATIONS, migrations = MIGRATIONS)]
async fn twice_migrations(pool: strata::sqlx::SqlitePool) {
    let _ = pool;
}

#[strata::test(fixtures("a.sql"), fixtures("b.sql"))]
async fn twice_fixtures(pool: strata::sqlx::SqlitePool) {
    let _ = pool;
}

fn main() {}
