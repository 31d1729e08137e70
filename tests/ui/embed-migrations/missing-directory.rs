pub static MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("embed-migrations/repos/does-not-exist");

fn main() {}
