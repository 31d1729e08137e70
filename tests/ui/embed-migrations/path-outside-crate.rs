pub static MIGRATIONS: strata::Migrations = strata::embed_migrations!("tests/../../migrations");

fn main() {}
