//! `reflect`: reads a live database's tables, columns, keys and indexes into a [`Snapshot`].
//!
//! Every query casts its columns so they decode with [`ValueKind`]; names read from the
//! catalogue are put back into later queries only as quoted string literals.

use std::collections::BTreeMap;

use strata_core::reflect_types::reflected_type;
use strata_core::rendered::{Piece, string};
use strata_core::snapshot::parse_reported_default;
use strata_core::{
    ColumnSnapshot, Dialect, FkAction, ForeignKeySnapshot, IndexSnapshot, ObjectKind, Snapshot,
    TableSnapshot, UnmanagedObject,
};
use strata_core::{RenderedSql, sql};

use crate::backend::{Backend, Value, ValueKind};
use crate::error::Error;

/// The bookkeeping table reflection leaves out.
const BOOKKEEPING_TABLE: &str = strata_core::migration::DEFAULT_TABLE;

/// Reads the database's schema (tables, columns with their types, nullability and defaults,
/// primary keys, unique constraints, indexes, foreign keys) into a [`Snapshot`]; the
/// bookkeeping table `strata_migrations` is left out. PostgreSQL: the `current_schema()`;
/// MySQL/MariaDB: `DATABASE()`.
pub async fn reflect<DB: Backend>(pool: &sqlx::Pool<DB>) -> Result<Snapshot, Error> {
    let mut conn = pool.acquire().await.map_err(Error::Connect)?;
    reflect_on::<DB>(&mut conn, BOOKKEEPING_TABLE).await
}

/// [`reflect`] on one connection, leaving out the table `exclude`.
pub(crate) async fn reflect_on<DB: Backend>(
    conn: &mut DB::Connection,
    exclude: &str,
) -> Result<Snapshot, Error> {
    let mut tables = match DB::DIALECT {
        Dialect::Sqlite => reflect_sqlite::<DB>(conn, exclude).await?,
        Dialect::Postgres => reflect_postgres::<DB>(conn, exclude).await?,
        Dialect::Mysql => reflect_mysql::<DB>(conn, exclude).await?,
    };
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Snapshot {
        dialect: Some(DB::DIALECT),
        tables,
    })
}

async fn query<DB: Backend>(
    conn: &mut DB::Connection,
    table: &str,
    sql: RenderedSql,
    kinds: &[ValueKind],
) -> Result<Vec<Vec<Value>>, Error> {
    match DB::fetch(conn, &sql, kinds).await {
        Ok(rows) => Ok(rows),
        Err(e) => Err(Error::on_table("reflect", table, sql.as_str(), e)),
    }
}

fn text(value: &Value) -> String {
    value.as_text().unwrap_or_default().to_owned()
}

fn opt_text(value: &Value) -> Option<String> {
    value.as_text().map(str::to_owned)
}

fn new_table(name: String) -> TableSnapshot {
    TableSnapshot {
        name,
        columns: Vec::new(),
        primary_key: Vec::new(),
        uniques: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
    }
}

fn column(
    dialect: Dialect,
    name: String,
    db_type: String,
    nullable: bool,
    default: Option<strata_core::ColumnDefault>,
    auto_increment: bool,
) -> ColumnSnapshot {
    let (sql_type, type_known) = reflected_type(dialect, &db_type);
    ColumnSnapshot {
        name,
        sql_type,
        type_known,
        db_type: Some(db_type),
        nullable,
        default,
        auto_increment,
        renamed_from: None,
    }
}

fn action(rule: &str) -> Option<FkAction> {
    match rule.trim().to_ascii_uppercase().as_str() {
        "CASCADE" | "C" => Some(FkAction::Cascade),
        "RESTRICT" | "R" => Some(FkAction::Restrict),
        "SET NULL" | "N" => Some(FkAction::SetNull),
        "NO ACTION" | "A" => Some(FkAction::NoAction),
        // SET DEFAULT has no attribute form; report it as the closest, NO ACTION.
        _ => Some(FkAction::NoAction),
    }
}

