//! [`Snapshot::to_rust_source`]: a schema written back as Rust, one `#[derive(Table)]` struct
//! per table and a `schema!` static, so `create_all` reproduces the tables (create_model).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::ddl::quote_str;
use crate::dialect::Dialect;
use crate::reflect_types::declared_as_strata_declares;
use crate::schema::{FkAction, SqlType};
use crate::snapshot::{ColumnDefault, ColumnSnapshot, ForeignKeySnapshot, Snapshot, TableSnapshot};
use crate::table::default_table_name;

/// Rust's keywords in the 2024 edition (strict and reserved): never a field or struct name.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names the generated code uses unqualified (or that `Self` would mean): a table with one
/// of these names gets `Table` appended to its struct's name.
const TAKEN_TYPE_NAMES: &[&str] = &[
    "Self", "Option", "Some", "None", "Vec", "String", "Box", "Result", "Ok", "Err", "Table",
    "Schema",
];

impl Snapshot {
    /// The schema as Rust source (SQLAlchemy-Migrate's `create_model`): one
    /// `#[derive(strata::Table)]` struct per table and a `pub static SCHEMA` listing them, which
    /// compile and reproduce the tables with `create_all`.
    ///
    /// - Table `order_line` becomes `pub struct OrderLine`; names that are not Rust identifiers
    ///   or are keywords (`order`, `type`, `Mixed Case`) keep their database name through
    ///   `#[table(name = ..)]` / `#[column(rename = ..)]`.
    /// - Every attribute needed to reproduce a table is written: primary keys (composite ones
    ///   on the struct), `auto_increment`, `unique` and `index` (composite ones on the struct),
    ///   `references` with `on_delete`/`on_update`, `default`/`default_sql`, `length`, and
    ///   `sql_type` wherever the database's exact type is not what strata declares for the
    ///   field's Rust type (types outside the mapping, `numeric(10,2)`, PostgreSQL `json`).
    /// - Whatever could not be reproduced exactly is said in a `//` comment above the column
    ///   or struct: a type outside strata's mapping (and the Rust type that reads it), a
    ///   composite foreign key, a foreign key closing a cycle between tables (which `schema!`
    ///   rejects), an auto-increment column that is not the whole primary key.
    /// - The output is deterministic: the same snapshot gives the same text, columns in the
    ///   database's order.
    ///
    /// The first lines name the crates the field types need (chrono, uuid, serde_json,
    /// rust_decimal: add them and strata's features of the same names).
    pub fn to_rust_source(&self) -> String {
        Writer::new(self).write()
    }
}

struct Writer<'s> {
    snapshot: &'s Snapshot,
    /// Table name → struct name.
    struct_names: BTreeMap<&'s str, String>,
    /// (table index, foreign-key index) of the foreign keys written as `references`.
    kept_foreign_keys: BTreeSet<(usize, usize)>,
    /// Table index → why each left-out foreign key is left out.
    dropped_foreign_keys: BTreeMap<usize, Vec<String>>,
    /// Crates the field types need.
    crates: BTreeSet<&'static str>,
}

impl<'s> Writer<'s> {
    fn new(snapshot: &'s Snapshot) -> Self {
        let mut struct_names = BTreeMap::new();
        let mut used = BTreeSet::new();
        for table in &snapshot.tables {
            let name = unique_name(struct_name(&table.name), &mut used);
            struct_names.insert(table.name.as_str(), name);
        }
        let mut writer = Writer {
            snapshot,
            struct_names,
            kept_foreign_keys: BTreeSet::new(),
            dropped_foreign_keys: BTreeMap::new(),
            crates: BTreeSet::new(),
        };
        writer.choose_foreign_keys();
        writer
    }

    fn dialect(&self) -> Option<Dialect> {
        self.snapshot.dialect
    }

