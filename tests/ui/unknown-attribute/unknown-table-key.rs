use strata::Table;

#[derive(Table)]
#[table(name = "users", engine = "InnoDB")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
}

fn main() {}
