use strata::Table;

#[derive(Table)]
pub struct Empty {
    #[column(skip)]
    pub cache: Vec<u8>,
}

fn main() {}