    /// Decides which foreign keys become `references`: single-column ones to a table and
    /// column of this snapshot, one per column, and none that closes a cycle between distinct
    /// tables (which `schema!` rejects because `create_all` could not order the tables).
    fn choose_foreign_keys(&mut self) {
        let tables = &self.snapshot.tables;
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (ti, table) in tables.iter().enumerate() {
            let mut columns_with_reference = BTreeSet::new();
            for (fi, fk) in table.foreign_keys.iter().enumerate() {
                let describe = describe_foreign_key(fk);
                let reason = if fk.columns.len() != 1 || fk.ref_columns.len() != 1 {
                    Some(format!(
                        "foreign key {describe} is left out: a foreign key over several \
                         columns has no attribute; add it in a migration"
                    ))
                } else if !self.references_known_column(fk) {
                    Some(format!(
                        "foreign key {describe} is left out: table `{}` is not in this schema",
                        fk.ref_table
                    ))
                } else if columns_with_reference.contains(&fk.columns[0]) {
                    Some(format!(
                        "foreign key {describe} is left out: a column takes one `references`"
                    ))
                } else if self.reference_text(table, fk).is_none() {
                    Some(format!(
                        "foreign key {describe} is left out: `references = \"table(column)\"` \
                         cannot spell these names"
                    ))
                } else if fk.ref_table != table.name && reaches(&edges, &fk.ref_table, &table.name)
                {
                    Some(format!(
                        "foreign key {describe} is left out: it closes a cycle of foreign keys \
                         between tables, which `schema!` rejects; add it in a migration"
                    ))
                } else {
                    None
                };
                match reason {
                    Some(reason) => self
                        .dropped_foreign_keys
                        .entry(ti)
                        .or_default()
                        .push(reason),
                    None => {
                        columns_with_reference.insert(fk.columns[0].clone());
                        self.kept_foreign_keys.insert((ti, fi));
                        if fk.ref_table != table.name {
                            edges
                                .entry(table.name.as_str())
                                .or_default()
                                .insert(fk.ref_table.as_str());
                        }
                    }
                }
            }
        }
    }

    fn references_known_column(&self, fk: &ForeignKeySnapshot) -> bool {
        self.snapshot
            .table(&fk.ref_table)
            .is_some_and(|t| t.column(&fk.ref_columns[0]).is_some())
    }

    /// `references = Type` when the referenced column is its table's whole primary key, else
    /// `references = "table(column)"` when the names can be written so; `None` otherwise.
    fn reference_text(&self, table: &TableSnapshot, fk: &ForeignKeySnapshot) -> Option<String> {
        let target = self.snapshot.table(&fk.ref_table)?;
        if target.primary_key == fk.ref_columns {
            return Some(if target.name == table.name {
                "Self".to_owned()
            } else {
                self.struct_names.get(target.name.as_str())?.clone()
            });
        }
        let plain = |name: &str| {
            !name.is_empty()
                && !name.contains(['(', ')', ',', '"', '\\'])
                && !name.chars().any(char::is_whitespace)
        };
        (plain(&fk.ref_table) && plain(&fk.ref_columns[0]))
            .then(|| format!("\"{}({})\"", fk.ref_table, fk.ref_columns[0]))
    }

    fn write(mut self) -> String {
        let mut body = String::new();
        for (ti, table) in self.snapshot.tables.iter().enumerate() {
            let text = self.write_table(ti, table);
            body.push('\n');
            body.push_str(&text);
        }
        let mut out = String::new();
        let from = match self.dialect() {
            Some(Dialect::Sqlite) => " from a SQLite database",
            Some(Dialect::Postgres) => " from a PostgreSQL database",
            Some(Dialect::Mysql) => " from a MySQL/MariaDB database",
            None => "",
        };
        let _ = writeln!(out, "// Written by strata{from}: one struct per table.");
        if !self.crates.is_empty() {
            let crates: Vec<String> = self.crates.iter().map(|c| format!("`{c}`")).collect();
            let _ = writeln!(
                out,
                "// The field types need the crates {} and strata's features of the same names.",
                crates.join(", ")
            );
        }
        out.push_str(&body);
        let names: Vec<&str> = self
            .snapshot
            .tables
            .iter()
            .map(|t| self.struct_names[t.name.as_str()].as_str())
            .collect();
        let _ = writeln!(
            out,
            "\npub static SCHEMA: strata::Schema = strata::schema![{}];",
            names.join(", ")
        );
        out
    }

