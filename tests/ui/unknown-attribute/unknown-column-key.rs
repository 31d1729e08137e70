use strata::Table;

#[derive(Table)]
pub struct User {
    #[column(primary_key, nullable)]
    pub id: i64,
}

fn main() {}
