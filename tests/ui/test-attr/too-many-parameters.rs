#[strata::test]
async fn two_pools(a: strata::sqlx::SqlitePool, b: strata::sqlx::SqlitePool) {
    let _ = (a, b);
}

fn main() {}
