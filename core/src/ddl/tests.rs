use super::*;
use crate::schema::{ColumnDef, DefaultValue, FkAction, ForeignKeyDef, IndexDef, Literal};

const fn col(name: &'static str, sql_type: SqlType) -> ColumnDef {
    ColumnDef {
        name,
        field: name,
        sql_type,
        sql_type_override: None,
        nullable: false,
        auto_increment: false,
        default: None,
        renamed_from: None,
    }
}

const fn id() -> ColumnDef {
    ColumnDef {
        auto_increment: true,
        ..col("id", SqlType::BigInt)
    }
}

/// A keyword-named table: auto-increment key, unique, index, nullable, defaults.
static USER: TableDef = TableDef {
    name: "user",
    rust_name: "User",
    columns: &[
        id(),
        col("name", SqlType::Varchar(64)),
        ColumnDef {
            nullable: true,
            ..col("email", SqlType::Text)
        },
        ColumnDef {
            default: Some(DefaultValue::Literal(Literal::Int(0))),
            ..col("karma", SqlType::Integer)
        },
        ColumnDef {
            default: Some(DefaultValue::Sql("CURRENT_TIMESTAMP")),
            ..col("created_at", SqlType::Timestamp)
        },
    ],
    primary_key: &["id"],
    uniques: &[IndexDef {
        columns: &["email"],
    }],
    indexes: &[IndexDef {
        columns: &["name", "email"],
    }],
    foreign_keys: &[],
};

/// `order` references `user` with actions and has a composite unique.
static ORDER: TableDef = TableDef {
    name: "order",
    rust_name: "Order",
    columns: &[
        id(),
        col("user_id", SqlType::BigInt),
        ColumnDef {
            nullable: true,
            ..col("group", SqlType::Text)
        },
    ],
    primary_key: &["id"],
    uniques: &[IndexDef {
        columns: &["user_id", "group"],
    }],
    indexes: &[IndexDef {
        columns: &["user_id"],
    }],
    foreign_keys: &[ForeignKeyDef {
        columns: &["user_id"],
        ref_table: "user",
        ref_columns: &["id"],
        on_delete: Some(FkAction::Cascade),
        on_update: Some(FkAction::SetNull),
    }],
};

/// Composite primary key, every literal kind, a self-reference.
static GROUP: TableDef = TableDef {
    name: "group",
    rust_name: "Group",
    columns: &[
        col("a", SqlType::Integer),
        col("b", SqlType::Varchar(10)),
        ColumnDef {
            default: Some(DefaultValue::Literal(Literal::Bool(true))),
            ..col("flag", SqlType::Bool)
        },
        ColumnDef {
            default: Some(DefaultValue::Literal(Literal::Float(1.5))),
            ..col("ratio", SqlType::Double)
        },
        ColumnDef {
            default: Some(DefaultValue::Literal(Literal::Float(2.0))),
            ..col("weight", SqlType::Real)
        },
        ColumnDef {
            default: Some(DefaultValue::Literal(Literal::Str(
                "it's \\ '); DROP TABLE x; --",
            ))),
            ..col("note", SqlType::Text)
        },
        ColumnDef {
            default: Some(DefaultValue::Literal(Literal::Int(-7))),
            nullable: true,
            ..col("parent_a", SqlType::Integer)
        },
        ColumnDef {
            nullable: true,
            ..col("parent_b", SqlType::Varchar(10))
        },
    ],
    primary_key: &["a", "b"],
    uniques: &[],
    indexes: &[],
    foreign_keys: &[ForeignKeyDef {
        columns: &["parent_a", "parent_b"],
        ref_table: "group",
        ref_columns: &["a", "b"],
        on_delete: Some(FkAction::Restrict),
        on_update: Some(FkAction::NoAction),
    }],
};

