#[strata::test(schema = SCHEMA, fixtures("present.sql"))]
async fn no_pool() {}

fn main() {}
