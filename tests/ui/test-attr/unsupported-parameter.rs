#[strata::test]
async fn takes_a_connection(conn: strata::sqlx::SqliteConnection) {
    let _ = conn;
}

#[strata::test]
async fn takes_a_reference(pool: &strata::sqlx::SqlitePool) {
    let _ = pool;
}

#[strata::test]
async fn takes_a_number(n: i32) {
    let _ = n;
}

fn main() {}
