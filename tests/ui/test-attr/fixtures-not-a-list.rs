#[strata::test(fixtures = "users.sql")]
async fn assigned(pool: strata::sqlx::SqlitePool) {
    let _ = pool;
}

fn main() {}
