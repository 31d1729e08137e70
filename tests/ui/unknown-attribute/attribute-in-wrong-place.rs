use strata::Table;

#[derive(Table)]
#[column(primary_key)]
pub struct User {
    #[table(name = "users")]
    pub id: i64,
}

fn main() {}
