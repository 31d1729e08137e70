//! The diff planner (`make_update_script_for_model`): from the schema a database has to the
//! schema a model describes, the script that gets there, the script that comes back, and
//! warnings for every step that can lose data or fail on existing rows.
//!
//! Both sides are [`Snapshot`]s (reflected from a database, replayed from migrations, or a
//! model's [`Schema::snapshot`](crate::Schema::snapshot)), compared the way
//! [`Snapshot::matches`] compares them, so applying the plan makes `matches` succeed. Every
//! statement is rendered by the same functions `create_all` uses ([`crate::ddl`]).

use std::fmt;

use crate::dialect::Dialect;
use crate::migration::FOREIGN_KEYS_OFF;
use crate::snapshot::Snapshot;

mod plan;
mod tables;

/// What [`diff_with`] may do beyond the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// Drop the tables the old schema has and the new one does not. Off by default: such tables
    /// are only listed ([`Plan::unmanaged_tables`]), since a model rarely names every table of
    /// a database (other applications' tables, tables created by hand).
    pub drop_unmanaged: bool,
}

/// The migration from one schema to another for one dialect: [`diff`] builds it.
///
/// The same inputs always give byte-identical scripts.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    dialect: Dialect,
    up: Script,
    down: Script,
    warnings: Vec<Warning>,
    down_warnings: Vec<Warning>,
    unmanaged: Vec<String>,
}

/// The statements of one direction, and whether it rebuilds SQLite tables.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Script {
    pub(crate) statements: Vec<String>,
    pub(crate) foreign_keys_off: bool,
}

impl Script {
    fn sql(&self, notes: &[String]) -> String {
        if self.statements.is_empty() {
            return String::new();
        }
        let mut out = String::new();
        if self.foreign_keys_off {
            out.push_str(FOREIGN_KEYS_OFF);
            out.push('\n');
        }
        for note in notes {
            out.push_str("-- ");
            out.push_str(note);
            out.push('\n');
        }
        for statement in &self.statements {
            out.push_str(statement);
            out.push_str(";\n");
        }
        out
    }
}

fn notes(warnings: &[Warning]) -> Vec<String> {
    warnings.iter().map(|w| format!("WARNING: {w}")).collect()
}

impl Plan {
    /// The dialect the scripts are written in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The script that takes a database from the old schema to the new one (empty when there
    /// is nothing to do). A SQLite table rebuild starts it with `-- strata:foreign-keys-off`,
    /// which the runtime honours; each warning is repeated as a `-- WARNING:` comment.
    pub fn up_sql(&self) -> String {
        self.up.sql(&notes(&self.warnings))
    }

    /// The script that takes a database from the new schema back to the old one: the reverse
    /// plan (a dropped column comes back empty, a dropped table comes back without rows). Its
    /// own risks are in [`Plan::down_warnings`].
    pub fn down_sql(&self) -> String {
        self.down.sql(&[])
    }

    /// The up script's statements, one string each, without the terminating `;`.
    pub fn up_statements(&self) -> &[String] {
        &self.up.statements
    }

    /// The down script's statements, one string each, without the terminating `;`.
    pub fn down_statements(&self) -> &[String] {
        &self.down.statements
    }

    /// Every step of the up script that can lose data or fail on existing rows, and every
    /// change that could not be planned, in script order.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The steps of the down script that can lose data or fail on existing rows (dropping what
    /// the up script added, making a column NOT NULL again, ..).
    pub fn down_warnings(&self) -> &[Warning] {
        &self.down_warnings
    }

    /// Whether the schemas already match: there is nothing to run and nothing left out.
    pub fn is_empty(&self) -> bool {
        self.up.statements.is_empty()
            && self.down.statements.is_empty()
            && !self.warnings.iter().any(Warning::blocks)
    }

    /// Tables the old schema has and the new one does not, which the plan leaves alone (see
    /// [`DiffOptions::drop_unmanaged`]), by name.
    pub fn unmanaged_tables(&self) -> &[String] {
        &self.unmanaged
    }
}