    fn write_table(&mut self, ti: usize, table: &TableSnapshot) -> String {
        let struct_name = self.struct_names[table.name.as_str()].clone();
        let mut used = BTreeSet::new();
        let fields: Vec<String> = table
            .columns
            .iter()
            .map(|c| unique_name(field_name(&c.name), &mut used))
            .collect();
        let field_of = |column: &str| -> Option<&str> {
            table
                .columns
                .iter()
                .position(|c| c.name == column)
                .map(|i| fields[i].as_str())
        };
        let list = |columns: &[String]| -> Option<String> {
            let names: Option<Vec<&str>> = columns.iter().map(|c| field_of(c)).collect();
            names.map(|n| n.join(", "))
        };

        let mut table_attrs: Vec<String> = Vec::new();
        if default_table_name(&struct_name) != table.name {
            table_attrs.push(format!("name = {}", rust_str(&table.name)));
        }
        let composite_key = table.primary_key.len() > 1;
        if composite_key && let Some(l) = list(&table.primary_key) {
            table_attrs.push(format!("primary_key({l})"));
        }
        let mut column_unique: BTreeSet<&str> = BTreeSet::new();
        let mut column_index: BTreeSet<&str> = BTreeSet::new();
        let mut seen: BTreeSet<(bool, &[String])> = BTreeSet::new();
        for unique in &table.uniques {
            if !seen.insert((true, unique.columns.as_slice())) {
                continue;
            }
            match unique.columns.as_slice() {
                [one] => {
                    column_unique.insert(one);
                }
                columns => {
                    if let Some(l) = list(columns) {
                        table_attrs.push(format!("unique({l})"));
                    }
                }
            }
        }
        for index in &table.indexes {
            // MySQL adds an index to a foreign key that has none, named after the constraint
            // (or, for an unnamed one, after its column): it comes back with the foreign key.
            let implicit = self.dialect() == Some(Dialect::Mysql)
                && table.foreign_keys.iter().enumerate().any(|(fi, fk)| {
                    let index_name = index.name.as_deref();
                    (index_name == fk.name.as_deref()
                        || index_name == fk.columns.first().map(String::as_str))
                        && fk.columns == index.columns
                        && self.kept_foreign_keys.contains(&(ti, fi))
                });
            if implicit || !seen.insert((false, index.columns.as_slice())) {
                continue;
            }
            match index.columns.as_slice() {
                [one] => {
                    column_index.insert(one);
                }
                columns => {
                    if let Some(l) = list(columns) {
                        table_attrs.push(format!("index({l})"));
                    }
                }
            }
        }

        let mut out = String::new();
        for reason in self.dropped_foreign_keys.get(&ti).into_iter().flatten() {
            let _ = writeln!(out, "// {reason}");
        }
        out.push_str("#[derive(strata::Table)]\n");
        if !table_attrs.is_empty() {
            let _ = writeln!(out, "#[table({})]", table_attrs.join(", "));
        }
        let _ = writeln!(out, "pub struct {struct_name} {{");
        for (column, field) in table.columns.iter().zip(&fields) {
            let references: Vec<&ForeignKeySnapshot> = table
                .foreign_keys
                .iter()
                .enumerate()
                .filter(|(fi, fk)| {
                    self.kept_foreign_keys.contains(&(ti, *fi)) && fk.columns[0] == column.name
                })
                .map(|(_, fk)| fk)
                .collect();
            let facts = ColumnFacts {
                table,
                field,
                single_key: !composite_key && table.primary_key == [column.name.clone()],
                unique: column_unique.contains(column.name.as_str()),
                index: column_index.contains(column.name.as_str()),
                references: references.first().copied(),
            };
            out.push_str(&self.write_column(column, &facts));
        }
        out.push_str("}\n");
        out
    }

