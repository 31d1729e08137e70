#[strata::test(fixtures("present.sql", "missing.sql"))]
async fn missing(pool: strata::sqlx::SqlitePool) {
    let _ = pool;
}

fn main() {}
