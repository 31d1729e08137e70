use strata::Table;

#[derive(Table)]
pub enum Status {
    Active,
    Banned,
}

fn main() {}
