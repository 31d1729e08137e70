use strata::Table;

#[derive(Table)]
pub struct User {
    #[column(primary_key, auto_increment)]
    pub id: String,
}

fn main() {}
