use strata::Table;

#[derive(Table)]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    #[column(rename = "name")]
    pub display_name: String,
}

fn main() {}
