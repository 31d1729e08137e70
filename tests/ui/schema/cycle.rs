use strata::Table;

#[derive(Table)]
pub struct Author {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Book)]
    pub favourite_book: Option<i64>,
}

#[derive(Table)]
pub struct Book {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Shelf)]
    pub shelf: i64,
}

#[derive(Table)]
pub struct Shelf {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = Author)]
    pub owner: i64,
}

pub static SCHEMA: strata::Schema = strata::schema![Author, Book, Shelf];

fn main() {}
