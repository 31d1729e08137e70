pub static MIGRATIONS: strata::Migrations = strata::embed_migrations!(migrations);

pub static EMPTY: strata::Migrations = strata::embed_migrations!();

fn main() {}
