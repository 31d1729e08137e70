use strata::{ColumnDef, Schema, SqlType, TableDef};

const fn column(name: &'static str) -> ColumnDef {
    ColumnDef {
        name,
        field: name,
        sql_type: SqlType::BigInt,
        sql_type_override: None,
        nullable: false,
        auto_increment: false,
        default: None,
        renamed_from: None,
    }
}

static USERS: TableDef = TableDef {
    name: "users",
    rust_name: "User",
    columns: &[column("id"), column("id")],
    primary_key: &["id"],
    uniques: &[],
    indexes: &[],
    foreign_keys: &[],
};

pub static SCHEMA: Schema = Schema::checked(&[&USERS]);

fn main() {}