/// The lock table of `lock = "table"` beside the bookkeeping table `table`: strata's, not the
/// user's schema.
fn lock_table(table: &str) -> String {
    crate::lock::lock_table_name(table)
}

async fn reflect_sqlite<DB: Backend>(
    conn: &mut DB::Connection,
    exclude: &str,
) -> Result<Vec<TableSnapshot>, Error> {
    use ValueKind::{Int, Text};
    let names = query::<DB>(
        conn,
        "sqlite_master",
        sql!(Dialect::Sqlite;
            "SELECT m.name, COALESCE((SELECT l.wr FROM pragma_table_list(m.name) l \
               WHERE l.schema = 'main'), 0) \
             FROM sqlite_master m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' \
             ESCAPE '\\' AND m.name <> ",
            string(exclude),
            " AND m.name <> ",
            string(&lock_table(exclude)),
            " ORDER BY m.name"
        ),
        &[Text, Int],
    )
    .await?;
    let mut tables = Vec::new();
    for row in names {
        let name = text(&row[0]);
        let without_rowid = row[1].as_int() == Some(1);
        let quoted = sql!(Dialect::Sqlite; string(&name));
        let mut table = new_table(name.clone());
        let columns = query::<DB>(
            conn,
            &name,
            sql!(Dialect::Sqlite;
                "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(",
                &quoted,
                ") ORDER BY cid"
            ),
            &[Text, Text, Int, Text, Int],
        )
        .await?;
        let mut key: Vec<(i64, String)> = Vec::new();
        for c in &columns {
            if let Some(position) = c[4].as_int().filter(|p| *p > 0) {
                key.push((position, text(&c[0])));
            }
        }
        key.sort();
        table.primary_key = key.into_iter().map(|(_, c)| c).collect();
        for c in &columns {
            let name = text(&c[0]);
            let db_type = text(&c[1]);
            // Only a single-column INTEGER primary key of a rowid table is the rowid alias,
            // filled in by SQLite.
            let rowid = !without_rowid
                && table.primary_key == [name.clone()]
                && db_type.eq_ignore_ascii_case("INTEGER");
            let default = parse_reported_default(Dialect::Sqlite, c[3].as_text(), false, false);
            table.columns.push(column(
                Dialect::Sqlite,
                name,
                db_type,
                c[2].as_int() == Some(0) && !rowid,
                default,
                rowid,
            ));
        }
        let indexes = query::<DB>(
            conn,
            &name,
            sql!(Dialect::Sqlite;
                "SELECT name, \"unique\", origin FROM pragma_index_list(",
                &quoted,
                ") WHERE partial = 0 ORDER BY name"
            ),
            &[Text, Int, Text],
        )
        .await?;
        for index in indexes {
            let index_name = text(&index[0]);
            let origin = text(&index[2]);
            if origin == "pk" {
                continue;
            }
            let columns = query::<DB>(
                conn,
                &name,
                sql!(Dialect::Sqlite;
                    "SELECT name, \"desc\" FROM pragma_index_xinfo(",
                    string(&index_name),
                    ") WHERE key = 1 ORDER BY seqno"
                ),
                &[Text, Int],
            )
            .await?;
            // An index over an expression reports the expression's column as NULL; it and a
            // descending one are left out (see `unmanaged_objects`).
            if columns
                .iter()
                .any(|c| c[0].as_text().is_none() || c[1].as_int() == Some(1))
            {
                continue;
            }
            let snapshot = IndexSnapshot {
                // SQLite names a UNIQUE constraint's index itself (sqlite_autoindex_..).
                name: (origin != "u").then_some(index_name),
                columns: columns.iter().map(|c| text(&c[0])).collect(),
            };
            if index[1].as_int() == Some(1) {
                table.uniques.push(snapshot);
            } else {
                table.indexes.push(snapshot);
            }
        }
        let keys = query::<DB>(
            conn,
            &name,
            sql!(Dialect::Sqlite;
                "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete \
                 FROM pragma_foreign_key_list(",
                &quoted,
                ") ORDER BY id, seq"
            ),
            &[Int, Text, Text, Text, Text, Text],
        )
        .await?;
        let mut by_id: BTreeMap<i64, ForeignKeySnapshot> = BTreeMap::new();
        for k in keys {
            let fk =
                by_id
                    .entry(k[0].as_int().unwrap_or(0))
                    .or_insert_with(|| ForeignKeySnapshot {
                        name: None,
                        columns: Vec::new(),
                        ref_table: text(&k[1]),
                        ref_columns: Vec::new(),
                        on_delete: action(&text(&k[5])),
                        on_update: action(&text(&k[4])),
                    });
            fk.columns.push(text(&k[2]));
            // `to` is NULL for `REFERENCES parent` without columns: the parent's primary key,
            // resolved below.
            if let Some(to) = opt_text(&k[3]) {
                fk.ref_columns.push(to);
            }
        }
        table.foreign_keys = by_id.into_values().collect();
        tables.push(table);
    }
    // Resolve implicit references to a parent's primary key.
    let keys: BTreeMap<String, Vec<String>> = tables
        .iter()
        .map(|t| (t.name.clone(), t.primary_key.clone()))
        .collect();
    for table in &mut tables {
        for fk in &mut table.foreign_keys {
            if fk.ref_columns.is_empty() {
                fk.ref_columns = keys.get(&fk.ref_table).cloned().unwrap_or_default();
            }
        }
    }
    Ok(tables)
}

