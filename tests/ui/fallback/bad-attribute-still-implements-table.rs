use strata::Table;

#[derive(Table)]
#[table(name = "users")]
pub struct User {
    #[column(primary_key, colour = "red")]
    pub id: i64,
    pub name: String,
}

const NAME: &str = <User as Table>::NAME;
static SCHEMA: strata::Schema = strata::schema![User];

fn main() {
    let _ = (NAME, &SCHEMA, User::COLUMNS.name);
}
