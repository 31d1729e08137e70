pub static MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("tests/ui/embed-migrations/repos/duplicate-versions");

fn main() {}
