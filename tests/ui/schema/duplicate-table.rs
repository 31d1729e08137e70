use strata::Table;

#[derive(Table)]
#[table(name = "users")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
}

#[derive(Table)]
#[table(name = "users")]
pub struct Account {
    #[column(primary_key)]
    pub id: i64,
}

pub static SCHEMA: strata::Schema = strata::schema![User, Account];
pub static TWICE: strata::Schema = strata::schema![User, User];

fn main() {}
