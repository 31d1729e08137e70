pub static MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("embed-migrations/repos/stray-sql-file");

fn main() {}
