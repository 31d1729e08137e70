pub static MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("embed-migrations/repos/missing-up-script");

fn main() {}