/// Splits a list PostgreSQL aggregated with the unit separator (column names may hold commas).
fn split_list(value: &Value) -> Vec<String> {
    value
        .as_text()
        .map(|s| s.split('\u{1f}').map(str::to_owned).collect())
        .unwrap_or_default()
}

async fn reflect_postgres<DB: Backend>(
    conn: &mut DB::Connection,
    exclude: &str,
) -> Result<Vec<TableSnapshot>, Error> {
    use ValueKind::{Bool, Text};
    let lock = lock_table(exclude);
    let exclude = string(exclude);
    let mut tables: BTreeMap<String, TableSnapshot> = BTreeMap::new();
    let names = query::<DB>(
        conn,
        "pg_class",
        sql!(Dialect::Postgres;
            "SELECT c.relname::text FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
             AND NOT c.relispartition AND c.relname <> ",
            exclude,
            " AND c.relname <> ",
            string(&lock)
        ),
        &[Text],
    )
    .await?;
    for row in names {
        let name = text(&row[0]);
        tables.insert(name.clone(), new_table(name));
    }
    let columns = query::<DB>(
        conn,
        "pg_attribute",
        "SELECT c.relname::text, a.attname::text, \
         pg_catalog.format_type(a.atttypid, a.atttypmod)::text, NOT a.attnotnull, \
         CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END::text, \
         a.attidentity <> '', \
         CASE WHEN ty.typtype = 'd' \
           THEN pg_catalog.format_type(ty.typbasetype, ty.typtypmod) END::text \
         FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE n.nspname = current_schema() AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY c.relname, a.attnum"
            .into(),
        &[Text, Text, Text, Bool, Text, Bool, Text],
    )
    .await?;
    for c in columns {
        let Some(table) = tables.get_mut(&text(&c[0])) else {
            continue;
        };
        let reported = opt_text(&c[4]);
        // A legacy `serial` column: its default draws from a sequence.
        let serial = reported
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("));
        let default = if serial {
            None
        } else {
            parse_reported_default(Dialect::Postgres, reported.as_deref(), false, false)
        };
        let mut reflected = column(
            Dialect::Postgres,
            text(&c[1]),
            text(&c[2]),
            c[3].as_bool() == Some(true),
            default,
            serial || c[5].as_bool() == Some(true),
        );
        // A domain is outside the mapping; its base type says how to read it.
        if let Some(base) = opt_text(&c[6]) {
            reflected.sql_type = reflected_type(Dialect::Postgres, &base).0;
            reflected.type_known = false;
        }
        table.columns.push(reflected);
    }
    let list = |key: &'static str, rel: &'static str| {
        sql!(Dialect::Postgres;
            "(SELECT string_agg(a.attname::text, chr(31) ORDER BY k.ord) FROM unnest(",
            key,
            ") WITH ORDINALITY AS k(attnum, ord) JOIN pg_catalog.pg_attribute a ON a.attrelid = ",
            rel,
            " AND a.attnum = k.attnum)"
        )
    };
    let constraints = query::<DB>(
        conn,
        "pg_constraint",
        sql!(Dialect::Postgres;
            "SELECT cl.relname::text, con.conname::text, con.contype::text, ",
            &list("con.conkey", "con.conrelid"),
            ", rc.relname::text, ",
            &list("con.confkey", "con.confrelid"),
            ", con.confdeltype::text, con.confupdtype::text \
             FROM pg_catalog.pg_constraint con \
             JOIN pg_catalog.pg_class cl ON cl.oid = con.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace \
             LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid \
             WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f') \
             ORDER BY cl.relname, con.conname"
        ),
        &[Text, Text, Text, Text, Text, Text, Text, Text],
    )
    .await?;
    for c in constraints {
        let Some(table) = tables.get_mut(&text(&c[0])) else {
            continue;
        };
        let name = text(&c[1]);
        let columns = split_list(&c[3]);
        match text(&c[2]).as_str() {
            "p" => table.primary_key = columns,
            "u" => table.uniques.push(IndexSnapshot {
                name: Some(name),
                columns,
            }),
            _ => table.foreign_keys.push(ForeignKeySnapshot {
                name: Some(name),
                columns,
                ref_table: text(&c[4]),
                ref_columns: split_list(&c[5]),
                on_delete: action(&text(&c[6])),
                on_update: action(&text(&c[7])),
            }),
        }
    }
    let indexes = query::<DB>(
        conn,
        "pg_index",
        sql!(Dialect::Postgres;
            "SELECT t.relname::text, i.relname::text, ix.indisunique, ",
            &list("ix.indkey::int2[]", "ix.indrelid"),
            &with_fragments(" FROM pg_catalog.pg_index ix \
             JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid \
             JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = current_schema() AND ix.indpred IS NULL \
             AND ix.indexprs IS NULL AND i.relam = {POSTGRES_BTREE} \
             AND NOT {POSTGRES_DESCENDING} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con \
                 WHERE con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid \
                 AND con.contype IN ('p', 'u', 'x')) \
             ORDER BY t.relname, i.relname")
        ),
        &[Text, Text, Bool, Text],
    )
    .await?;
    for i in indexes {
        let Some(table) = tables.get_mut(&text(&i[0])) else {
            continue;
        };
        let snapshot = IndexSnapshot {
            name: Some(text(&i[1])),
            columns: split_list(&i[3]),
        };
        if i[2].as_bool() == Some(true) {
            table.uniques.push(snapshot);
        } else {
            table.indexes.push(snapshot);
        }
    }
    Ok(tables.into_values().collect())
}

async fn reflect_mysql<DB: Backend>(
    conn: &mut DB::Connection,
    exclude: &str,
) -> Result<Vec<TableSnapshot>, Error> {
    use ValueKind::{Bool, Int, Text};
    let version = query::<DB>(
        conn,
        "VERSION()",
        "SELECT CAST(VERSION() AS CHAR)".into(),
        &[Text],
    )
    .await?;
    let mariadb = version
        .first()
        .and_then(|row| row[0].as_text())
        .is_some_and(|v| v.contains("MariaDB"));
    let mut tables: BTreeMap<String, TableSnapshot> = BTreeMap::new();
    let names = query::<DB>(
        conn,
        "information_schema.TABLES",
        sql!(Dialect::Mysql;
            "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> ",
            string(exclude),
            " AND TABLE_NAME <> ",
            string(&lock_table(exclude))
        ),
        &[Text],
    )
    .await?;
    for row in names {
        let name = text(&row[0]);
        tables.insert(name.clone(), new_table(name));
    }
    // MariaDB stores JSON as LONGTEXT with a column-level CHECK (json_valid(`col`)) named after it.
    let mut json_columns: Vec<(String, String)> = Vec::new();
    if mariadb {
        let checks = query::<DB>(
            conn,
            "information_schema.CHECK_CONSTRAINTS",
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(CONSTRAINT_NAME AS CHAR), \
             CAST(CHECK_CLAUSE AS CHAR) FROM information_schema.CHECK_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = DATABASE()"
                .into(),
            &[Text, Text, Text],
        )
        .await?;
        for c in checks {
            let column = text(&c[1]);
            let expected = format!(
                "json_valid({})",
                strata_core::ddl::quote_ident(Dialect::Mysql, &column)
            );
            if text(&c[2]).eq_ignore_ascii_case(&expected) {
                json_columns.push((text(&c[0]), column));
            }
        }
    }
    let columns = query::<DB>(
        conn,
        "information_schema.COLUMNS",
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
         IS_NULLABLE = 'YES', CAST(COLUMN_DEFAULT AS CHAR), CAST(EXTRA AS CHAR) \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, ORDINAL_POSITION"
            .into(),
        &[Text, Text, Text, Bool, Text, Text],
    )
    .await?;
    for c in columns {
        let table_name = text(&c[0]);
        let Some(table) = tables.get_mut(&table_name) else {
            continue;
        };
        let name = text(&c[1]);
        let extra = text(&c[5]).to_ascii_lowercase();
        let mut db_type = text(&c[2]);
        if json_columns.contains(&(table_name.clone(), name.clone()))
            && db_type.eq_ignore_ascii_case("longtext")
        {
            db_type = "json".to_owned();
        }
        let default = parse_reported_default(
            Dialect::Mysql,
            c[4].as_text(),
            mariadb,
            extra.contains("default_generated"),
        );
        table.columns.push(column(
            Dialect::Mysql,
            name,
            db_type,
            c[3].as_bool() == Some(true),
            default,
            extra.contains("auto_increment"),
        ));
    }
    let statistics = query::<DB>(
        conn,
        "information_schema.STATISTICS",
        with_fragments(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), NON_UNIQUE, \
             CAST(COLUMN_NAME AS CHAR), {MYSQL_PLAIN_INDEX_PART} \
             FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        ),
        &[Text, Text, Int, Text, Bool],
    )
    .await?;
    let mut indexes: BTreeMap<(String, String), (bool, Vec<String>, bool)> = BTreeMap::new();
    for s in statistics {
        let entry = indexes
            .entry((text(&s[0]), text(&s[1])))
            .or_insert_with(|| (s[2].as_int() == Some(0), Vec::new(), true));
        // An expression index part has no column name.
        if let Some(column) = opt_text(&s[3]) {
            entry.1.push(column);
        }
        entry.2 &= s[4].as_bool() == Some(true);
    }
    for ((table_name, index_name), (unique, columns, plain)) in indexes {
        let Some(table) = tables.get_mut(&table_name) else {
            continue;
        };
        // Prefix, expression, full-text and spatial indexes are left out (see
        // `unmanaged_objects`).
        if !plain && index_name != "PRIMARY" {
            continue;
        }
        if index_name == "PRIMARY" {
            table.primary_key = columns;
        } else if unique {
            table.uniques.push(IndexSnapshot {
                name: Some(index_name),
                columns,
            });
        } else {
            table.indexes.push(IndexSnapshot {
                name: Some(index_name),
                columns,
            });
        }
    }
    let keys = query::<DB>(
        conn,
        "information_schema.KEY_COLUMN_USAGE",
        "SELECT CAST(k.TABLE_NAME AS CHAR), CAST(k.CONSTRAINT_NAME AS CHAR), \
         CAST(k.COLUMN_NAME AS CHAR), CAST(k.REFERENCED_TABLE_NAME AS CHAR), \
         CAST(k.REFERENCED_COLUMN_NAME AS CHAR), CAST(r.DELETE_RULE AS CHAR), \
         CAST(r.UPDATE_RULE AS CHAR) \
         FROM information_schema.KEY_COLUMN_USAGE k \
         JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
           ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
           AND r.TABLE_NAME = k.TABLE_NAME \
         WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
         ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"
            .into(),
        &[Text, Text, Text, Text, Text, Text, Text],
    )
    .await?;
    for k in keys {
        let Some(table) = tables.get_mut(&text(&k[0])) else {
            continue;
        };
        let name = text(&k[1]);
        let position = table
            .foreign_keys
            .iter()
            .position(|fk| fk.name.as_deref() == Some(name.as_str()));
        let fk = match position {
            Some(i) => &mut table.foreign_keys[i],
            None => {
                table.foreign_keys.push(ForeignKeySnapshot {
                    name: Some(name),
                    columns: Vec::new(),
                    ref_table: text(&k[3]),
                    ref_columns: Vec::new(),
                    on_delete: action(&text(&k[5])),
                    on_update: action(&text(&k[6])),
                });
                let last = table.foreign_keys.len() - 1;
                &mut table.foreign_keys[last]
            }
        };
        fk.columns.push(text(&k[2]));
        fk.ref_columns.push(text(&k[4]));
    }
    Ok(tables.into_values().collect())
}

