//! Whole-schema checks: what no single `#[derive(Table)]` can see.
//!
//! The same `const fn` runs in two places: inside `strata::schema![..]`, where a problem is a
//! const panic (so a compile error), and in [`Schema::validate`] for schemas built by hand,
//! which the runtime calls before it creates anything. Both produce the same message.

use crate::schema::{Schema, TableDef};

/// The longest message a compile-time check reports; longer ones end in `...`.
const CONST_MESSAGE_CAPACITY: usize = 1024;

impl Schema {
    /// A schema of these tables, checked at compile time: used by `strata::schema![..]`.
    ///
    /// Panics (a compile error when evaluated in a `const` or `static`) when a table references
    /// a table that is not in the schema or a column it does not have, when two tables share a
    /// name, when a table has two columns of one name or names an unknown column in a key or
    /// index, or when foreign keys between distinct tables form a cycle (a table may reference
    /// itself). The message names both sides.
    pub const fn checked<const N: usize>(tables: &'static [&'static TableDef; N]) -> Schema {
        let mut state = [VisitState::NEW; N];
        let mut buf = [0u8; CONST_MESSAGE_CAPACITY];
        let mut message = Message::new(&mut buf);
        message.push("strata::schema!: ");
        if !check(tables, &mut state, &mut message) {
            panic!("{}", message.as_str());
        }
        Schema { tables }
    }

    /// Runs the checks of [`Schema::checked`] on a schema built at run time (for example by
    /// hand, as `Schema { tables: &[..] }`), returning the same message on a problem.
    pub fn validate(&self) -> Result<(), String> {
        let mut state = vec![VisitState::NEW; self.tables.len()];
        // First pass: learn the message's length; second pass: write it.
        let mut message = Message::new(&mut []);
        if check(self.tables, &mut state, &mut message) {
            return Ok(());
        }
        let mut buf = vec![0u8; message.wanted];
        let mut state = vec![VisitState::NEW; self.tables.len()];
        let mut message = Message::new(&mut buf);
        check(self.tables, &mut state, &mut message);
        Err(message.as_str().to_owned())
    }
}

/// Depth-first search bookkeeping for one table.
#[derive(Clone, Copy)]
struct VisitState {
    /// 0: not visited, 1: on the current path, 2: done.
    color: u8,
    /// The table the search came from (meaningful while `color == 1`).
    parent: usize,
}

impl VisitState {
    const NEW: VisitState = VisitState {
        color: 0,
        parent: 0,
    };
}

/// A message written into a fixed buffer; `wanted` counts every byte pushed, even those that
/// did not fit, so a first pass with an empty buffer measures the message.
struct Message<'a> {
    buf: &'a mut [u8],
    len: usize,
    wanted: usize,
}

impl<'a> Message<'a> {
    const fn new(buf: &'a mut [u8]) -> Message<'a> {
        Message {
            buf,
            len: 0,
            wanted: 0,
        }
    }

    const fn push(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if self.len < self.buf.len() {
                self.buf[self.len] = bytes[i];
                self.len += 1;
            }
            i += 1;
        }
        self.wanted += bytes.len();
    }

    /// Pushes `` `name` ``.
    const fn push_quoted(&mut self, name: &str) {
        self.push("`");
        self.push(name);
        self.push("`");
    }

