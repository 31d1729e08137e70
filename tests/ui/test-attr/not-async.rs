#[strata::test]
fn not_async(pool: strata::sqlx::SqlitePool) {
    let _ = pool;
}

fn main() {}
