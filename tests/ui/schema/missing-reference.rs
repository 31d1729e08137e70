use strata::Table;

#[derive(Table)]
#[table(name = "users")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
}

#[derive(Table)]
#[table(name = "posts")]
pub struct Post {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = User)]
    pub user_id: i64,
}

pub static SCHEMA: strata::Schema = strata::schema![Post];

fn main() {}
