use strata::Table;

#[derive(Table)]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    #[column(auto_increment)]
    pub counter: i64,
}

fn main() {}