    fn write_column(&mut self, column: &ColumnSnapshot, facts: &ColumnFacts<'_>) -> String {
        let dialect = self.dialect();
        let mut notes: Vec<String> = Vec::new();
        let mut attrs: Vec<String> = Vec::new();
        let exact = column.db_type.as_deref();
        // The logical type of the field's Rust type: PostgreSQL has no column strata creates
        // for i8 and the unsigned types, so they widen there (with the exact type kept).
        let rust_logical = match (dialect, column.sql_type) {
            (Some(Dialect::Postgres), SqlType::TinyInt | SqlType::UnsignedTinyInt) => {
                SqlType::SmallInt
            }
            (Some(Dialect::Postgres), SqlType::UnsignedSmallInt) => SqlType::Integer,
            (Some(Dialect::Postgres), SqlType::UnsignedInteger) => SqlType::BigInt,
            (_, other) => other,
        };
        let sqlite_rowid = dialect == Some(Dialect::Sqlite)
            && column.auto_increment
            && facts.single_key
            && exact.is_some_and(|t| t.eq_ignore_ascii_case("integer"));
        let auto_increment = column.auto_increment && facts.single_key && rust_logical.is_integer();
        if column.auto_increment && !auto_increment {
            notes.push(
                "auto-increment left out: strata numbers only a single-column integer primary key"
                    .to_owned(),
            );
        }
        let sql_type: Option<&str> = match (dialect, exact) {
            (_, None) => None,
            (_, Some(_)) if sqlite_rowid => None,
            (None, Some(t)) => Some(t),
            (Some(d), Some(t)) => (!column.type_known
                || rust_logical != column.sql_type
                || !declared_as_strata_declares(
                    d,
                    column.sql_type,
                    t,
                    is_key_column(self.snapshot, facts.table, &column.name),
                ))
            .then_some(t),
        };
        let sql_type = match sql_type {
            Some(t) if t.trim().is_empty() => {
                notes.push(format!(
                    "declared without a type in the database: created as {}, the same affinity",
                    if dialect == Some(Dialect::Sqlite) {
                        "BLOB"
                    } else {
                        "its Rust type's"
                    }
                ));
                None
            }
            other => other,
        };
        let rust = self.rust_type(rust_logical);
        if !column.type_known
            && let Some(t) = exact.filter(|t| !t.trim().is_empty())
        {
            let mut note = format!("`{t}` is outside strata's type mapping: read as `{rust}`");
            if column.sql_type == SqlType::BigInt && t.to_ascii_lowercase().contains("unsigned") {
                note.push_str(", which holds values up to i64::MAX only");
            }
            notes.push(note);
        } else if rust_logical != column.sql_type {
            notes.push(format!(
                "`{}` is read as `{rust}`: PostgreSQL has no column strata creates for `{}`",
                exact.unwrap_or_default(),
                self.rust_type(column.sql_type)
            ));
        }

        if facts.single_key {
            attrs.push("primary_key".to_owned());
        }
        if auto_increment {
            attrs.push("auto_increment".to_owned());
        }
        if *facts.field != column.name {
            attrs.push(format!("rename = {}", rust_str(&column.name)));
        }
        match (sql_type, rust_logical) {
            (Some(t), _) => attrs.push(format!("sql_type = {}", rust_str(t))),
            (None, SqlType::Varchar(n)) => attrs.push(format!("length = {n}")),
            _ => {}
        }
        if facts.unique {
            attrs.push("unique".to_owned());
        }
        if facts.index {
            attrs.push("index".to_owned());
        }
        if !auto_increment && let Some(default) = &column.default {
            attrs.push(default_attr(dialect, default, rust_logical));
        }
        if let Some(fk) = facts.references
            && let Some(target) = self.reference_text(facts.table, fk)
        {
            attrs.push(format!("references = {target}"));
            for (key, action) in [("on_delete", fk.on_delete), ("on_update", fk.on_update)] {
                // InnoDB checks RESTRICT and NO ACTION alike, and reports its default as
                // RESTRICT: nothing to write there either.
                let action = action
                    .filter(|a| !(dialect == Some(Dialect::Mysql) && *a == FkAction::Restrict));
                if let Some(word) = action.and_then(action_word) {
                    attrs.push(format!("{key} = \"{word}\""));
                }
            }
        }

        let mut out = String::new();
        for note in notes {
            let _ = writeln!(out, "    // {note}");
        }
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[column({})]", attrs.join(", "));
        }
        let ty = if column.nullable {
            format!("Option<{rust}>")
        } else {
            rust
        };
        let _ = writeln!(out, "    pub {}: {ty},", facts.field);
        out
    }

    /// The Rust type of a logical type, recording the crate it needs.
    fn rust_type(&mut self, sql_type: SqlType) -> String {
        let (ty, needs) = match sql_type {
            SqlType::Bool => ("bool", None),
            SqlType::TinyInt => ("i8", None),
            SqlType::SmallInt => ("i16", None),
            SqlType::Integer => ("i32", None),
            SqlType::BigInt => ("i64", None),
            SqlType::UnsignedTinyInt => ("u8", None),
            SqlType::UnsignedSmallInt => ("u16", None),
            SqlType::UnsignedInteger => ("u32", None),
            SqlType::Real => ("f32", None),
            SqlType::Double => ("f64", None),
            SqlType::Text | SqlType::Varchar(_) => ("String", None),
            SqlType::Blob => ("Vec<u8>", None),
            SqlType::Date => ("chrono::NaiveDate", Some("chrono")),
            SqlType::Time => ("chrono::NaiveTime", Some("chrono")),
            SqlType::Timestamp => ("chrono::NaiveDateTime", Some("chrono")),
            SqlType::TimestampTz => ("chrono::DateTime<chrono::Utc>", Some("chrono")),
            SqlType::Uuid => ("uuid::Uuid", Some("uuid")),
            SqlType::Json => ("serde_json::Value", Some("serde_json")),
            SqlType::Decimal => ("rust_decimal::Decimal", Some("rust_decimal")),
        };
        if let Some(krate) = needs {
            self.crates.insert(krate);
        }
        ty.to_owned()
    }
}

