use strata::Table;

#[derive(Table)]
pub struct Post {
    #[column(primary_key)]
    pub id: i64,
    #[column(on_delete = "cascade", on_update = "restrict")]
    pub user_id: i64,
}

fn main() {}
