use strata::Table;

#[derive(Table)]
#[table(primary_key(id, version))]
pub struct Document {
    pub id: i64,
    pub version: i32,
}

#[derive(Table)]
pub struct Comment {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Document)]
    pub document_id: i64,
}

fn main() {}