struct ColumnFacts<'a> {
    table: &'a TableSnapshot,
    field: &'a str,
    /// The column is the table's whole primary key.
    single_key: bool,
    unique: bool,
    index: bool,
    references: Option<&'a ForeignKeySnapshot>,
}

/// Whether `column` is in a key, unique constraint, index or foreign key of `table`, or is
/// referenced by a foreign key: where MySQL needs a key-able type, so strata declares a `String`
/// without length `VARCHAR(255)` there.
fn is_key_column(snapshot: &Snapshot, table: &TableSnapshot, column: &str) -> bool {
    let has = |columns: &[String]| columns.iter().any(|c| c == column);
    has(&table.primary_key)
        || table.uniques.iter().any(|u| has(&u.columns))
        || table.indexes.iter().any(|i| has(&i.columns))
        || table.foreign_keys.iter().any(|fk| has(&fk.columns))
        || snapshot.tables.iter().any(|t| {
            t.foreign_keys
                .iter()
                .any(|fk| fk.ref_table == table.name && has(&fk.ref_columns))
        })
}

fn describe_foreign_key(fk: &ForeignKeySnapshot) -> String {
    format!(
        "({}) -> {}({})",
        fk.columns.join(", "),
        fk.ref_table,
        fk.ref_columns.join(", ")
    )
}

