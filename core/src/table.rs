//! The `Table` trait: what `#[derive(Table)]` implements.

use crate::schema::TableDef;

/// A Rust type that describes one database table.
///
/// Implemented by `#[derive(Table)]` (documented on the `strata` crate). Everything is an
/// associated const, so a whole schema is built at compile time:
/// `pub static SCHEMA: strata::Schema = strata::schema![User, Post];`.
///
/// [`NAME`](Table::NAME) and [`PRIMARY_KEY`](Table::PRIMARY_KEY) are plain literals that never
/// read another table, so `#[column(references = Other)]` can use them even when `Other` is the
/// table itself (reading `Other::DEF` there would be a const-evaluation cycle).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a table: it does not implement `strata::Table`",
    label = "not a table",
    note = "add `#[derive(strata::Table)]` to the struct `{Self}`"
)]
pub trait Table {
    /// The table's name in the database.
    const NAME: &'static str;
    /// The primary key's column names, in order (empty: the table has no primary key).
    const PRIMARY_KEY: &'static [&'static str];
    /// The full table definition.
    const DEF: TableDef;
}

/// The table name `#[derive(Table)]` gives a struct without `#[table(name = ..)]`: its name in
/// snake_case. `UserProfile` → `user_profile`, `HTTPRequest` → `http_request`, `User2FA` →
/// `user2_fa`.
pub fn default_table_name(struct_name: &str) -> String {
    let chars: Vec<char> = struct_name.chars().collect();
    let mut out = String::with_capacity(struct_name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let previous = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let starts_word = match previous {
                None | Some('_') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                // An acronym ends where a capital is followed by a lowercase letter.
                Some(p) if p.is_uppercase() => next.is_some_and(char::is_lowercase),
                Some(_) => false,
            };
            if starts_word {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
