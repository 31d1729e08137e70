pub static MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("tests/ui/embed-migrations/repos/missing-up-script");

fn main() {}
