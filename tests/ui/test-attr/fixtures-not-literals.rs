const USERS: &str = "users.sql";

#[strata::test(fixtures(USERS, 1, "users.sql"))]
async fn not_literals(pool: strata::sqlx::SqlitePool) {
    let _ = pool;
}

fn main() {}