/// Every other logical type, and an exact-type override.
static TYPES: TableDef = TableDef {
    name: "types",
    rust_name: "Types",
    columns: &[
        col("small", SqlType::SmallInt),
        col("blob", SqlType::Blob),
        col("day", SqlType::Date),
        col("clock", SqlType::Time),
        col("at_tz", SqlType::TimestampTz),
        col("uuid", SqlType::Uuid),
        col("doc", SqlType::Json),
        col("money", SqlType::Decimal),
        ColumnDef {
            sql_type_override: Some("CHAR(3)"),
            ..col("code", SqlType::Text)
        },
    ],
    primary_key: &[],
    uniques: &[],
    indexes: &[],
    foreign_keys: &[],
};

static UNSIGNED: TableDef = TableDef {
    name: "counters",
    rust_name: "Counters",
    columns: &[
        col("tiny", SqlType::TinyInt),
        col("u8", SqlType::UnsignedTinyInt),
        col("u16", SqlType::UnsignedSmallInt),
        col("u32", SqlType::UnsignedInteger),
    ],
    primary_key: &[],
    uniques: &[],
    indexes: &[],
    foreign_keys: &[],
};

static SCHEMA: Schema = Schema {
    tables: &[&ORDER, &GROUP, &USER, &TYPES],
};

fn statements(dialect: Dialect, table: &TableDef) -> Vec<String> {
    create_table_statements(dialect, SCHEMA.tables, table).unwrap()
}

#[test]
fn exact_sql_sqlite() {
    assert_eq!(
        statements(Dialect::Sqlite, &USER),
        [
            r#"CREATE TABLE IF NOT EXISTS "user" (
  "id" INTEGER PRIMARY KEY,
  "name" VARCHAR(64) NOT NULL,
  "email" TEXT,
  "karma" INT NOT NULL DEFAULT 0,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "user_email_key" UNIQUE ("email")
)"#,
            r#"CREATE INDEX IF NOT EXISTS "user_name_email_idx" ON "user" ("name", "email")"#,
        ]
    );
    assert_eq!(
        statements(Dialect::Sqlite, &ORDER),
        [
            r#"CREATE TABLE IF NOT EXISTS "order" (
  "id" INTEGER PRIMARY KEY,
  "user_id" BIGINT NOT NULL,
  "group" TEXT,
  CONSTRAINT "order_user_id_group_key" UNIQUE ("user_id", "group"),
  CONSTRAINT "order_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE SET NULL
)"#,
            r#"CREATE INDEX IF NOT EXISTS "order_user_id_idx" ON "order" ("user_id")"#,
        ]
    );
    assert_eq!(
        statements(Dialect::Sqlite, &GROUP),
        [r#"CREATE TABLE IF NOT EXISTS "group" (
  "a" INT NOT NULL,
  "b" VARCHAR(10) NOT NULL,
  "flag" BOOLEAN NOT NULL DEFAULT 1,
  "ratio" DOUBLE NOT NULL DEFAULT 1.5,
  "weight" REAL NOT NULL DEFAULT 2.0,
  "note" TEXT NOT NULL DEFAULT 'it''s \ ''); DROP TABLE x; --',
  "parent_a" INT DEFAULT -7,
  "parent_b" VARCHAR(10),
  CONSTRAINT "group_pkey" PRIMARY KEY ("a", "b"),
  CONSTRAINT "group_parent_a_parent_b_fkey" FOREIGN KEY ("parent_a", "parent_b") REFERENCES "group" ("a", "b") ON DELETE RESTRICT ON UPDATE NO ACTION
)"#,]
    );
    assert_eq!(
        statements(Dialect::Sqlite, &TYPES),
        [r#"CREATE TABLE IF NOT EXISTS "types" (
  "small" SMALLINT NOT NULL,
  "blob" BLOB NOT NULL,
  "day" DATE NOT NULL,
  "clock" TIME NOT NULL,
  "at_tz" TIMESTAMPTZ NOT NULL,
  "uuid" BLOB NOT NULL,
  "doc" TEXT NOT NULL,
  "money" DECIMAL NOT NULL,
  "code" CHAR(3) NOT NULL
)"#,]
    );
}

