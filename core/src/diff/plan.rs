//! The planner behind [`diff`](super::diff): pairs the tables and columns of two snapshots,
//! then writes one direction's statements in phases that keep foreign keys satisfiable:
//! drop foreign keys, drop tables, alter tables, create tables, add foreign keys.

use std::collections::{BTreeMap, BTreeSet};

use super::tables::{Parts, Shape, def, parts, shape};
use super::{DiffOptions, Script, Warning};
use crate::ddl::{self, DdlError, quote_ident};
use crate::dialect::Dialect;
use crate::schema::{ColumnDefOf, SqlType, TableDefOf};
use crate::snapshot::{
    ColumnSnapshot, Snapshot, TableSnapshot, canonical_action, canonical_default, stored_type,
};

pub(crate) struct Planned {
    pub(crate) up: Script,
    pub(crate) down: Script,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) down_warnings: Vec<Warning>,
    pub(crate) unmanaged: Vec<String>,
}

/// A table both sides have, and its columns renamed from `from` to `to`.
struct Pair<'s> {
    from: &'s TableSnapshot,
    to: &'s TableSnapshot,
    /// (name in `from`, name in `to`).
    renames: Vec<(&'s str, &'s str)>,
}

pub(crate) fn plan(
    old: &Snapshot,
    new: &Snapshot,
    dialect: Dialect,
    options: &DiffOptions,
) -> Planned {
    let old_by_name: BTreeMap<&str, &TableSnapshot> =
        old.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let new_names: BTreeSet<&str> = new.tables.iter().map(|t| t.name.as_str()).collect();
    let mut created = Vec::new();
    let mut pairs = Vec::new();
    for table in &new.tables {
        match old_by_name.get(table.name.as_str()) {
            None => created.push(table),
            Some(from) => pairs.push(Pair {
                from,
                to: table,
                renames: renames(from, table),
            }),
        }
    }
    let removed: Vec<&TableSnapshot> = old
        .tables
        .iter()
        .filter(|t| !new_names.contains(t.name.as_str()))
        .collect();
    let (dropped, unmanaged) = if options.drop_unmanaged {
        (removed, Vec::new())
    } else {
        (Vec::new(), removed.iter().map(|t| t.name.clone()).collect())
    };

    let mut warnings = Vec::new();
    let up = direction(dialect, old, new, &pairs, &created, &dropped, &mut warnings);
    let reversed: Vec<Pair<'_>> = pairs
        .iter()
        .map(|p| Pair {
            from: p.to,
            to: p.from,
            renames: p.renames.iter().map(|&(a, b)| (b, a)).collect(),
        })
        .collect();
    let mut down_warnings = Vec::new();
    let down = direction(
        dialect,
        new,
        old,
        &reversed,
        &dropped,
        &created,
        &mut down_warnings,
    );
    // A change the down script cannot express makes the whole plan unusable.
    for warning in &down_warnings {
        if warning.blocks() && !warnings.contains(warning) {
            warnings.push(warning.clone());
        }
    }
    Planned {
        up,
        down,
        warnings,
        down_warnings,
        unmanaged,
    }
}

/// The renames `to` declares that `from` can take: the old name exists in `from` and not in
/// `to`, and the new name does not exist in `from` yet (else the rename already happened).
fn renames<'s>(from: &'s TableSnapshot, to: &'s TableSnapshot) -> Vec<(&'s str, &'s str)> {
    to.columns
        .iter()
        .filter_map(|c| {
            let old = c.renamed_from.as_deref()?;
            let takes = from.column(old).is_some()
                && to.column(old).is_none()
                && from.column(&c.name).is_none();
            takes.then_some((old, c.name.as_str()))
        })
        .collect()
}

/// The column of `pair.from` that `column` of `pair.to` continues (by name or `renamed_from`).
fn counterpart<'s>(pair: &Pair<'s>, column: &ColumnSnapshot) -> Option<&'s ColumnSnapshot> {
    let from_name = pair
        .renames
        .iter()
        .find(|(_, new)| *new == column.name)
        .map_or(column.name.as_str(), |(old, _)| old);
    pair.from.column(from_name)
}

