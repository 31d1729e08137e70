use strata::Table;

#[derive(Table)]
#[table(primary_key(id, version))]
pub struct Document {
    #[column(primary_key)]
    pub id: i64,
    #[column(primary_key)]
    pub version: i32,
}

fn main() {}