#[test]
fn exact_sql_postgres() {
    assert_eq!(
        statements(Dialect::Postgres, &USER),
        [
            r#"CREATE TABLE IF NOT EXISTS "user" (
  "id" BIGINT NOT NULL GENERATED BY DEFAULT AS IDENTITY,
  "name" VARCHAR(64) NOT NULL,
  "email" TEXT,
  "karma" INTEGER NOT NULL DEFAULT 0,
  "created_at" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "user_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "user_email_key" UNIQUE ("email")
)"#,
            r#"CREATE INDEX IF NOT EXISTS "user_name_email_idx" ON "user" ("name", "email")"#,
        ]
    );
    assert_eq!(
        statements(Dialect::Postgres, &ORDER),
        [
            r#"CREATE TABLE IF NOT EXISTS "order" (
  "id" BIGINT NOT NULL GENERATED BY DEFAULT AS IDENTITY,
  "user_id" BIGINT NOT NULL,
  "group" TEXT,
  CONSTRAINT "order_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "order_user_id_group_key" UNIQUE ("user_id", "group"),
  CONSTRAINT "order_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE SET NULL
)"#,
            r#"CREATE INDEX IF NOT EXISTS "order_user_id_idx" ON "order" ("user_id")"#,
        ]
    );
    assert_eq!(
        statements(Dialect::Postgres, &GROUP),
        [r#"CREATE TABLE IF NOT EXISTS "group" (
  "a" INTEGER NOT NULL,
  "b" VARCHAR(10) NOT NULL,
  "flag" BOOLEAN NOT NULL DEFAULT TRUE,
  "ratio" DOUBLE PRECISION NOT NULL DEFAULT 1.5,
  "weight" REAL NOT NULL DEFAULT 2.0,
  "note" TEXT NOT NULL DEFAULT 'it''s \ ''); DROP TABLE x; --',
  "parent_a" INTEGER DEFAULT -7,
  "parent_b" VARCHAR(10),
  CONSTRAINT "group_pkey" PRIMARY KEY ("a", "b"),
  CONSTRAINT "group_parent_a_parent_b_fkey" FOREIGN KEY ("parent_a", "parent_b") REFERENCES "group" ("a", "b") ON DELETE RESTRICT ON UPDATE NO ACTION
)"#,]
    );
    assert_eq!(
        statements(Dialect::Postgres, &TYPES),
        [r#"CREATE TABLE IF NOT EXISTS "types" (
  "small" SMALLINT NOT NULL,
  "blob" BYTEA NOT NULL,
  "day" DATE NOT NULL,
  "clock" TIME NOT NULL,
  "at_tz" TIMESTAMPTZ NOT NULL,
  "uuid" UUID NOT NULL,
  "doc" JSONB NOT NULL,
  "money" NUMERIC NOT NULL,
  "code" CHAR(3) NOT NULL
)"#,]
    );
}

