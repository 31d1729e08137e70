pub static MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("tests/ui/embed-migrations/repos/bad-strata-toml-key");

fn main() {}
