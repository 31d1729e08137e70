#[strata::test(migrations = "migrations")]
async fn string(pool: strata::sqlx::SqlitePool) {
    let _ = pool;
}

fn main() {}