#[test]
fn exact_sql_mysql() {
    assert_eq!(
        statements(Dialect::Mysql, &USER),
        [r#"CREATE TABLE IF NOT EXISTS `user` (
  `id` BIGINT NOT NULL AUTO_INCREMENT,
  `name` VARCHAR(64) NOT NULL,
  `email` VARCHAR(255),
  `karma` INT NOT NULL DEFAULT 0,
  `created_at` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  CONSTRAINT `user_email_key` UNIQUE (`email`),
  INDEX `user_name_email_idx` (`name`, `email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"#,]
    );
    assert_eq!(
        statements(Dialect::Mysql, &ORDER),
        [r#"CREATE TABLE IF NOT EXISTS `order` (
  `id` BIGINT NOT NULL AUTO_INCREMENT,
  `user_id` BIGINT NOT NULL,
  `group` VARCHAR(255),
  PRIMARY KEY (`id`),
  CONSTRAINT `order_user_id_group_key` UNIQUE (`user_id`, `group`),
  INDEX `order_user_id_idx` (`user_id`),
  CONSTRAINT `order_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE ON UPDATE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"#,]
    );
    assert_eq!(
        statements(Dialect::Mysql, &GROUP),
        [r#"CREATE TABLE IF NOT EXISTS `group` (
  `a` INT NOT NULL,
  `b` VARCHAR(10) NOT NULL,
  `flag` BOOLEAN NOT NULL DEFAULT 1,
  `ratio` DOUBLE NOT NULL DEFAULT 1.5,
  `weight` FLOAT NOT NULL DEFAULT 2.0,
  `note` TEXT NOT NULL DEFAULT ('it''s \\ ''); DROP TABLE x; --'),
  `parent_a` INT DEFAULT -7,
  `parent_b` VARCHAR(10),
  PRIMARY KEY (`a`, `b`),
  CONSTRAINT `group_parent_a_parent_b_fkey` FOREIGN KEY (`parent_a`, `parent_b`) REFERENCES `group` (`a`, `b`) ON DELETE RESTRICT ON UPDATE NO ACTION
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"#,]
    );
    assert_eq!(
        statements(Dialect::Mysql, &TYPES),
        [r#"CREATE TABLE IF NOT EXISTS `types` (
  `small` SMALLINT NOT NULL,
  `blob` BLOB NOT NULL,
  `day` DATE NOT NULL,
  `clock` TIME(6) NOT NULL,
  `at_tz` TIMESTAMP(6) NOT NULL,
  `uuid` BINARY(16) NOT NULL,
  `doc` JSON NOT NULL,
  `money` DECIMAL(65,30) NOT NULL,
  `code` CHAR(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"#,]
    );
}

#[test]
fn identifiers_are_quoted_with_doubling() {
    assert_eq!(quote_ident(Dialect::Sqlite, "order"), r#""order""#);
    assert_eq!(quote_ident(Dialect::Postgres, r#"a"b"#), r#""a""b""#);
    assert_eq!(quote_ident(Dialect::Mysql, "user"), "`user`");
    assert_eq!(quote_ident(Dialect::Mysql, "a`b"), "`a``b`");
    assert_eq!(
        quote_ident(Dialect::Postgres, r#"x"; DROP TABLE y; --"#),
        r#""x""; DROP TABLE y; --""#
    );
}

#[test]
fn strings_are_quoted_per_dialect() {
    assert_eq!(quote_str(Dialect::Sqlite, "it's"), "'it''s'");
    assert_eq!(quote_str(Dialect::Postgres, r"a\b"), r"'a\b'");
    assert_eq!(quote_str(Dialect::Mysql, r"it's a\b"), r"'it''s a\\b'");
    assert_eq!(quote_str(Dialect::Mysql, r"\'"), r"'\\'''");
}

#[test]
fn literals_render_per_dialect() {
    assert_eq!(
        render_literal(Dialect::Postgres, &Literal::Bool(false)).unwrap(),
        "FALSE"
    );
    assert_eq!(
        render_literal(Dialect::Sqlite, &Literal::Bool(false)).unwrap(),
        "0"
    );
    assert_eq!(
        render_literal(Dialect::Mysql, &Literal::Bool(true)).unwrap(),
        "1"
    );
    assert_eq!(
        render_literal(Dialect::Mysql, &Literal::Int(i64::MIN)).unwrap(),
        "-9223372036854775808"
    );
    assert_eq!(
        render_literal(Dialect::Sqlite, &Literal::Float(-0.25)).unwrap(),
        "-0.25"
    );
    assert_eq!(
        render_literal(Dialect::Sqlite, &Literal::Float(1e20)).unwrap(),
        "100000000000000000000.0"
    );
    assert_eq!(
        render_literal(Dialect::Sqlite, &Literal::Float(f64::NAN)),
        None
    );
}

#[test]
fn drop_statements_quote_the_name() {
    assert_eq!(
        drop_table(Dialect::Sqlite, "order"),
        r#"DROP TABLE IF EXISTS "order""#
    );
    assert_eq!(
        drop_table(Dialect::Mysql, "order"),
        "DROP TABLE IF EXISTS `order`"
    );
}

#[test]
fn creation_order_puts_referenced_tables_first_and_keeps_ties_in_order() {
    let order: Vec<&str> = creation_order(&SCHEMA)
        .unwrap()
        .iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(order, ["group", "user", "order", "types"]);
    let all = create_all_statements(Dialect::Postgres, &SCHEMA).unwrap();
    let tables: Vec<&str> = all.iter().map(|t| t.table).collect();
    assert_eq!(tables, ["group", "user", "order", "types"]);
    let drops = drop_all_statements(Dialect::Postgres, &SCHEMA).unwrap();
    let dropped: Vec<&str> = drops.iter().map(|t| t.statements[0].as_str()).collect();
    assert_eq!(
        dropped,
        [
            r#"DROP TABLE IF EXISTS "types""#,
            r#"DROP TABLE IF EXISTS "order""#,
            r#"DROP TABLE IF EXISTS "user""#,
            r#"DROP TABLE IF EXISTS "group""#,
        ]
    );
}

static CYCLE_A: TableDef = TableDef {
    name: "a",
    rust_name: "A",
    columns: &[col("id", SqlType::BigInt), col("b_id", SqlType::BigInt)],
    primary_key: &["id"],
    uniques: &[],
    indexes: &[],
    foreign_keys: &[ForeignKeyDef {
        columns: &["b_id"],
        ref_table: "b",
        ref_columns: &["id"],
        on_delete: None,
        on_update: None,
    }],
};

static CYCLE_B: TableDef = TableDef {
    name: "b",
    foreign_keys: &[ForeignKeyDef {
        columns: &["b_id"],
        ref_table: "a",
        ref_columns: &["id"],
        on_delete: None,
        on_update: None,
    }],
    ..CYCLE_A
};

#[test]
fn creation_order_reports_cycles_and_missing_tables_as_schema_validate_does() {
    static CYCLE: Schema = Schema {
        tables: &[&CYCLE_A, &CYCLE_B],
    };
    let err = creation_order(&CYCLE).unwrap_err();
    assert_eq!(
        err.to_string(),
        "foreign keys form a cycle: table `a` references table `b`, table `b` references table `a`; \
         create_all could not order them (a table may reference itself, but not through other tables)"
    );
    static MISSING: Schema = Schema {
        tables: &[&CYCLE_A],
    };
    let err = creation_order(&MISSING).unwrap_err();
    assert_eq!(
        err.to_string(),
        "table `a` references table `b`, which is not in this schema"
    );
}

#[test]
fn postgres_refuses_i8_and_unsigned_columns_naming_them() {
    let err = create_table(Dialect::Postgres, &[&UNSIGNED], &UNSIGNED, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `counters.tiny` has type i8, which PostgreSQL cannot store as sqlx binds it; \
         PostgreSQL's one-byte type is \"char\"; use i16"
    );
    static U32: TableDef = TableDef {
        columns: &[col("u32", SqlType::UnsignedInteger)],
        ..UNSIGNED
    };
    let err = create_table(Dialect::Postgres, &[&U32], &U32, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `counters.u32` has type u32, which PostgreSQL cannot store as sqlx binds it; \
         PostgreSQL has no unsigned types; use i64"
    );
    assert_eq!(
        create_table(Dialect::Mysql, &[&UNSIGNED], &UNSIGNED, false).unwrap(),
        "CREATE TABLE `counters` (\n  `tiny` TINYINT NOT NULL,\n  `u8` TINYINT UNSIGNED NOT NULL,\n  \
         `u16` SMALLINT UNSIGNED NOT NULL,\n  `u32` INT UNSIGNED NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    );
    assert_eq!(
        create_table(Dialect::Sqlite, &[&UNSIGNED], &UNSIGNED, false).unwrap(),
        "CREATE TABLE \"counters\" (\n  \"tiny\" TINYINT NOT NULL,\n  \"u8\" TINYINT UNSIGNED NOT NULL,\n  \
         \"u16\" SMALLINT UNSIGNED NOT NULL,\n  \"u32\" INT UNSIGNED NOT NULL\n)"
    );
}

#[test]
fn mysql_text_becomes_varchar_255_only_where_a_key_needs_it() {
    // `order.group` is in a unique constraint; `user.email` is unique; a plain TEXT stays TEXT.
    static PARENT: TableDef = TableDef {
        name: "parent",
        rust_name: "Parent",
        columns: &[col("code", SqlType::Text), col("body", SqlType::Text)],
        primary_key: &[],
        uniques: &[],
        indexes: &[],
        foreign_keys: &[],
    };
    static CHILD: TableDef = TableDef {
        name: "child",
        rust_name: "Child",
        columns: &[col("parent_code", SqlType::Text)],
        primary_key: &[],
        uniques: &[],
        indexes: &[],
        foreign_keys: &[ForeignKeyDef {
            columns: &["parent_code"],
            ref_table: "parent",
            ref_columns: &["code"],
            on_delete: None,
            on_update: None,
        }],
    };
    let tables = [&PARENT, &CHILD];
    // Referenced by another table's foreign key: VARCHAR(255); the body stays TEXT.
    assert_eq!(
        column_type(Dialect::Mysql, &tables, &PARENT, &PARENT.columns[0]).unwrap(),
        "VARCHAR(255)"
    );
    assert_eq!(
        column_type(Dialect::Mysql, &tables, &PARENT, &PARENT.columns[1]).unwrap(),
        "TEXT"
    );
    assert_eq!(
        column_type(Dialect::Mysql, &tables, &CHILD, &CHILD.columns[0]).unwrap(),
        "VARCHAR(255)"
    );
    assert_eq!(
        column_type(Dialect::Postgres, &tables, &CHILD, &CHILD.columns[0]).unwrap(),
        "TEXT"
    );
}

#[test]
fn mysql_index_over_3072_bytes_is_an_error_naming_it() {
    static WIDE: TableDef = TableDef {
        name: "wide",
        rust_name: "Wide",
        columns: &[
            col("a", SqlType::Varchar(500)),
            col("b", SqlType::Varchar(300)),
        ],
        primary_key: &[],
        uniques: &[],
        indexes: &[IndexDef {
            columns: &["a", "b"],
        }],
        foreign_keys: &[],
    };
    let err = create_table(Dialect::Mysql, &[&WIDE], &WIDE, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "index `wide_a_b_idx` on table `wide` covers 3200 bytes at 4 bytes a character (utf8mb4), \
         more than MySQL's 3072; give its text columns a smaller `length`"
    );
    // Other dialects have no such limit.
    assert!(create_table(Dialect::Postgres, &[&WIDE], &WIDE, true).is_ok());
    static BLOB_KEY: TableDef = TableDef {
        columns: &[col("a", SqlType::Blob)],
        indexes: &[IndexDef { columns: &["a"] }],
        ..WIDE
    };
    let err = create_table(Dialect::Mysql, &[&BLOB_KEY], &BLOB_KEY, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `wide.a` cannot be part of index `wide_a_idx` on MySQL (BLOB and JSON columns have no key form there)"
    );
}

#[test]
fn long_names_are_shortened_deterministically_per_backend_limit() {
    let table = "a_table_with_a_rather_long_name_for_testing";
    let columns = ["first_long_column_name", "second_long_column_name"];
    let full = format!("{table}_{}_idx", columns.join("_"));
    assert_eq!(full.len(), 94);
    // SQLite has no limit.
    assert_eq!(index_name(Dialect::Sqlite, table, &columns), full);
    let pg = index_name(Dialect::Postgres, table, &columns);
    assert_eq!(pg.len(), 63);
    assert_eq!(
        pg,
        format!(
            "{}_{}",
            &full[..54],
            &crate::migration::checksum(&full)[..8]
        )
    );
    assert_eq!(pg, index_name(Dialect::Postgres, table, &columns));
    let my = index_name(Dialect::Mysql, table, &columns);
    assert_eq!(my.chars().count(), 64);
    assert_eq!(
        my,
        format!(
            "{}_{}",
            &full[..55],
            &crate::migration::checksum(&full)[..8]
        )
    );
    // Different long names stay different.
    assert_ne!(
        pg,
        index_name(
            Dialect::Postgres,
            table,
            &["first_long_column_name", "other"]
        )
    );
    // Names within the limit are untouched.
    assert_eq!(
        unique_name(Dialect::Postgres, "user", &["email"]),
        "user_email_key"
    );
    assert_eq!(primary_key_name(Dialect::Mysql, "user"), "user_pkey");
    assert_eq!(
        foreign_key_name(Dialect::Postgres, "post", &["user_id"]),
        "post_user_id_fkey"
    );
    // Multi-byte characters: PostgreSQL counts bytes and never splits a character.
    let accented = "é".repeat(40);
    let short = shorten_name(Dialect::Postgres, &accented);
    assert!(short.len() <= 63, "{short}");
    assert!(short.starts_with(&"é".repeat(27)));
    assert_eq!(shorten_name(Dialect::Mysql, &accented), accented);
}

#[test]
fn long_table_names_are_errors_not_silently_truncated() {
    static LONG: TableDef = TableDef {
        name: "a_table_name_that_is_far_too_long_for_postgres_to_keep_it_intact",
        rust_name: "Long",
        columns: &[col("id", SqlType::BigInt)],
        primary_key: &[],
        uniques: &[],
        indexes: &[],
        foreign_keys: &[],
    };
    let err = create_table(Dialect::Postgres, &[&LONG], &LONG, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "name `a_table_name_that_is_far_too_long_for_postgres_to_keep_it_intact` is longer than \
         PostgreSQL's limit of 63 bytes; rename it"
    );
    assert!(create_table(Dialect::Sqlite, &[&LONG], &LONG, true).is_ok());
}

#[test]
fn sqlite_auto_increment_outside_a_single_column_key_is_an_error() {
    static BAD: TableDef = TableDef {
        name: "bad",
        rust_name: "Bad",
        columns: &[
            ColumnDef {
                auto_increment: true,
                ..col("a", SqlType::BigInt)
            },
            col("b", SqlType::BigInt),
        ],
        primary_key: &["a", "b"],
        uniques: &[],
        indexes: &[],
        foreign_keys: &[],
    };
    let err = create_table(Dialect::Sqlite, &[&BAD], &BAD, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `bad.a` is auto_increment, but on SQLite only a single-column integer primary key \
         can be; make it the table's only primary key column or drop auto_increment"
    );
    // A plain i64 key is BIGINT, not the rowid alias.
    static PLAIN: TableDef = TableDef {
        columns: &[col("a", SqlType::BigInt)],
        primary_key: &["a"],
        ..BAD
    };
    assert_eq!(
        create_table(Dialect::Sqlite, &[&PLAIN], &PLAIN, false).unwrap(),
        "CREATE TABLE \"bad\" (\n  \"a\" BIGINT NOT NULL,\n  CONSTRAINT \"bad_pkey\" PRIMARY KEY (\"a\")\n)"
    );
}

#[test]
fn unknown_columns_in_keys_are_errors() {
    static MISSING: TableDef = TableDef {
        name: "m",
        rust_name: "M",
        columns: &[col("a", SqlType::BigInt)],
        primary_key: &[],
        uniques: &[IndexDef { columns: &["nope"] }],
        indexes: &[],
        foreign_keys: &[],
    };
    let err = create_table(Dialect::Sqlite, &[&MISSING], &MISSING, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "table `m` has no column `nope`, but a key or index names it"
    );
}

#[test]
fn mysql_foreign_keys_between_different_integer_types_are_errors() {
    static PARENT: TableDef = TableDef {
        name: "parent",
        rust_name: "Parent",
        columns: &[id()],
        primary_key: &["id"],
        uniques: &[],
        indexes: &[],
        foreign_keys: &[],
    };
    static CHILD: TableDef = TableDef {
        name: "child",
        rust_name: "Child",
        columns: &[col("parent_id", SqlType::Integer)],
        primary_key: &[],
        uniques: &[],
        indexes: &[],
        foreign_keys: &[ForeignKeyDef {
            columns: &["parent_id"],
            ref_table: "parent",
            ref_columns: &["id"],
            on_delete: None,
            on_update: None,
        }],
    };
    let tables = [&PARENT, &CHILD];
    let err = create_table(Dialect::Mysql, &tables, &CHILD, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `child.parent_id` (INT) references `parent.id` (BIGINT); MySQL requires integer \
         columns of a foreign key to have the same type: declare both with the same Rust type"
    );
    // PostgreSQL and SQLite accept it.
    assert!(create_table(Dialect::Postgres, &tables, &CHILD, true).is_ok());
    assert!(create_table(Dialect::Sqlite, &tables, &CHILD, true).is_ok());
}

#[test]
fn exact_sql_with_shortened_names() {
    static LONG: TableDef = TableDef {
        name: "customer_subscription_renewals",
        rust_name: "Renewal",
        columns: &[
            col("id", SqlType::BigInt),
            col("previous_renewal_identifier", SqlType::BigInt),
            col("billing_period_description", SqlType::Varchar(40)),
        ],
        primary_key: &["id"],
        uniques: &[IndexDef {
            columns: &["previous_renewal_identifier", "billing_period_description"],
        }],
        indexes: &[IndexDef {
            columns: &["billing_period_description"],
        }],
        foreign_keys: &[ForeignKeyDef {
            columns: &["previous_renewal_identifier"],
            ref_table: "customer_subscription_renewals",
            ref_columns: &["id"],
            on_delete: Some(FkAction::SetNull),
            on_update: None,
        }],
    };
    let statements = create_table_statements(Dialect::Postgres, &[&LONG], &LONG).unwrap();
    let unique = unique_name(
        Dialect::Postgres,
        LONG.name,
        &["previous_renewal_identifier", "billing_period_description"],
    );
    let index = index_name(
        Dialect::Postgres,
        LONG.name,
        &["billing_period_description"],
    );
    let fkey = foreign_key_name(
        Dialect::Postgres,
        LONG.name,
        &["previous_renewal_identifier"],
    );
    assert_eq!(
        (unique.as_str(), index.as_str(), fkey.as_str()),
        (
            // 90 bytes: shortened to 63 with a hash suffix.
            "customer_subscription_renewals_previous_renewal_identi_8b997cf4",
            "customer_subscription_renewals_billing_period_description_idx",
            // Exactly 63 bytes: kept.
            "customer_subscription_renewals_previous_renewal_identifier_fkey",
        )
    );
    assert_eq!(
        statements,
        [
            format!(
                "CREATE TABLE IF NOT EXISTS \"customer_subscription_renewals\" (\n  \
                 \"id\" BIGINT NOT NULL,\n  \
                 \"previous_renewal_identifier\" BIGINT NOT NULL,\n  \
                 \"billing_period_description\" VARCHAR(40) NOT NULL,\n  \
                 CONSTRAINT \"customer_subscription_renewals_pkey\" PRIMARY KEY (\"id\"),\n  \
                 CONSTRAINT \"{unique}\" UNIQUE (\"previous_renewal_identifier\", \"billing_period_description\"),\n  \
                 CONSTRAINT \"{fkey}\" FOREIGN KEY (\"previous_renewal_identifier\") REFERENCES \
                 \"customer_subscription_renewals\" (\"id\") ON DELETE SET NULL\n)"
            ),
            format!(
                "CREATE INDEX IF NOT EXISTS \"{index}\" ON \"customer_subscription_renewals\" \
                 (\"billing_period_description\")"
            ),
        ]
    );
}
