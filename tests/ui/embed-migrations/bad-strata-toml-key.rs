pub static MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("embed-migrations/repos/bad-strata-toml-key");

fn main() {}