/// The objects [`reflect`] leaves out of the [`Snapshot`], so the caller can see them: views,
/// triggers, sequences not owned by a column, partial, expression and descending indexes (and
/// PostgreSQL's non-B-tree ones, MySQL's prefix, full-text and spatial ones), CHECK
/// constraints (not on SQLite, which keeps them only in the table's SQL), PostgreSQL exclusion
/// constraints and generated columns
/// (SQLite leaves them out of the snapshot; PostgreSQL and MySQL keep them there as plain
/// columns, without their expression). Ordered by kind, then name. PostgreSQL: the `current_schema()`; MySQL/MariaDB: `DATABASE()`.
pub async fn unmanaged_objects<DB: Backend>(
    pool: &sqlx::Pool<DB>,
) -> Result<Vec<UnmanagedObject>, Error> {
    let mut conn = pool.acquire().await.map_err(Error::Connect)?;
    let conn = &mut *conn;
    use ValueKind::Text;
    let sql = match DB::DIALECT {
        Dialect::Sqlite => {
            // A partial index, or one over an expression (its column is reported as NULL).
            "SELECT m.type, m.name, m.tbl_name FROM sqlite_master m \
             WHERE m.type IN ('view', 'trigger') \
             UNION ALL \
             SELECT 'index', i.name, t.name FROM sqlite_master t, pragma_index_list(t.name) i \
             WHERE t.type = 'table' AND (i.partial = 1 OR EXISTS \
               (SELECT 1 FROM pragma_index_xinfo(i.name) x \
                WHERE x.key = 1 AND (x.name IS NULL OR x.\"desc\" = 1))) \
             UNION ALL \
             SELECT 'generated column', x.name, t.name \
             FROM sqlite_master t, pragma_table_xinfo(t.name) x \
             WHERE t.type = 'table' AND x.hidden IN (2, 3)"
        }
        Dialect::Postgres => {
            "SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' \
               ELSE 'sequence' END, c.relname::text, NULL::text \
             FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND (c.relkind IN ('v', 'm') \
               OR (c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
                 WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid \
                 AND d.deptype IN ('a', 'i')))) \
             UNION ALL \
             SELECT 'trigger', tg.tgname::text, c.relname::text \
             FROM pg_catalog.pg_trigger tg \
             JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND NOT tg.tgisinternal \
             UNION ALL \
             SELECT 'index', i.relname::text, t.relname::text \
             FROM pg_catalog.pg_index ix \
             JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid \
             JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = current_schema() \
             AND (ix.indpred IS NOT NULL OR ix.indexprs IS NOT NULL OR i.relam <> {POSTGRES_BTREE} \
               OR {POSTGRES_DESCENDING}) \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con \
               WHERE con.conindid = ix.indexrelid AND con.contype = 'x') \
             UNION ALL \
             SELECT CASE con.contype WHEN 'c' THEN 'check' ELSE 'exclusion' END, \
               con.conname::text, cl.relname::text \
             FROM pg_catalog.pg_constraint con \
             JOIN pg_catalog.pg_class cl ON cl.oid = con.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace \
             WHERE n.nspname = current_schema() AND con.contype IN ('c', 'x') \
             UNION ALL \
             SELECT 'generated column', a.attname::text, c.relname::text \
             FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
             AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated <> ''"
        }
        Dialect::Mysql => {
            "SELECT CASE TABLE_TYPE WHEN 'VIEW' THEN 'view' ELSE 'sequence' END, \
               CAST(TABLE_NAME AS CHAR), CAST(NULL AS CHAR) \
             FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('VIEW', 'SEQUENCE') \
             UNION ALL \
             SELECT 'trigger', CAST(TRIGGER_NAME AS CHAR), CAST(EVENT_OBJECT_TABLE AS CHAR) \
             FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
             UNION ALL \
             SELECT 'generated column', CAST(COLUMN_NAME AS CHAR), CAST(TABLE_NAME AS CHAR) \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
             AND (EXTRA LIKE '%VIRTUAL GENERATED%' OR EXTRA LIKE '%STORED GENERATED%' \
               OR EXTRA LIKE '%PERSISTENT GENERATED%') \
             UNION \
             SELECT 'index', CAST(INDEX_NAME AS CHAR), CAST(TABLE_NAME AS CHAR) \
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
             AND INDEX_NAME <> 'PRIMARY' AND NOT {MYSQL_PLAIN_INDEX_PART}"
        }
    };
    let sql = with_fragments(sql);
    let mut rows = query::<DB>(conn, "the catalogue", sql, &[Text, Text, Text]).await?;
    if DB::DIALECT == Dialect::Mysql {
        rows.extend(mysql_checks::<DB>(conn).await?);
    }
    let mut objects: Vec<UnmanagedObject> = rows
        .iter()
        .filter_map(|row| {
            let kind = match text(&row[0]).as_str() {
                "view" => ObjectKind::View,
                "materialized view" => ObjectKind::MaterializedView,
                "trigger" => ObjectKind::Trigger,
                "sequence" => ObjectKind::Sequence,
                "index" => ObjectKind::Index,
                "check" => ObjectKind::Check,
                "exclusion" => ObjectKind::Exclusion,
                "generated column" => ObjectKind::GeneratedColumn,
                _ => return None,
            };
            Some(UnmanagedObject {
                kind,
                name: text(&row[1]),
                table: opt_text(&row[2]).filter(|t| kind != ObjectKind::View && !t.is_empty()),
            })
        })
        .collect();
    objects.sort();
    Ok(objects)
}