/// A step of a plan that can lose data or fail on the rows a database holds, or a change the
/// planner cannot express. `Display` is one sentence saying what happens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// The table and its rows are dropped.
    DropTable {
        /// The table.
        table: String,
    },
    /// The column and its values are dropped.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// The column's type changes to one that may not hold every value it holds now.
    NarrowType {
        /// The table.
        table: String,
        /// The column (its new name).
        column: String,
        /// The old type, as declared.
        from: String,
        /// The new type, as declared.
        to: String,
    },
    /// A nullable column becomes NOT NULL without a default: rows holding NULL make the
    /// migration fail.
    SetNotNull {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A NOT NULL column without a default is added to an existing table: the migration fails
    /// if the table has rows.
    AddNotNullColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A unique constraint is added to an existing table: the migration fails if its rows
    /// repeat a value.
    AddUnique {
        /// The table.
        table: String,
        /// The constraint's columns.
        columns: Vec<String>,
    },
    /// A snapshot was read from a database of another dialect: its type names and defaults
    /// mean something else there, so nothing is planned.
    DialectMismatch {
        /// The dialect the snapshot was reflected from.
        read_from: Dialect,
        /// The dialect asked for.
        planned_for: Dialect,
    },
    /// A change the planner cannot render for this dialect; the scripts leave it out.
    Unsupported {
        /// The table.
        table: String,
        /// Why.
        reason: String,
    },
}

impl Warning {
    /// Whether the step loses data when it succeeds (drops, narrowing).
    pub fn loses_data(&self) -> bool {
        matches!(
            self,
            Warning::DropTable { .. } | Warning::DropColumn { .. } | Warning::NarrowType { .. }
        )
    }

    /// Whether the plan is incomplete because of it: the scripts leave the change out, so
    /// they must not be written as a migration.
    pub fn blocks(&self) -> bool {
        matches!(
            self,
            Warning::Unsupported { .. } | Warning::DialectMismatch { .. }
        )
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::DropTable { table } => {
                write!(f, "drops table `{table}` and every row in it")
            }
            Warning::DropColumn { table, column } => {
                write!(f, "drops column `{table}.{column}` and every value in it")
            }
            Warning::NarrowType {
                table,
                column,
                from,
                to,
            } => write!(
                f,
                "changes column `{table}.{column}` from {from} to {to}, which may not hold \
                 every value it holds now"
            ),
            Warning::SetNotNull { table, column } => write!(
                f,
                "makes column `{table}.{column}` NOT NULL without a default: the migration \
                 fails if a row holds NULL there"
            ),
            Warning::AddNotNullColumn { table, column } => write!(
                f,
                "adds column `{table}.{column}` NOT NULL without a default: the migration \
                 fails if the table has rows"
            ),
            Warning::AddUnique { table, columns } => write!(
                f,
                "adds a unique constraint on `{table}` ({}): the migration fails if existing \
                 rows repeat a value",
                columns.join(", ")
            ),
            Warning::DialectMismatch {
                read_from,
                planned_for,
            } => write!(
                f,
                "cannot plan a {planned_for} migration from a schema read from a {read_from} \
                 database; read the old schema from a {planned_for} database"
            ),
            Warning::Unsupported { table, reason } => write!(
                f,
                "cannot plan the change to table `{table}`: {reason}; the scripts leave it out"
            ),
        }
    }
}

/// Plans the migration from `old` (what the database has) to `new` (what the model says) on
/// `dialect`: tables created and altered in foreign-key order, columns renamed where the model
/// says `renamed_from`, types, nullability and defaults changed in place (a SQLite table is
/// rebuilt), indexes, unique constraints and foreign keys added and dropped. Tables only `old`
/// has are left alone and listed; [`diff_with`] can drop them.
pub fn diff(old: &Snapshot, new: &Snapshot, dialect: Dialect) -> Plan {
    diff_with(old, new, dialect, &DiffOptions::default())
}

/// [`diff`] with options.
pub fn diff_with(old: &Snapshot, new: &Snapshot, dialect: Dialect, options: &DiffOptions) -> Plan {
    let mismatch = [old.dialect, new.dialect]
        .into_iter()
        .flatten()
        .find(|read_from| *read_from != dialect);
    if let Some(read_from) = mismatch {
        return Plan {
            dialect,
            up: Script::default(),
            down: Script::default(),
            warnings: vec![Warning::DialectMismatch {
                read_from,
                planned_for: dialect,
            }],
            down_warnings: Vec::new(),
            unmanaged: Vec::new(),
        };
    }
    let planned = plan::plan(old, new, dialect, options);
    Plan {
        dialect,
        up: planned.up,
        down: planned.down,
        warnings: planned.warnings,
        down_warnings: planned.down_warnings,
        unmanaged: planned.unmanaged,
    }
}

#[cfg(test)]
mod tests;
