//! How long `diff` takes to plan and render the migration between two 500-table schemas, per
//! dialect. Run: `cargo bench -p strata-core --bench diff`.
//!
//! The old schema has 500 tables of 10 columns, two indexes, a unique constraint and a foreign
//! key each. The new one changes every fifth table (a column added, one renamed, one widened,
//! an index added), drops 10 tables and adds 10.

use std::hint::black_box;
use std::time::{Duration, Instant};

use strata_core::{
    ColumnSnapshot, Dialect, DiffOptions, ForeignKeySnapshot, IndexSnapshot, Snapshot, SqlType,
    TableSnapshot, diff_with,
};

const TABLES: usize = 500;
const RUNS: usize = 30;

fn column(name: &str, sql_type: SqlType, nullable: bool) -> ColumnSnapshot {
    ColumnSnapshot {
        name: name.to_owned(),
        sql_type,
        type_known: true,
        db_type: None,
        nullable,
        default: None,
        auto_increment: false,
        renamed_from: None,
    }
}

fn table(i: usize) -> TableSnapshot {
    let mut columns = vec![ColumnSnapshot {
        auto_increment: true,
        ..column("id", SqlType::BigInt, false)
    }];
    let types = [
        SqlType::Integer,
        SqlType::Varchar(64),
        SqlType::Text,
        SqlType::Double,
    ];
    for c in 0..8 {
        columns.push(column(
            &format!("col_{c}"),
            types[c % types.len()],
            c % 2 == 0,
        ));
    }
    columns.push(column("parent_id", SqlType::BigInt, true));
    let index = |cols: &[&str]| IndexSnapshot {
        name: None,
        columns: cols.iter().map(|c| (*c).to_owned()).collect(),
    };
    TableSnapshot {
        name: format!("table_{i:03}"),
        columns,
        primary_key: vec!["id".to_owned()],
        uniques: vec![index(&["col_1"])],
        indexes: vec![index(&["col_0"]), index(&["col_4", "col_5"])],
        foreign_keys: vec![ForeignKeySnapshot {
            name: None,
            columns: vec!["parent_id".to_owned()],
            ref_table: format!("table_{:03}", i.saturating_sub(1)),
            ref_columns: vec!["id".to_owned()],
            on_delete: None,
            on_update: None,
        }],
    }
}

fn schemas() -> (Snapshot, Snapshot) {
    let old: Vec<TableSnapshot> = (0..TABLES).map(table).collect();
    let mut new: Vec<TableSnapshot> = Vec::new();
    for (i, t) in old.iter().enumerate() {
        if i >= TABLES - 10 {
            continue;
        }
        let mut t = t.clone();
        if i % 5 == 0 {
            t.columns.push(column("added", SqlType::Text, true));
            t.columns[3] = ColumnSnapshot {
                renamed_from: Some("col_2".to_owned()),
                ..column("col_2_renamed", SqlType::Text, false)
            };
            t.columns[1].sql_type = SqlType::BigInt;
            t.indexes.push(IndexSnapshot {
                name: None,
                columns: vec!["col_6".to_owned()],
            });
        }
        new.push(t);
    }
    for i in TABLES..TABLES + 10 {
        new.push(table(i));
    }
    let snapshot = |tables| Snapshot {
        dialect: None,
        tables,
    };
    (snapshot(old), snapshot(new))
}

fn main() {
    let (old, new) = schemas();
    let options = DiffOptions {
        drop_unmanaged: true,
    };
    println!("diff + up_sql + down_sql, {TABLES} tables, median of {RUNS} runs:");
    for dialect in Dialect::ALL {
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        let mut bytes = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let plan = diff_with(black_box(&old), black_box(&new), dialect, &options);
            let up = plan.up_sql();
            let down = plan.down_sql();
            times.push(started.elapsed());
            bytes = up.len() + down.len();
            black_box((up, down));
        }
        times.sort();
        println!(
            "  {:<8} median {:>7.2} ms  (min {:.2} ms, max {:.2} ms), {bytes} bytes of SQL",
            dialect.name(),
            times[RUNS / 2].as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            times[RUNS - 1].as_secs_f64() * 1e3,
        );
    }
}
