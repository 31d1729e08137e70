pub static MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("embed-migrations/repos/malformed-name");

fn main() {}