/// PostgreSQL's B-tree access method: `create_all` makes no other kind of index (GIN, GiST,
/// hash, BRIN ones are left out of the snapshot and named by `unmanaged_objects`).
/// `template` with each `{NAME}` of the fragments below replaced by its text: every piece is
/// text written in the program.
fn with_fragments(template: &'static str) -> RenderedSql {
    const FRAGMENTS: [(&str, &str); 3] = [
        ("MYSQL_PLAIN_INDEX_PART", MYSQL_PLAIN_INDEX_PART),
        ("POSTGRES_BTREE", POSTGRES_BTREE),
        ("POSTGRES_DESCENDING", POSTGRES_DESCENDING),
    ];
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        let found = after.split_once('}').and_then(|(name, tail)| {
            let (_, text) = FRAGMENTS.iter().find(|(known, _)| *known == name)?;
            Some((*text, tail))
        });
        match found {
            Some((text, tail)) => {
                pieces.push(Piece::Static(before));
                pieces.push(Piece::Static(text));
                rest = tail;
            }
            // Not a placeholder: the brace is SQL.
            None => {
                pieces.push(Piece::Static(&rest[..before.len() + 1]));
                rest = after;
            }
        }
    }
    pieces.push(Piece::Static(rest));
    // The dialect matters only for quoting, and these pieces quote nothing.
    RenderedSql::build(Dialect::Sqlite, &pieces)
}

