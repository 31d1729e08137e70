pub static MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("tests/ui/embed-migrations/repos/does-not-exist");

fn main() {}
