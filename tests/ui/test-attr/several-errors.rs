// Every mistake of one test is reported at once.
#[strata::test(schema = SCHEMA, migrations = MIGRATIONS, fixtures("nowhere.sql"))]
fn everything_wrong(a: i32, b: strata::sqlx::SqlitePool) {
    let _ = (a, b);
}

fn main() {}
