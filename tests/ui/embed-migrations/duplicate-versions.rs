pub static MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("embed-migrations/repos/duplicate-versions");

fn main() {}
