use strata::Table;

#[derive(Table)]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    #[column(skip, unique, rename = "c")]
    pub cache: Vec<u8>,
}

fn main() {}
