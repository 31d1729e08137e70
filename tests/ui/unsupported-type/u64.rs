use strata::Table;

#[derive(Table)]
pub struct Counter {
    #[column(primary_key)]
    pub id: i64,
    pub hits: u64,
}

fn main() {}
