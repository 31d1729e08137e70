//! A project's `manage` binary, as `strata init` writes it, for the command-line tests: the
//! models come in two versions, so a test can "change a model" without recompiling:
//! `STRATA_EXAMPLE_MODELS=v2` adds `users.email` and the `posts` table.
//!
//!     cargo run -p strata-cli --example manage -- --help

// The fields are what a real application reads; here only the table definitions matter.
#![allow(dead_code)]

use std::process::ExitCode;

mod v1 {
    use strata::Table;

    #[derive(Table)]
    #[table(name = "users")]
    pub struct User {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        #[column(length = 100)]
        pub name: String,
    }

    pub static SCHEMA: strata::Schema = strata::schema![User];
}

mod v2 {
    use strata::Table;

    #[derive(Table)]
    #[table(name = "users")]
    pub struct User {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        #[column(length = 100)]
        pub name: String,
        #[column(length = 200)]
        pub email: Option<String>,
    }

    #[derive(Table)]
    #[table(name = "posts")]
    pub struct Post {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        #[column(references = User, on_delete = "cascade", index)]
        pub user_id: i64,
        #[column(length = 200)]
        pub title: String,
    }

    pub static SCHEMA: strata::Schema = strata::schema![User, Post];
}

static MIGRATIONS: strata::Migrations = strata::embed_migrations!("examples/manage/migrations");

fn main() -> ExitCode {
    let schema = match std::env::var("STRATA_EXAMPLE_MODELS").as_deref() {
        Ok("v2") => &v2::SCHEMA,
        _ => &v1::SCHEMA,
    };
    strata_cli::run(schema, &MIGRATIONS)
}
