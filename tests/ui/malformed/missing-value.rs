use strata::Table;

#[derive(Table)]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    #[column(rename)]
    pub name: String,
    #[column(references(User))]
    pub boss: i64,
    #[column(primary_key(id))]
    pub other: i64,
}

fn main() {}
