use strata::Table;

#[derive(Table)]
#[table(nmae = "users", index(missing))]
pub struct User {
    #[column(primary_key, primary_key)]
    pub id: i64,
    #[column(lenght = 64)]
    pub name: String,
    #[column(default = 0, default_sql = "0")]
    pub karma: i32,
    #[column(skip, index)]
    pub cache: Vec<u8>,
}

fn main() {}
