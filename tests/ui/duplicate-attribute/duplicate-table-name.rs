use strata::Table;

#[derive(Table)]
#[table(name = "users")]
#[table(name = "accounts")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
}

fn main() {}
