use strata::Table;

#[derive(Table)]
pub struct User {
    #[column(primary_key)]
    #[column(primary_key)]
    pub id: i64,
    #[column(length = 10, length = 20)]
    pub name: String,
}

fn main() {}
