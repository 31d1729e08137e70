use strata::Table;

#[derive(Table)]
pub struct Wrapper<'a, T> {
    pub id: i64,
    pub name: &'a str,
    pub value: T,
}

fn main() {}