    const fn push_number(&mut self, mut n: usize) {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[19 - count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let (_, used) = digits.split_at(20 - count);
        match core::str::from_utf8(used) {
            Ok(text) => self.push(text),
            Err(_) => self.push("?"),
        }
    }

    /// The message; when it did not fit, cut at a character boundary and ended with `...`.
    const fn as_str(&mut self) -> &str {
        let mut end = self.len;
        if self.wanted > self.len {
            // Make room for the marker, then back off to a character boundary.
            end = end.saturating_sub(3);
            while end > 0 && (self.buf[end] & 0b1100_0000) == 0b1000_0000 {
                end -= 1;
            }
            let mut i = 0;
            while i < 3 && end + i < self.buf.len() {
                self.buf[end + i] = b'.';
                i += 1;
            }
            end += i;
        }
        let (text, _) = self.buf.split_at(end);
        match core::str::from_utf8(text) {
            Ok(text) => text,
            Err(_) => "invalid schema (the message is not valid UTF-8)",
        }
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn has_column(table: &TableDef, name: &str) -> bool {
    let mut i = 0;
    while i < table.columns.len() {
        if str_eq(table.columns[i].name, name) {
            return true;
        }
        i += 1;
    }
    false
}

/// The position of the table named `name`, or `tables.len()` when there is none.
const fn table_index(tables: &[&TableDef], name: &str) -> usize {
    let mut i = 0;
    while i < tables.len() {
        if str_eq(tables[i].name, name) {
            return i;
        }
        i += 1;
    }
    tables.len()
}

/// Checks that every name in `columns` is a column of `table`; on a problem writes the message.
const fn check_columns_exist(
    table: &TableDef,
    columns: &[&str],
    what: &str,
    message: &mut Message<'_>,
) -> bool {
    let mut i = 0;
    while i < columns.len() {
        if !has_column(table, columns[i]) {
            message.push("table ");
            message.push_quoted(table.name);
            message.push(" names column ");
            message.push_quoted(columns[i]);
            message.push(" in ");
            message.push(what);
            message.push(", but has no such column");
            return false;
        }
        i += 1;
    }
    true
}

/// Checks one table on its own.
const fn check_table(table: &TableDef, message: &mut Message<'_>) -> bool {
    let columns = table.columns;
    let mut i = 0;
    while i < columns.len() {
        let mut j = i + 1;
        while j < columns.len() {
            if str_eq(columns[i].name, columns[j].name) {
                message.push("table ");
                message.push_quoted(table.name);
                message.push(" has two columns named ");
                message.push_quoted(columns[i].name);
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    if !check_columns_exist(table, table.primary_key, "its primary key", message) {
        return false;
    }
    let mut i = 0;
    while i < table.uniques.len() {
        if !check_columns_exist(
            table,
            table.uniques[i].columns,
            "a unique constraint",
            message,
        ) {
            return false;
        }
        i += 1;
    }
    let mut i = 0;
    while i < table.indexes.len() {
        if !check_columns_exist(table, table.indexes[i].columns, "an index", message) {
            return false;
        }
        i += 1;
    }
    let mut i = 0;
    while i < table.foreign_keys.len() {
        if !check_columns_exist(
            table,
            table.foreign_keys[i].columns,
            "a foreign key",
            message,
        ) {
            return false;
        }
        i += 1;
    }
    true
}

/// Checks the foreign keys of `tables[index]` against the rest of the schema.
const fn check_references(tables: &[&TableDef], index: usize, message: &mut Message<'_>) -> bool {
    let table = tables[index];
    let mut k = 0;
    while k < table.foreign_keys.len() {
        let fk = &table.foreign_keys[k];
        let target = table_index(tables, fk.ref_table);
        if target == tables.len() {
            message.push("table ");
            message.push_quoted(table.name);
            message.push(" references table ");
            message.push_quoted(fk.ref_table);
            message.push(", which is not in this schema");
            return false;
        }
        if fk.columns.len() != fk.ref_columns.len() {
            message.push("table ");
            message.push_quoted(table.name);
            message.push(" has a foreign key of ");
            message.push_number(fk.columns.len());
            message.push(if fk.columns.len() == 1 {
                " column"
            } else {
                " columns"
            });
            message.push(" that references ");
            message.push_number(fk.ref_columns.len());
            message.push(if fk.ref_columns.len() == 1 {
                " column"
            } else {
                " columns"
            });
            message.push(" of table ");
            message.push_quoted(fk.ref_table);
            return false;
        }
        let mut c = 0;
        while c < fk.ref_columns.len() {
            if !has_column(tables[target], fk.ref_columns[c]) {
                message.push("table ");
                message.push_quoted(table.name);
                message.push(" references column ");
                message.push_quoted(fk.ref_columns[c]);
                message.push(" of table ");
                message.push_quoted(fk.ref_table);
                message.push(", which has no such column");
                return false;
            }
            c += 1;
        }
        k += 1;
    }
    true
}

/// Depth-first search from `index`; returns the back edge `(from, to)` that closes a cycle
/// between distinct tables, if one is reachable.
const fn find_cycle(
    tables: &[&TableDef],
    state: &mut [VisitState],
    index: usize,
) -> Option<(usize, usize)> {
    state[index].color = 1;
    let table = tables[index];
    let mut k = 0;
    while k < table.foreign_keys.len() {
        let target = table_index(tables, table.foreign_keys[k].ref_table);
        if target != index && target < tables.len() {
            if state[target].color == 1 {
                return Some((index, target));
            }
            if state[target].color == 0 {
                state[target].parent = index;
                if let Some(edge) = find_cycle(tables, state, target) {
                    return Some(edge);
                }
            }
        }
        k += 1;
    }
    state[index].color = 2;
    None
}

/// Writes the cycle closed by the back edge `from -> to`: `to` reaches `from` along the
/// search's parent links, so the cycle is `to -> .. -> from -> to`.
const fn push_cycle(
    tables: &[&TableDef],
    state: &[VisitState],
    from: usize,
    to: usize,
    message: &mut Message<'_>,
) {
    // The path to -> .. -> from has `steps` edges; print it from its start.
    let mut steps = 0;
    let mut at = from;
    while at != to {
        at = state[at].parent;
        steps += 1;
    }
    message.push("foreign keys form a cycle: ");
    let mut position = 0;
    while position <= steps {
        let mut at = from;
        let mut up = steps - position;
        while up > 0 {
            at = state[at].parent;
            up -= 1;
        }
        let next = if position == steps {
            to
        } else {
            let mut next = from;
            let mut up = steps - position - 1;
            while up > 0 {
                next = state[next].parent;
                up -= 1;
            }
            next
        };
        if position > 0 {
            message.push(", ");
        }
        message.push("table ");
        message.push_quoted(tables[at].name);
        message.push(" references table ");
        message.push_quoted(tables[next].name);
        position += 1;
    }
    message.push("; create_all could not order them (a table may reference itself, but not through other tables)");
}

/// Every whole-schema check; `state` has one entry per table. Returns whether the schema is
/// valid, writing the problem into `message` when it is not.
const fn check(tables: &[&TableDef], state: &mut [VisitState], message: &mut Message<'_>) -> bool {
    let mut i = 0;
    while i < tables.len() {
        if !check_table(tables[i], message) {
            return false;
        }
        i += 1;
    }
    let mut i = 0;
    while i < tables.len() {
        let mut j = i + 1;
        while j < tables.len() {
            if str_eq(tables[i].name, tables[j].name) {
                if str_eq(tables[i].rust_name, tables[j].rust_name) {
                    message.push("table ");
                    message.push_quoted(tables[i].name);
                    message.push(" (");
                    message.push_quoted(tables[i].rust_name);
                    message.push(") is listed twice");
                } else {
                    message.push_quoted(tables[i].rust_name);
                    message.push(" and ");
                    message.push_quoted(tables[j].rust_name);
                    message.push(" both have the table name ");
                    message.push_quoted(tables[i].name);
                }
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    let mut i = 0;
    while i < tables.len() {
        if !check_references(tables, i, message) {
            return false;
        }
        i += 1;
    }
    let mut i = 0;
    while i < tables.len() {
        if state[i].color == 0
            && let Some((from, to)) = find_cycle(tables, state, i)
        {
            push_cycle(tables, state, from, to, message);
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use crate::schema::{ColumnDef, ForeignKeyDef, Schema, SqlType, TableDef};

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

    const COLUMNS: &[ColumnDef] = &[column("id"), column("ref_id")];

    const fn table(
        name: &'static str,
        rust_name: &'static str,
        foreign_keys: &'static [ForeignKeyDef],
    ) -> TableDef {
        TableDef {
            name,
            rust_name,
            columns: COLUMNS,
            primary_key: &["id"],
            uniques: &[],
            indexes: &[],
            foreign_keys,
        }
    }

    const fn fk(ref_table: &'static str) -> ForeignKeyDef {
        ForeignKeyDef {
            columns: &["ref_id"],
            ref_table,
            ref_columns: &["id"],
            on_delete: None,
            on_update: None,
        }
    }

    fn validate(tables: &'static [&'static TableDef]) -> Result<(), String> {
        Schema { tables }.validate()
    }

    const A_TO_B: TableDef = table("a", "A", &[fk("b")]);
    const B_TO_C: TableDef = table("b", "B", &[fk("c")]);
    const C_TO_A: TableDef = table("c", "C", &[fk("a")]);
    const C_ALONE: TableDef = table("c", "C", &[]);
    const SELF_REF: TableDef = table("tree", "Tree", &[fk("tree")]);
    const B_TO_A: TableDef = table("b", "B", &[fk("a"), fk("b")]);

    #[test]
    fn valid_schemas() {
        assert_eq!(validate(&[]), Ok(()));
        assert_eq!(validate(&[&A_TO_B, &B_TO_C, &C_ALONE]), Ok(()));
        assert_eq!(validate(&[&SELF_REF]), Ok(()));
        // Listing order does not matter.
        assert_eq!(validate(&[&C_ALONE, &A_TO_B, &B_TO_C]), Ok(()));
        const CHECKED: Schema = Schema::checked(&[&SELF_REF, &C_ALONE]);
        assert_eq!(CHECKED.tables.len(), 2);
    }

    #[test]
    fn missing_table() {
        assert_eq!(
            validate(&[&A_TO_B]),
            Err("table `a` references table `b`, which is not in this schema".to_owned())
        );
    }

    #[test]
    fn cycles_between_distinct_tables() {
        assert_eq!(
            validate(&[&A_TO_B, &B_TO_C, &C_TO_A]),
            Err(
                "foreign keys form a cycle: table `a` references table `b`, table `b` references \
                 table `c`, table `c` references table `a`; create_all could not order them \
                 (a table may reference itself, but not through other tables)"
                    .to_owned()
            )
        );
        assert_eq!(
            validate(&[&B_TO_A, &A_TO_B]),
            Err(
                "foreign keys form a cycle: table `b` references table `a`, table `a` references \
                 table `b`; create_all could not order them (a table may reference itself, but \
                 not through other tables)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn duplicate_names() {
        const OTHER_A: TableDef = table("a", "OtherA", &[]);
        assert_eq!(
            validate(&[&C_ALONE, &C_ALONE]),
            Err("table `c` (`C`) is listed twice".to_owned())
        );
        assert_eq!(
            validate(&[&A_TO_B, &B_TO_C, &C_ALONE, &OTHER_A]),
            Err("`A` and `OtherA` both have the table name `a`".to_owned())
        );
        const TWO_IDS: TableDef = TableDef {
            columns: &[column("id"), column("id")],
            ..table("t", "T", &[])
        };
        assert_eq!(
            validate(&[&TWO_IDS]),
            Err("table `t` has two columns named `id`".to_owned())
        );
    }

    #[test]
    fn unknown_columns() {
        const BAD_KEY: TableDef = TableDef {
            primary_key: &["uid"],
            ..table("t", "T", &[])
        };
        assert_eq!(
            validate(&[&BAD_KEY]),
            Err(
                "table `t` names column `uid` in its primary key, but has no such column"
                    .to_owned()
            )
        );
        const BAD_REF_COLUMN: TableDef = table(
            "t",
            "T",
            &[ForeignKeyDef {
                ref_columns: &["uid"],
                ..fk("c")
            }],
        );
        assert_eq!(
            validate(&[&BAD_REF_COLUMN, &C_ALONE]),
            Err(
                "table `t` references column `uid` of table `c`, which has no such column"
                    .to_owned()
            )
        );
        const BAD_ARITY: TableDef = table(
            "t",
            "T",
            &[ForeignKeyDef {
                ref_columns: &[],
                ..fk("c")
            }],
        );
        assert_eq!(
            validate(&[&BAD_ARITY, &C_ALONE]),
            Err(
                "table `t` has a foreign key of 1 column that references 0 columns of table `c`"
                    .to_owned()
            )
        );
    }

    #[test]
    fn long_messages_are_cut_only_at_compile_time() {
        use super::Message;
        static LONG: &str = "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé\
            ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé";
        let mut buf = [0u8; 64];
        let mut message = Message::new(&mut buf);
        message.push(LONG);
        let text = message.as_str();
        assert!(text.ends_with("..."), "{text}");
        assert!(text.len() <= 64);
        assert!(LONG.starts_with(text.trim_end_matches('.')));
        let mut message = Message::new(&mut []);
        message.push(LONG);
        assert_eq!(message.wanted, LONG.len());
    }
}