/// Whether `to` is reachable from `from` along `edges`.
fn reaches(edges: &BTreeMap<&str, BTreeSet<&str>>, from: &str, to: &str) -> bool {
    let mut stack = vec![from];
    let mut visited = BTreeSet::new();
    while let Some(node) = stack.pop() {
        if node == to {
            return true;
        }
        if visited.insert(node) {
            stack.extend(edges.get(node).into_iter().flatten().copied());
        }
    }
    false
}

fn action_word(action: FkAction) -> Option<&'static str> {
    match action {
        FkAction::Cascade => Some("cascade"),
        FkAction::Restrict => Some("restrict"),
        FkAction::SetNull => Some("set_null"),
        // The database's default: nothing to write.
        FkAction::NoAction => None,
    }
}

/// `default = <literal>` when a literal of the field's type says it, else `default_sql`.
fn default_attr(dialect: Option<Dialect>, default: &ColumnDefault, sql_type: SqlType) -> String {
    let numeric = sql_type.is_integer()
        || matches!(sql_type, SqlType::Real | SqlType::Double | SqlType::Decimal);
    let fractional = matches!(sql_type, SqlType::Real | SqlType::Double | SqlType::Decimal);
    let sql = |text: String| format!("default_sql = {}", rust_str(&text));
    match default {
        ColumnDefault::Bool(b) if sql_type == SqlType::Bool => format!("default = {b}"),
        ColumnDefault::Bool(b) if numeric => format!("default = {}", i64::from(*b)),
        ColumnDefault::Bool(b) => sql(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        ColumnDefault::Int(i @ (0 | 1)) if sql_type == SqlType::Bool => {
            format!("default = {}", *i == 1)
        }
        ColumnDefault::Int(i) if numeric => format!("default = {i}"),
        ColumnDefault::Int(i) => sql(i.to_string()),
        ColumnDefault::Float(x) if fractional => format!("default = {}", float_literal(*x)),
        ColumnDefault::Float(x) => sql(float_literal(*x)),
        ColumnDefault::Str(s) if !numeric && sql_type != SqlType::Bool => {
            format!("default = {}", rust_str(s))
        }
        ColumnDefault::Str(s) => sql(quote_str(dialect.unwrap_or(Dialect::Sqlite), s)),
        ColumnDefault::Sql(e) => sql(e.clone()),
    }
}

/// A float as a Rust float literal (`1.0`, `2.5`, `1e20`).
fn float_literal(x: f64) -> String {
    let text = format!("{x:?}");
    if text.contains(['.', 'e', 'E']) {
        text
    } else {
        format!("{text}.0")
    }
}

/// A Rust string literal holding `text`.
fn rust_str(text: &str) -> String {
    format!("{text:?}")
}

/// `order_line` → `OrderLine`, `Mixed Case` → `MixedCase`; a name that cannot start a Rust
/// type gets `T` in front, one the generated code needs gets `Table` after.
fn struct_name(table: &str) -> String {
    let mut out = String::new();
    for part in table.split(|c: char| !c.is_ascii_alphanumeric()) {
        // An all-caps word (`ORDER`, `HTTP`) is one word, not an acronym run: `Order`, `Http`.
        let shouting = !part.chars().any(|c| c.is_ascii_lowercase());
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            if shouting {
                out.extend(chars.map(|c| c.to_ascii_lowercase()));
            } else {
                out.extend(chars);
            }
        }
    }
    if out.is_empty() {
        out.push_str("Unnamed");
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    if TAKEN_TYPE_NAMES.contains(&out.as_str()) {
        out.push_str("Table");
    }
    out
}

/// `userId` → `user_id`, `Mixed Case` → `mixed_case`, `type` → `type_`, `2fa` → `column_2fa`.
fn field_name(column: &str) -> String {
    let snake = default_table_name(column);
    let mut out = String::new();
    for c in snake.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("column");
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "column_");
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// `name`, or `name2`, `name3`, .. when taken.
fn unique_name(name: String, used: &mut BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while used.contains(&candidate) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    used.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests;
