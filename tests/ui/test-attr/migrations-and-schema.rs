#[strata::test(migrations = MIGRATIONS, schema = SCHEMA)]
async fn both(pool: strata::sqlx::SqlitePool) {
    let _ = pool;
}

fn main() {}
