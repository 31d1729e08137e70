use strata::Table;

#[derive(Table)]
#[table(name = users, index = "name")]
pub struct User {
    #[column(primary_key = true)]
    pub id: i64,
    #[column(length = "64")]
    pub name: String,
    #[column(length = 0)]
    pub nick: String,
    #[column(default = 1 + 1)]
    pub karma: i32,
    #[column(rename = "")]
    pub email: String,
    #[column(on_delete = "destroy", references = "users")]
    pub boss: i64,
}

fn main() {}
