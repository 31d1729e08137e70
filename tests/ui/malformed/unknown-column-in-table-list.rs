use strata::Table;

#[derive(Table)]
#[table(index(name, emial), unique(cache), primary_key(id, id))]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    #[column(skip)]
    pub cache: Vec<u8>,
}

fn main() {}
