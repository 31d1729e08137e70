#[strata::test(migrator = MIGRATIONS)]
async fn unknown(pool: strata::sqlx::SqlitePool) {
    let _ = pool;
}

fn main() {}
