use strata::Table;

#[derive(Table)]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    #[column(length = 10)]
    pub karma: i32,
}

fn main() {}
