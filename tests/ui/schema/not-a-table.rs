use strata::Table;

pub struct Settings {
    pub theme: String,
}

#[derive(Table)]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Settings)]
    pub settings_id: i64,
}

pub static SCHEMA: strata::Schema = strata::schema![User, Settings];

fn main() {}