const POSTGRES_BTREE: &str = "(SELECT oid FROM pg_catalog.pg_am WHERE amname = 'btree')";

/// Whether a PostgreSQL index `ix` has a descending column (`indoption` bit 0).
const POSTGRES_DESCENDING: &str = "EXISTS (SELECT 1 FROM unnest(ix.indoption::int2[]) AS o(flags) \
     WHERE o.flags & 1 = 1)";

/// Whether a row of MySQL's `information_schema.STATISTICS` is a whole column in a B-tree or
/// hash index: not a prefix (`body(10)`), an expression, or part of a full-text or spatial index.
const MYSQL_PLAIN_INDEX_PART: &str = "(SUB_PART IS NULL AND COLUMN_NAME IS NOT NULL \
     AND INDEX_TYPE NOT IN ('FULLTEXT', 'SPATIAL') AND COALESCE(COLLATION, 'A') = 'A')";

/// MySQL's and MariaDB's CHECK constraints, as (`check`, name, table) rows; MariaDB's own
/// `json_valid` check of a JSON column is the column's type, not a constraint to report.
async fn mysql_checks<DB: Backend>(conn: &mut DB::Connection) -> Result<Vec<Vec<Value>>, Error> {
    use ValueKind::Text;
    let version = query::<DB>(
        conn,
        "VERSION()",
        "SELECT CAST(VERSION() AS CHAR)".into(),
        &[Text],
    )
    .await?;
    let mariadb = version
        .first()
        .and_then(|row| row[0].as_text())
        .is_some_and(|v| v.contains("MariaDB"));
    if !mariadb {
        return query::<DB>(
            conn,
            "information_schema.TABLE_CONSTRAINTS",
            "SELECT 'check', CAST(CONSTRAINT_NAME AS CHAR), CAST(TABLE_NAME AS CHAR) \
             FROM information_schema.TABLE_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_TYPE = 'CHECK'"
                .into(),
            &[Text, Text, Text],
        )
        .await;
    }
    let checks = query::<DB>(
        conn,
        "information_schema.CHECK_CONSTRAINTS",
        "SELECT 'check', CAST(CONSTRAINT_NAME AS CHAR), CAST(TABLE_NAME AS CHAR), \
         CAST(CHECK_CLAUSE AS CHAR) FROM information_schema.CHECK_CONSTRAINTS \
         WHERE CONSTRAINT_SCHEMA = DATABASE()"
            .into(),
        &[Text, Text, Text, Text],
    )
    .await?;
    Ok(checks
        .into_iter()
        .filter(|row| {
            let json = format!(
                "json_valid({})",
                strata_core::ddl::quote_ident(Dialect::Mysql, &text(&row[1]))
            );
            !text(&row[3]).eq_ignore_ascii_case(&json)
        })
        .collect())
}
