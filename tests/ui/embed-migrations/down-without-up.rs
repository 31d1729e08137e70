pub static MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("embed-migrations/repos/down-without-up");

fn main() {}