/// The tables in an order where each foreign key points at a table placed earlier, at itself,
/// or outside the list; ties keep the given order, and a cycle is placed as listed.
fn fk_order<'s>(tables: &[&'s TableSnapshot]) -> Vec<&'s TableSnapshot> {
    let names: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut placed_names: BTreeSet<&str> = BTreeSet::new();
    let mut placed = Vec::with_capacity(tables.len());
    let mut remaining: Vec<&TableSnapshot> = tables.to_vec();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|t| {
            t.foreign_keys.iter().all(|fk| {
                fk.ref_table == t.name
                    || !names.contains(fk.ref_table.as_str())
                    || placed_names.contains(fk.ref_table.as_str())
            })
        });
        let table = remaining.remove(ready.unwrap_or(0));
        placed_names.insert(&table.name);
        placed.push(table);
    }
    placed
}

fn column_list(dialect: Dialect, columns: &[impl AsRef<str>]) -> String {
    columns
        .iter()
        .map(|c| quote_ident(dialect, c.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statements of one direction, by phase.
#[derive(Default)]
struct Phases {
    drop_foreign_keys: Vec<String>,
    drop_tables: Vec<String>,
    alter: Vec<String>,
    create: Vec<String>,
    add_foreign_keys: Vec<String>,
    rebuilt: bool,
}

fn unsupported(table: &str, error: &DdlError) -> Warning {
    Warning::Unsupported {
        table: table.to_owned(),
        reason: error.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn direction(
    dialect: Dialect,
    from_snapshot: &Snapshot,
    to_snapshot: &Snapshot,
    pairs: &[Pair<'_>],
    created: &[&TableSnapshot],
    dropped: &[&TableSnapshot],
    warnings: &mut Vec<Warning>,
) -> Script {
    let shapes: Vec<Shape<'_>> = to_snapshot
        .tables
        .iter()
        .map(|t| shape(to_snapshot, t))
        .collect();
    let table_parts: Vec<Parts<'_>> = shapes.iter().map(parts).collect();
    let defs: Vec<TableDefOf<'_>> = shapes
        .iter()
        .zip(&table_parts)
        .map(|(s, p)| def(s, p))
        .collect();
    let all: Vec<&TableDefOf<'_>> = defs.iter().collect();
    let def_index: BTreeMap<&str, usize> = to_snapshot
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    // Renames of every table, for foreign keys that point at a renamed column.
    let renamed: BTreeMap<&str, BTreeMap<&str, &str>> = pairs
        .iter()
        .map(|p| (p.to.name.as_str(), p.renames.iter().copied().collect()))
        .collect();
    // MySQL refuses to change the type of a column on either side of a foreign key: such keys
    // are dropped first and added back last.
    let mut retyped: BTreeSet<(&str, &str)> = BTreeSet::new();
    if dialect == Dialect::Mysql {
        for pair in pairs {
            for column in &pair.to.columns {
                if let Some(old) = counterpart(pair, column)
                    && stored_type(Some(dialect), from_snapshot, pair.from, old)
                        != stored_type(Some(dialect), to_snapshot, pair.to, column)
                {
                    retyped.insert((&pair.to.name, &column.name));
                }
            }
        }
    }
    let context = Context {
        dialect,
        from_snapshot,
        to_snapshot,
        all: &all,
        renamed: &renamed,
        retyped: &retyped,
    };

    let mut phases = Phases::default();
    for pair in pairs {
        let def = defs[def_index[pair.to.name.as_str()]];
        context.table(pair, &def, &mut phases, warnings);
    }
    for table in fk_order(dropped).into_iter().rev() {
        warnings.push(Warning::DropTable {
            table: table.name.clone(),
        });
        phases
            .drop_tables
            .push(format!("DROP TABLE {}", quote_ident(dialect, &table.name)));
    }
    for table in fk_order(created) {
        let def = &defs[def_index[table.name.as_str()]];
        match ddl::create_table(dialect, &all, def, false)
            .and_then(|create| Ok((create, ddl::create_indexes(dialect, def, false)?)))
        {
            Ok((create, indexes)) => {
                phases.create.push(create);
                phases.create.extend(indexes);
            }
            Err(e) => warnings.push(unsupported(&table.name, &e)),
        }
    }

    let mut statements = phases.drop_foreign_keys;
    statements.extend(phases.drop_tables);
    statements.extend(phases.alter);
    statements.extend(phases.create);
    statements.extend(phases.add_foreign_keys);
    if phases.rebuilt {
        statements.push("PRAGMA foreign_key_check".to_owned());
    }
    Script {
        statements,
        foreign_keys_off: phases.rebuilt,
    }
}

struct Context<'c, 'd> {
    dialect: Dialect,
    from_snapshot: &'c Snapshot,
    to_snapshot: &'c Snapshot,
    all: &'c [&'c TableDefOf<'d>],
    renamed: &'c BTreeMap<&'c str, BTreeMap<&'c str, &'c str>>,
    retyped: &'c BTreeSet<(&'c str, &'c str)>,
}

/// One column both sides have, and what differs.
struct Changed<'s> {
    from: &'s ColumnSnapshot,
    to: &'s ColumnSnapshot,
    type_changed: bool,
    null_changed: bool,
    default_changed: bool,
    auto_changed: bool,
}

impl Changed<'_> {
    fn any(&self) -> bool {
        self.type_changed || self.null_changed || self.default_changed || self.auto_changed
    }
}

/// A foreign key in a comparable form: columns in `to`'s names, actions canonical.
fn fk_key(
    dialect: Dialect,
    columns: &[String],
    ref_table: &str,
    ref_columns: &[String],
    on_delete: Option<crate::FkAction>,
    on_update: Option<crate::FkAction>,
) -> String {
    format!(
        "({}) -> {ref_table}({}) {} {}",
        columns.join(", "),
        ref_columns.join(", "),
        canonical_action(Some(dialect), on_delete).sql(),
        canonical_action(Some(dialect), on_update).sql()
    )
}

/// Whether every value of `from` converts to `to` unchanged.
fn widens(from: SqlType, to: SqlType) -> bool {
    use SqlType::*;
    let rank = |t: SqlType| match t {
        TinyInt => Some(1),
        SmallInt => Some(2),
        Integer => Some(3),
        BigInt => Some(4),
        _ => None,
    };
    let unsigned_rank = |t: SqlType| match t {
        UnsignedTinyInt => Some(1),
        UnsignedSmallInt => Some(2),
        UnsignedInteger => Some(3),
        _ => None,
    };
    match (from, to) {
        (a, b) if a == b => true,
        (Varchar(n), Varchar(m)) => m >= n,
        (Varchar(_) | Text, Text) => true,
        (Real, Double) => true,
        (TinyInt | SmallInt | Integer | UnsignedTinyInt | UnsignedSmallInt, Double) => true,
        (a, Decimal) if a.is_integer() => true,
        (a, b) => match (rank(a), rank(b), unsigned_rank(a), unsigned_rank(b)) {
            (Some(x), Some(y), _, _) => y >= x,
            (_, _, Some(x), Some(y)) => y >= x,
            // An unsigned type fits a signed one with a higher rank.
            (_, Some(y), Some(x), _) => y > x,
            _ => false,
        },
    }
}

impl<'d> Context<'_, 'd> {
    fn rowid(&self, table: &TableSnapshot, column: &ColumnSnapshot) -> bool {
        self.dialect == Dialect::Sqlite
            && column.auto_increment
            && table.primary_key.len() == 1
            && table.primary_key[0] == column.name
    }

    fn column_def<'t>(def: &'t TableDefOf<'d>, name: &str) -> &'t ColumnDefOf<'d> {
        def.column(name)
            .expect("a table definition has every column of its snapshot")
    }

    fn table(
        &self,
        pair: &Pair<'_>,
        def: &TableDefOf<'d>,
        phases: &mut Phases,
        warnings: &mut Vec<Warning>,
    ) {
        let d = self.dialect;
        let (from, to) = (pair.from, pair.to);
        let t = &to.name;
        let qt = quote_ident(d, t);
        let to_name_of: BTreeMap<&str, &str> = pair.renames.iter().copied().collect();
        let translate = |columns: &[String]| -> Vec<String> {
            columns
                .iter()
                .map(|c| {
                    to_name_of
                        .get(c.as_str())
                        .map_or_else(|| c.clone(), |n| (*n).to_owned())
                })
                .collect()
        };

        // Columns.
        let mut changed = Vec::new();
        let mut added = Vec::new();
        let mut paired_from: BTreeSet<&str> = BTreeSet::new();
        for column in &to.columns {
            match counterpart(pair, column) {
                None => added.push(column),
                Some(old) => {
                    paired_from.insert(&old.name);
                    let nullable = |table, c: &ColumnSnapshot| c.nullable && !self.rowid(table, c);
                    let both_auto = old.auto_increment && column.auto_increment;
                    changed.push(Changed {
                        from: old,
                        to: column,
                        type_changed: stored_type(Some(d), self.from_snapshot, from, old)
                            != stored_type(Some(d), self.to_snapshot, to, column),
                        null_changed: nullable(from, old) != nullable(to, column),
                        default_changed: !both_auto
                            && canonical_default(&old.default, old.sql_type)
                                != canonical_default(&column.default, column.sql_type),
                        auto_changed: old.auto_increment != column.auto_increment,
                    });
                }
            }
        }
        let dropped: Vec<&ColumnSnapshot> = from
            .columns
            .iter()
            .filter(|c| !paired_from.contains(c.name.as_str()))
            .collect();

        // Keys, in `to`'s column names.
        let pk_changed = translate(&from.primary_key) != to.primary_key;
        let to_uniques: BTreeSet<&Vec<String>> = to.uniques.iter().map(|u| &u.columns).collect();
        let from_uniques: Vec<(Vec<String>, &crate::IndexSnapshot)> = from
            .uniques
            .iter()
            .map(|u| (translate(&u.columns), u))
            .collect();
        let removed_uniques: Vec<&crate::IndexSnapshot> = from_uniques
            .iter()
            .filter(|(cols, _)| !to_uniques.contains(cols))
            .map(|(_, u)| *u)
            .collect();
        let added_uniques: Vec<&crate::IndexSnapshot> = to
            .uniques
            .iter()
            .filter(|u| !from_uniques.iter().any(|(cols, _)| cols == &u.columns))
            .collect();

        let from_fks: Vec<(String, &crate::ForeignKeySnapshot)> = from
            .foreign_keys
            .iter()
            .map(|fk| {
                let ref_renames = self.renamed.get(fk.ref_table.as_str());
                let ref_columns: Vec<String> = fk
                    .ref_columns
                    .iter()
                    .map(|c| {
                        ref_renames
                            .and_then(|r| r.get(c.as_str()))
                            .map_or_else(|| c.clone(), |n| (*n).to_owned())
                    })
                    .collect();
                let key = fk_key(
                    d,
                    &translate(&fk.columns),
                    &fk.ref_table,
                    &ref_columns,
                    fk.on_delete,
                    fk.on_update,
                );
                (key, fk)
            })
            .collect();
        let to_fks: Vec<(String, &crate::ForeignKeySnapshot)> = to
            .foreign_keys
            .iter()
            .map(|fk| {
                let key = fk_key(
                    d,
                    &fk.columns,
                    &fk.ref_table,
                    &fk.ref_columns,
                    fk.on_delete,
                    fk.on_update,
                );
                (key, fk)
            })
            .collect();
        let retyped_key: BTreeSet<&String> = to_fks
            .iter()
            .filter(|(_, fk)| {
                fk.columns
                    .iter()
                    .any(|c| self.retyped.contains(&(t.as_str(), c.as_str())))
                    || fk
                        .ref_columns
                        .iter()
                        .any(|c| self.retyped.contains(&(fk.ref_table.as_str(), c.as_str())))
            })
            .map(|(key, _)| key)
            .collect();
        let removed_fks: Vec<&crate::ForeignKeySnapshot> = from_fks
            .iter()
            .filter(|(key, _)| retyped_key.contains(key) || !to_fks.iter().any(|(k, _)| k == key))
            .map(|(_, fk)| *fk)
            .collect();
        let added_fks: Vec<&crate::ForeignKeySnapshot> = to_fks
            .iter()
            .filter(|(key, _)| retyped_key.contains(key) || !from_fks.iter().any(|(k, _)| k == key))
            .map(|(_, fk)| *fk)
            .collect();

        // MySQL adds an index for a foreign key that has none, named after the key; it is the
        // database's, not the model's, and stays while the key does (as `matches` sees it).
        let mysql = d == Dialect::Mysql;
        let to_fk_columns: BTreeSet<&Vec<String>> =
            to.foreign_keys.iter().map(|fk| &fk.columns).collect();
        let all_from_indexes: Vec<(Vec<String>, &crate::IndexSnapshot)> = from
            .indexes
            .iter()
            .map(|i| (translate(&i.columns), i))
            .collect();
        let all_to_indexes: BTreeSet<&Vec<String>> =
            to.indexes.iter().map(|i| &i.columns).collect();
        let from_indexes: Vec<&(Vec<String>, &crate::IndexSnapshot)> = all_from_indexes
            .iter()
            .filter(|(cols, _)| {
                !(mysql
                    && from
                        .foreign_keys
                        .iter()
                        .any(|fk| translate(&fk.columns) == *cols)
                    && to_fk_columns.contains(cols)
                    && !all_to_indexes.contains(cols))
            })
            .collect();
        let to_indexes: Vec<&crate::IndexSnapshot> = to
            .indexes
            .iter()
            .filter(|i| {
                !(mysql
                    && to_fk_columns.contains(&i.columns)
                    && !all_from_indexes.iter().any(|(cols, _)| *cols == i.columns))
            })
            .collect();
        let removed_indexes: Vec<&crate::IndexSnapshot> = from_indexes
            .iter()
            .filter(|(cols, _)| !to_indexes.iter().any(|i| &i.columns == cols))
            .map(|(_, i)| *i)
            .collect();
        let added_indexes: Vec<&crate::IndexSnapshot> = to_indexes
            .iter()
            .filter(|i| !from_indexes.iter().any(|(cols, _)| cols == &i.columns))
            .copied()
            .collect();

        // Warnings, in the order the steps run.
        for column in &dropped {
            warnings.push(Warning::DropColumn {
                table: t.clone(),
                column: column.name.clone(),
            });
        }
        for column in &added {
            if !column.nullable && column.default.is_none() && !column.auto_increment {
                warnings.push(Warning::AddNotNullColumn {
                    table: t.clone(),
                    column: column.name.clone(),
                });
            }
        }
        for c in &changed {
            let known = c.from.type_known && c.to.type_known;
            if c.type_changed && !(known && widens(c.from.sql_type, c.to.sql_type)) {
                warnings.push(Warning::NarrowType {
                    table: t.clone(),
                    column: c.to.name.clone(),
                    from: stored_type(Some(d), self.from_snapshot, from, c.from),
                    to: stored_type(Some(d), self.to_snapshot, to, c.to),
                });
            }
            if c.null_changed && !c.to.nullable && c.to.default.is_none() {
                warnings.push(Warning::SetNotNull {
                    table: t.clone(),
                    column: c.to.name.clone(),
                });
            }
        }
        for unique in &added_uniques {
            warnings.push(Warning::AddUnique {
                table: t.clone(),
                columns: unique.columns.clone(),
            });
        }

        let keys_changed = pk_changed
            || !removed_uniques.is_empty()
            || !added_uniques.is_empty()
            || !removed_fks.is_empty()
            || !added_fks.is_empty();
        let index_name = |table: &str, i: &crate::IndexSnapshot, columns: &[String]| {
            i.name.clone().unwrap_or_else(|| {
                let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
                ddl::index_name(d, table, &cols)
            })
        };
        let unique_name = |i: &crate::IndexSnapshot| {
            i.name.clone().unwrap_or_else(|| {
                let cols: Vec<&str> = i.columns.iter().map(String::as_str).collect();
                ddl::unique_name(d, &from.name, &cols)
            })
        };
        let fk_name = |fk: &crate::ForeignKeySnapshot| {
            fk.name.clone().unwrap_or_else(|| {
                let cols: Vec<&str> = fk.columns.iter().map(String::as_str).collect();
                ddl::foreign_key_name(d, &from.name, &cols)
            })
        };

        // SQLite adds a column in place when it is no key and its default is a constant, and
        // drops one in place when no key names it; anything else rebuilds the table.
        let in_place_add = |c: &&ColumnSnapshot| {
            let named = |cols: &Vec<String>| cols.contains(&c.name);
            !(named(&to.primary_key)
                || to.uniques.iter().any(|u| named(&u.columns))
                || to.foreign_keys.iter().any(|fk| named(&fk.columns))
                || c.auto_increment
                || matches!(c.default, Some(crate::ColumnDefault::Sql(_)))
                || (!c.nullable && c.default.is_none()))
        };
        let in_place_drop = |c: &&ColumnSnapshot| {
            let named = |cols: &Vec<String>| cols.contains(&c.name);
            !(named(&from.primary_key)
                || from.uniques.iter().any(|u| named(&u.columns))
                || from.foreign_keys.iter().any(|fk| named(&fk.columns)))
        };
        let sqlite_rebuild = changed.iter().any(Changed::any)
            || keys_changed
            || !added.iter().all(in_place_add)
            || !dropped.iter().all(in_place_drop);
        if d == Dialect::Sqlite && sqlite_rebuild {
            self.rebuild(pair, def, &changed, phases, warnings);
            return;
        }

        let out = &mut phases.alter;
        // Foreign keys go first and come back last, so nothing they name is in the way.
        for fk in &removed_fks {
            let name = quote_ident(d, &fk_name(fk));
            phases.drop_foreign_keys.push(match d {
                Dialect::Mysql => format!("ALTER TABLE {qt} DROP FOREIGN KEY {name}"),
                _ => format!("ALTER TABLE {qt} DROP CONSTRAINT {name}"),
            });
            // The index MySQL made for the key, when no declared index serves it.
            let served = from
                .indexes
                .iter()
                .chain(&from.uniques)
                .map(|i| &i.columns)
                .chain(std::iter::once(&from.primary_key))
                .any(|cols| cols.starts_with(&fk.columns));
            if d == Dialect::Mysql && !served && !to_fk_columns.contains(&translate(&fk.columns)) {
                phases
                    .drop_foreign_keys
                    .push(format!("ALTER TABLE {qt} DROP INDEX {name}"));
            }
        }
        for index in &removed_indexes {
            let name = quote_ident(d, &index_name(&from.name, index, &index.columns));
            out.push(match d {
                Dialect::Mysql => format!("DROP INDEX {name} ON {qt}"),
                _ => format!("DROP INDEX {name}"),
            });
        }
        for unique in &removed_uniques {
            let name = quote_ident(d, &unique_name(unique));
            match d {
                Dialect::Mysql => out.push(format!("ALTER TABLE {qt} DROP INDEX {name}")),
                // A unique constraint, or a unique index created by hand: whichever it is.
                _ if unique.name.is_some() && self.from_snapshot.dialect.is_some() => {
                    out.push(format!("ALTER TABLE {qt} DROP CONSTRAINT IF EXISTS {name}"));
                    out.push(format!("DROP INDEX IF EXISTS {name}"));
                }
                _ => out.push(format!("ALTER TABLE {qt} DROP CONSTRAINT {name}")),
            }
        }
        if pk_changed && !from.primary_key.is_empty() {
            out.push(match d {
                Dialect::Mysql => format!("ALTER TABLE {qt} DROP PRIMARY KEY"),
                _ => format!(
                    "ALTER TABLE {qt} DROP CONSTRAINT {}",
                    quote_ident(d, &ddl::primary_key_name(d, &from.name))
                ),
            });
        }
        for (old, new) in &pair.renames {
            out.push(format!(
                "ALTER TABLE {qt} RENAME COLUMN {} TO {}",
                quote_ident(d, old),
                quote_ident(d, new)
            ));
        }
        for column in &dropped {
            out.push(format!(
                "ALTER TABLE {qt} DROP COLUMN {}",
                quote_ident(d, &column.name)
            ));
        }
        for column in &added {
            let column = Self::column_def(def, &column.name);
            match ddl::column_definition(d, self.all, def, column) {
                Ok(definition) => out.push(format!("ALTER TABLE {qt} ADD COLUMN {definition}")),
                Err(e) => warnings.push(unsupported(t, &e)),
            }
        }
        for c in changed.iter().filter(|c| c.any()) {
            if let Err(e) = self.alter_column(def, c, out) {
                warnings.push(unsupported(t, &e));
            }
        }
        if pk_changed && !to.primary_key.is_empty() {
            out.push(match d {
                Dialect::Mysql => format!(
                    "ALTER TABLE {qt} ADD PRIMARY KEY ({})",
                    column_list(d, &to.primary_key)
                ),
                _ => format!(
                    "ALTER TABLE {qt} ADD CONSTRAINT {} PRIMARY KEY ({})",
                    quote_ident(d, &ddl::primary_key_name(d, t)),
                    column_list(d, &to.primary_key)
                ),
            });
        }
        for unique in &added_uniques {
            let index = def
                .uniques
                .iter()
                .find(|u| u.columns.iter().eq(unique.columns.iter()))
                .expect("a table definition has every unique constraint of its snapshot");
            out.push(format!(
                "ALTER TABLE {qt} ADD {}",
                ddl::unique_clause(d, def, index)
            ));
        }
        for index in &added_indexes {
            let index = def
                .indexes
                .iter()
                .find(|i| i.columns.iter().eq(index.columns.iter()))
                .expect("a table definition has every index of its snapshot");
            out.push(ddl::create_index(d, def, index, false));
        }
        for fk in &added_fks {
            let key = def
                .foreign_keys
                .iter()
                .find(|k| {
                    k.columns.iter().eq(fk.columns.iter())
                        && k.ref_table == fk.ref_table
                        && k.ref_columns.iter().eq(fk.ref_columns.iter())
                })
                .expect("a table definition has every foreign key of its snapshot");
            phases.add_foreign_keys.push(format!(
                "ALTER TABLE {qt} ADD {}",
                ddl::foreign_key_clause(d, def, key)
            ));
        }
    }

    /// PostgreSQL: one `ALTER COLUMN` per property, in an order each step accepts; MySQL: one
    /// `MODIFY COLUMN` with the full definition. A column that becomes NOT NULL with a default
    /// first gets that default where it holds NULL.
    fn alter_column(
        &self,
        def: &TableDefOf<'d>,
        c: &Changed<'_>,
        out: &mut Vec<String>,
    ) -> Result<(), DdlError> {
        let d = self.dialect;
        let qt = quote_ident(d, def.name);
        let column = Self::column_def(def, &c.to.name);
        let qc = quote_ident(d, column.name);
        let declared = ddl::column_type(d, self.all, def, column)?;
        let default = ddl::render_default(d, def, column, &declared)?;
        // The rows holding NULL get the default once the column has its new type.
        let fill = match &default {
            Some(value) if c.null_changed && !column.nullable => {
                Some(format!("UPDATE {qt} SET {qc} = {value} WHERE {qc} IS NULL"))
            }
            _ => None,
        };
        if d == Dialect::Mysql {
            if let Some(fill) = fill {
                if c.type_changed {
                    let relaxed = ColumnDefOf {
                        nullable: true,
                        ..*column
                    };
                    let definition = ddl::column_definition(d, self.all, def, &relaxed)?;
                    out.push(format!("ALTER TABLE {qt} MODIFY COLUMN {definition}"));
                }
                out.push(fill);
            }
            let definition = ddl::column_definition(d, self.all, def, column)?;
            out.push(format!("ALTER TABLE {qt} MODIFY COLUMN {definition}"));
            return Ok(());
        }
        let alter = |clause: String| format!("ALTER TABLE {qt} ALTER COLUMN {qc} {clause}");
        if c.auto_changed && c.from.auto_increment {
            out.push(alter("DROP IDENTITY".to_owned()));
        }
        let from_has_default = c.from.default.is_some() && !c.from.auto_increment;
        let mut default_dropped = false;
        if from_has_default && (c.type_changed || (c.default_changed && default.is_none())) {
            out.push(alter("DROP DEFAULT".to_owned()));
            default_dropped = true;
        }
        if c.type_changed {
            // PostgreSQL casts booleans only to and from `integer` among the numbers.
            let numeric = |t: SqlType| {
                t.is_integer() || matches!(t, SqlType::Real | SqlType::Double | SqlType::Decimal)
            };
            let (a, b) = (c.from.sql_type, column.sql_type);
            let via_integer =
                (a == SqlType::Bool && numeric(b)) || (numeric(a) && b == SqlType::Bool);
            let using = if via_integer {
                format!("{qc}::INTEGER::{declared}")
            } else {
                format!("{qc}::{declared}")
            };
            out.push(alter(format!("TYPE {declared} USING {using}")));
        }
        out.extend(fill);
        if c.null_changed {
            out.push(alter(
                if column.nullable {
                    "DROP NOT NULL"
                } else {
                    "SET NOT NULL"
                }
                .to_owned(),
            ));
        }
        match &default {
            Some(value) if c.default_changed || default_dropped => {
                out.push(alter(format!("SET DEFAULT {value}")));
            }
            None if c.default_changed && !default_dropped && from_has_default => {
                out.push(alter("DROP DEFAULT".to_owned()));
            }
            _ => {}
        }
        if c.auto_changed && column.auto_increment {
            out.push(alter("ADD GENERATED BY DEFAULT AS IDENTITY".to_owned()));
            // The new sequence starts at 1; rows already hold numbers.
            out.push(format!(
                "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE(MAX({qc}), 0) + 1, false) \
                 FROM {qt}",
                ddl::quote_str(d, &qt),
                ddl::quote_str(d, column.name)
            ));
        }
        Ok(())
    }

    /// SQLite's documented rebuild: create the new table under a temporary name, copy the rows
    /// (renamed columns by their old name), drop the old table, rename the new one, recreate
    /// its indexes. The script runs with foreign keys off and checks them at the end.
    fn rebuild(
        &self,
        pair: &Pair<'_>,
        def: &TableDefOf<'d>,
        changed: &[Changed<'_>],
        phases: &mut Phases,
        warnings: &mut Vec<Warning>,
    ) {
        let d = self.dialect;
        let t = &pair.to.name;
        let qt = quote_ident(d, t);
        let temporary = quote_ident(d, &format!("{t}__strata_new"));
        let create = match ddl::create_table(d, self.all, def, false)
            .and_then(|create| Ok((create, ddl::create_indexes(d, def, false)?)))
        {
            Ok(statements) => statements,
            Err(e) => {
                warnings.push(unsupported(t, &e));
                return;
            }
        };
        let (create, indexes) = create;
        // Constraint names stay those of the real table; only the created name is temporary.
        let prefix = format!("CREATE TABLE {qt}");
        let create = format!("CREATE TABLE {temporary}{}", &create[prefix.len()..]);
        let mut targets = Vec::new();
        let mut sources = Vec::new();
        for c in changed {
            let column = Self::column_def(def, &c.to.name);
            targets.push(quote_ident(d, &c.to.name));
            let source = quote_ident(d, &c.from.name);
            let fill = if c.null_changed && !column.nullable {
                ddl::render_default(d, def, column, "").ok().flatten()
            } else {
                None
            };
            sources.push(match fill {
                Some(value) => format!("COALESCE({source}, {value})"),
                None => source,
            });
        }
        phases.rebuilt = true;
        let out = &mut phases.alter;
        out.push(create);
        if !targets.is_empty() {
            out.push(format!(
                "INSERT INTO {temporary} ({}) SELECT {} FROM {qt}",
                targets.join(", "),
                sources.join(", ")
            ));
        }
        out.push(format!("DROP TABLE {qt}"));
        out.push(format!("ALTER TABLE {temporary} RENAME TO {qt}"));
        out.extend(indexes);
    }
}
