//! Database objects reflection leaves out of a [`Snapshot`](crate::Snapshot), named so the
//! caller can see them: views, triggers, sequences, indexes, CHECK constraints and generated
//! columns strata cannot describe.

use std::fmt;

/// What kind of object an [`UnmanagedObject`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// A view.
    View,
    /// A PostgreSQL materialized view.
    MaterializedView,
    /// A trigger.
    Trigger,
    /// A sequence not owned by a column (`serial` and identity sequences belong to their
    /// column's auto-increment).
    Sequence,
    /// A partial index (`WHERE ..`), an index over expressions or with a descending column, a
    /// PostgreSQL index that is not a B-tree (GIN, GiST, ..), a MySQL index over column
    /// prefixes, full-text or spatial.
    Index,
    /// A CHECK constraint (PostgreSQL, MySQL/MariaDB; SQLite keeps them only in the table's SQL).
    Check,
    /// A PostgreSQL exclusion constraint (`EXCLUDE USING gist (..)`).
    Exclusion,
    /// A generated (computed) column: SQLite's reflection leaves it out, PostgreSQL's and
    /// MySQL's keep it as a plain column without its expression.
    GeneratedColumn,
}

impl ObjectKind {
    /// The kind in words: `view`, `materialized view`, `trigger`, `sequence`, `index`,
    /// `check constraint`, `exclusion constraint`, `generated column`.
    pub const fn name(self) -> &'static str {
        match self {
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Index => "index",
            ObjectKind::Check => "check constraint",
            ObjectKind::Exclusion => "exclusion constraint",
            ObjectKind::GeneratedColumn => "generated column",
        }
    }
}

/// A database object reflection leaves out, by kind and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnmanagedObject {
    /// What it is.
    pub kind: ObjectKind,
    /// Its name.
    pub name: String,
    /// The table it belongs to (a trigger's or an index's), if any.
    pub table: Option<String>,
}

impl fmt::Display for UnmanagedObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind.name(), self.name)?;
        if let Some(table) = &self.table {
            write!(f, " on table `{table}`")?;
        }
        Ok(())
    }
}
