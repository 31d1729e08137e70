use proptest::prelude::*;

use super::*;
use Dialect::{Mysql, Postgres, Sqlite};

fn texts(sql: &str, dialect: Dialect) -> Vec<String> {
    split_statements(sql, dialect)
        .unwrap_or_else(|e| panic!("{dialect}: {e}\n{sql}"))
        .into_iter()
        .map(|s| s.sql)
        .collect()
}

fn all(sql: &str) -> Vec<Vec<String>> {
    Dialect::ALL.iter().map(|&d| texts(sql, d)).collect()
}

#[test]
fn plain_statements_on_every_dialect() {
    let sql = "CREATE TABLE a (x INT);\n\n  INSERT INTO a VALUES (1) ;\nSELECT 1";
    for got in all(sql) {
        assert_eq!(
            got,
            [
                "CREATE TABLE a (x INT)",
                "INSERT INTO a VALUES (1)",
                "SELECT 1"
            ]
        );
    }
}

#[test]
fn ordinals_lines_and_spans() {
    let sql = "-- header\nCREATE TABLE a (x INT);\n\n/* c */ SELECT\n 1;\n";
    let got = split_statements(sql, Sqlite).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].ordinal, got[0].line, &got[0].sql[..]),
        (1, 2, "CREATE TABLE a (x INT)")
    );
    assert_eq!(
        (got[1].ordinal, got[1].line, &got[1].sql[..]),
        (2, 4, "SELECT\n 1")
    );
    for s in &got {
        assert_eq!(&sql[s.span.clone()], s.sql);
    }
}

#[test]
fn comment_only_and_empty_pieces_are_not_statements() {
    let sql = ";;\n-- strata:no-transaction\n ; /* nothing */ ;\n\t\r\n";
    for got in all(sql) {
        assert!(got.is_empty(), "{got:?}");
    }
    assert!(texts("", Sqlite).is_empty());
    assert_eq!(
        texts("SELECT 1; -- done\n/* end */", Postgres),
        ["SELECT 1"]
    );
}

#[test]
fn comments_inside_a_statement_are_kept_but_trailing_ones_are_not() {
    assert_eq!(
        texts("SELECT 1, -- one;\n 2 /* two; */ -- last\n;", Postgres),
        ["SELECT 1, -- one;\n 2"]
    );
}

#[test]
fn single_quotes_with_doubled_quotes() {
    let sql = "INSERT INTO t VALUES ('a;b', 'it''s; fine');SELECT ';'";
    for got in all(sql) {
        assert_eq!(
            got,
            ["INSERT INTO t VALUES ('a;b', 'it''s; fine')", "SELECT ';'"]
        );
    }
}

#[test]
fn double_quotes_with_doubled_quotes() {
    let sql = "CREATE TABLE \"a;\"\"b\" (x INT); SELECT 2";
    for got in all(sql) {
        assert_eq!(got, ["CREATE TABLE \"a;\"\"b\" (x INT)", "SELECT 2"]);
    }
}

#[test]
fn backslashes_are_escapes_only_on_mysql() {
    // On MySQL `\'` is an escaped quote, so the string goes on to the last quote.
    let sql = r"SELECT 'a\'; SELECT 1; ' ; SELECT 2";
    assert_eq!(texts(sql, Mysql), [r"SELECT 'a\'; SELECT 1; '", "SELECT 2"]);
    // Elsewhere a backslash is an ordinary character.
    let sql = r"SELECT 'a\'; SELECT 1";
    for dialect in [Sqlite, Postgres] {
        assert_eq!(texts(sql, dialect), [r"SELECT 'a\'", "SELECT 1"]);
    }
    assert_eq!(
        split_statements(sql, Mysql),
        Err(SplitError::Unterminated {
            what: "string literal".to_owned(),
            line: 1
        })
    );
    // MySQL double-quoted strings escape too.
    assert_eq!(
        texts(r#"SELECT "x\";y"; SELECT 3"#, Mysql),
        [r#"SELECT "x\";y""#, "SELECT 3"]
    );
}

#[test]
fn postgres_escape_strings() {
    let sql = r"INSERT INTO t VALUES (E'it\'s; here', e'\\'); SELECT 'plain\'; SELECT 2";
    assert_eq!(
        texts(sql, Postgres),
        [
            r"INSERT INTO t VALUES (E'it\'s; here', e'\\')",
            r"SELECT 'plain\'",
            "SELECT 2"
        ]
    );
    // A word ending in e is not a prefix.
    assert_eq!(
        texts(r"SELECT name'\'; SELECT 2", Postgres),
        [r"SELECT name'\'", "SELECT 2"]
    );
}

#[test]
fn postgres_dollar_quotes() {
    let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n\
               CREATE FUNCTION g() RETURNS text AS $body$ SELECT '$$;'; $x$ $body$ LANGUAGE sql;\n\
               SELECT $1, a$b$c FROM t; SELECT 4";
    assert_eq!(
        texts(sql, Postgres),
        [
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
            "CREATE FUNCTION g() RETURNS text AS $body$ SELECT '$$;'; $x$ $body$ LANGUAGE sql",
            "SELECT $1, a$b$c FROM t",
            "SELECT 4",
        ]
    );
    assert_eq!(
        split_statements("SELECT 1;\nSELECT $fn$ ; ", Postgres),
        Err(SplitError::Unterminated {
            what: "dollar-quoted string $fn$".to_owned(),
            line: 2
        })
    );
    // Not special on the other dialects.
    assert_eq!(texts("SELECT $$;$$", Sqlite), ["SELECT $$", "$$"]);
}

#[test]
fn block_comments_nest_only_on_postgres() {
    let sql = "SELECT 1 /* a /* b; */ c; */; SELECT 2";
    assert_eq!(texts(sql, Postgres), ["SELECT 1", "SELECT 2"]);
    assert_eq!(
        texts(sql, Sqlite),
        ["SELECT 1 /* a /* b; */ c", "*/", "SELECT 2"]
    );
    assert_eq!(
        split_statements("SELECT 1 /* a /* b */", Postgres),
        Err(SplitError::Unterminated {
            what: "/* comment".to_owned(),
            line: 1
        })
    );
}

#[test]
fn mysql_executable_comments_are_statements() {
    let sql = "/*!40101 SET NAMES utf8mb4 */;\n/* just a comment; */;\nSELECT /*+ NO_ICP(t) */ 1";
    assert_eq!(
        texts(sql, Mysql),
        ["/*!40101 SET NAMES utf8mb4 */", "SELECT /*+ NO_ICP(t) */ 1"]
    );
    assert_eq!(texts(sql, Sqlite), ["SELECT /*+ NO_ICP(t) */ 1"]);
}

#[test]
fn backquotes_on_mysql_and_sqlite() {
    let sql = "CREATE TABLE `a;``b` (x INT); SELECT 1";
    for dialect in [Mysql, Sqlite] {
        assert_eq!(
            texts(sql, dialect),
            ["CREATE TABLE `a;``b` (x INT)", "SELECT 1"]
        );
    }
    assert_eq!(
        texts(sql, Postgres),
        ["CREATE TABLE `a", "``b` (x INT)", "SELECT 1"]
    );
}

#[test]
fn brackets_on_sqlite() {
    let sql = "CREATE TABLE [a;b] ([x;] INT); SELECT 1";
    assert_eq!(
        texts(sql, Sqlite),
        ["CREATE TABLE [a;b] ([x;] INT)", "SELECT 1"]
    );
    assert_eq!(
        texts(sql, Postgres),
        ["CREATE TABLE [a", "b] ([x;] INT)", "SELECT 1"]
    );
    assert_eq!(
        split_statements("SELECT [a", Sqlite),
        Err(SplitError::Unterminated {
            what: "[bracketed identifier]".to_owned(),
            line: 1
        })
    );
}

#[test]
fn hash_comments_on_mysql() {
    let sql = "SELECT 1 # not; split\n; SELECT 2";
    assert_eq!(texts(sql, Mysql), ["SELECT 1", "SELECT 2"]);
    assert_eq!(
        texts(sql, Postgres),
        ["SELECT 1 # not", "split", "SELECT 2"]
    );
}

#[test]
fn double_dash_needs_whitespace_on_mysql() {
    // `1--1;` is arithmetic on MySQL; a comment elsewhere.
    let sql = "SELECT 1--1;\nSELECT 2 --\tc;\n;SELECT 3 --";
    assert_eq!(texts(sql, Mysql), ["SELECT 1--1", "SELECT 2", "SELECT 3"]);
    assert_eq!(texts(sql, Postgres), ["SELECT 1--1;\nSELECT 2", "SELECT 3"]);
}

#[test]
fn sqlite_trigger_bodies() {
    let sql = "CREATE TABLE t (x INT, y TEXT);\n\
        CREATE TEMP TRIGGER IF NOT EXISTS tr AFTER INSERT ON t WHEN new.x > 0 BEGIN\n\
          UPDATE t SET y = CASE WHEN new.x > 1 THEN 'big;' ELSE 'small' END WHERE x = new.x;\n\
          DELETE FROM t WHERE x < 0;\n\
        END;\n\
        BEGIN; INSERT INTO t VALUES (1, 'a'); END;\n\
        CREATE TRIGGER tr2 BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no'); END";
    let got = texts(sql, Sqlite);
    assert_eq!(got.len(), 6, "{got:#?}");
    assert!(got[1].starts_with("CREATE TEMP TRIGGER") && got[1].ends_with("x < 0;\nEND"));
    assert_eq!(
        got[2..],
        [
            "BEGIN",
            "INSERT INTO t VALUES (1, 'a')",
            "END",
            "CREATE TRIGGER tr2 BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no'); END"
        ]
    );
    assert_eq!(
        split_statements("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;", Sqlite),
        Err(SplitError::Unterminated {
            what: "BEGIN … END body".to_owned(),
            line: 1
        })
    );
}

#[test]
fn postgres_begin_atomic_bodies() {
    let sql = "BEGIN;\n\
        CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\n\
        BEGIN ATOMIC\n\
          SELECT CASE WHEN a > 0 THEN 1 ELSE CASE WHEN a < 0 THEN -1 ELSE 0 END END;\n\
          SELECT 2;\n\
        END;\n\
        COMMIT; END";
    let got = texts(sql, Postgres);
    assert_eq!(got.len(), 4, "{got:#?}");
    assert_eq!(got[0], "BEGIN");
    assert!(got[1].starts_with("CREATE FUNCTION") && got[1].ends_with("SELECT 2;\nEND"));
    assert_eq!(got[2..], ["COMMIT", "END"]);
    // BEGIN ATOMIC means nothing on SQLite: it splits at every `;`.
    assert_eq!(texts(sql, Sqlite).len(), 6);
}

#[test]
fn postgres_rules_with_several_commands() {
    let sql = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); NOTIFY t);\n\
               SELECT (1)) ; SELECT 2";
    assert_eq!(
        texts(sql, Postgres),
        [
            "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); NOTIFY t)",
            // A stray `)` does not make later statements stick together.
            "SELECT (1))",
            "SELECT 2"
        ]
    );
    assert_eq!(
        texts("SELECT (1; SELECT 2)", Sqlite),
        ["SELECT (1", "SELECT 2)"]
    );
}

#[test]
fn mysql_delimiter_lines() {
    let sql = [
        "CREATE TABLE t (x INT);",
        "DELIMITER $$",
        "CREATE PROCEDURE p()",
        "BEGIN",
        "  SELECT ';'; SELECT 2;",
        "END$$",
        "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.x = 1; END $$",
        "  delimiter ;",
        "SELECT 3; SELECT 4",
    ]
    .join("\n");
    let sql = sql.as_str();
    let got = split_statements(sql, Mysql).unwrap();
    let got_texts: Vec<&str> = got.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        got_texts,
        [
            "CREATE TABLE t (x INT)",
            "CREATE PROCEDURE p()\nBEGIN\n  SELECT ';'; SELECT 2;\nEND",
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.x = 1; END",
            "SELECT 3",
            "SELECT 4",
        ]
    );
    assert_eq!(
        got.iter().map(|s| s.line).collect::<Vec<_>>(),
        [1, 3, 7, 9, 9]
    );
    // Only at the start of a line and of a statement.
    assert_eq!(
        texts("SELECT 1 DELIMITER $$; SELECT 2", Mysql),
        ["SELECT 1 DELIMITER $$", "SELECT 2"]
    );
    assert_eq!(
        split_statements("DELIMITER \nSELECT 1", Mysql),
        Err(SplitError::Delimiter {
            line: 1,
            reason: "the delimiter is missing"
        })
    );
    assert_eq!(
        split_statements("SELECT 1;\nDELIMITER \\\\", Mysql),
        Err(SplitError::Delimiter {
            line: 2,
            reason: "a delimiter cannot contain a backslash"
        })
    );
    // Not a command on the other dialects.
    assert_eq!(
        texts("DELIMITER $$\nSELECT 1$$", Postgres),
        ["DELIMITER $$\nSELECT 1$$"]
    );
}

#[test]
fn unterminated_literals_name_their_line() {
    let cases = [
        ("SELECT 1;\n\nSELECT 'x", Sqlite, "string literal", 3),
        (
            "SELECT \"x",
            Postgres,
            "double-quoted identifier or string",
            1,
        ),
        ("\nSELECT `x", Mysql, "backquoted identifier", 2),
        ("SELECT E'x\\'", Postgres, "escape string literal", 1),
        ("SELECT 1 /* x", Mysql, "/* comment", 1),
    ];
    for (sql, dialect, what, line) in cases {
        assert_eq!(
            split_statements(sql, dialect),
            Err(SplitError::Unterminated {
                what: what.to_owned(),
                line
            }),
            "{sql}"
        );
    }
    assert_eq!(
        SplitError::Unterminated {
            what: "string literal".to_owned(),
            line: 3
        }
        .to_string(),
        "unterminated string literal starting on line 3"
    );
}

#[test]
fn non_ascii_text_is_kept_intact() {
    let sql = "INSERT INTO \"tä;ble\" VALUES ('naïve; ☃');\nSELECT ünïcode FROM tàble";
    for got in all(sql) {
        assert_eq!(
            got,
            [
                "INSERT INTO \"tä;ble\" VALUES ('naïve; ☃')",
                "SELECT ünïcode FROM tàble"
            ]
        );
    }
}

#[test]
fn first_line_shortened() {
    let statement = |sql: &str| Statement {
        sql: sql.to_owned(),
        ordinal: 1,
        line: 1,
        span: 0..sql.len(),
    };
    assert_eq!(statement("SELECT 1").first_line_shortened(), "SELECT 1");
    assert_eq!(
        statement("CREATE TABLE t (\r\n  x INT\r\n)").first_line_shortened(),
        "CREATE TABLE t ( …"
    );
    let long = format!("SELECT '{}'", "é".repeat(100));
    let short = statement(&long).first_line_shortened();
    assert_eq!(short.chars().count(), 80);
    assert!(short.starts_with("SELECT 'éé") && short.ends_with("é…"));
}

#[test]
fn first_line_of_any_sql_skips_leading_comments() {
    assert_eq!(
        crate::first_line_shortened("-- hi\n  SELECT 1;\nFROM x"),
        "SELECT 1; …"
    );
    assert_eq!(crate::first_line_shortened("\n  SELECT 1\n  "), "SELECT 1");
    assert_eq!(crate::first_line_shortened("-- only a comment"), "");
}

// ---------------------------------------------------------------------------------------------
// Property tests: statements built from tokens that contain `;`, quotes and comment markers
// inside literals, identifiers, comments and bodies, joined into a script, split back.

/// One token that never ends a statement by itself, for `dialect`.
fn atom(dialect: Dialect) -> BoxedStrategy<String> {
    let text = "[a-z;'\"`$#*/\\\\ \n\\-\\[\\]éß☃]{0,12}";
    let word = "w[a-z0-9_]{0,6}".prop_map(|w| w.to_string());
    let single = text.prop_map(move |t| {
        // MySQL: backslash escapes (`\'`); elsewhere doubled quotes.
        let escaped = if dialect == Mysql {
            t.replace('\\', "\\\\").replace('\'', "\\'")
        } else {
            t.replace('\'', "''")
        };
        format!("'{escaped}'")
    });
    let double = text.prop_map(move |t| {
        let escaped = t.replace('"', "\"\"");
        let escaped = if dialect == Mysql {
            escaped.replace('\\', "\\\\")
        } else {
            escaped
        };
        format!("\"{escaped}\"")
    });
    let block = text.prop_map(move |t| {
        // A nested comment only where comments nest; elsewhere none inside.
        let t = t.replace(['*', '/'], "");
        if dialect == Postgres {
            format!("/* {t} /* {t} */ {t} */")
        } else {
            format!("/* {t} */")
        }
    });
    let line = text.prop_map(move |t| {
        let t = t.replace('\n', " ");
        if dialect == Mysql {
            format!("# {t}\n")
        } else {
            format!("-- {t}\n")
        }
    });
    let punct = prop::sample::select(vec![",", "=", "+", "*", "<", ">", ".", "-", "/"])
        .prop_map(str::to_owned);
    let mut options: Vec<BoxedStrategy<String>> = vec![
        word.boxed(),
        single.boxed(),
        double.boxed(),
        block.boxed(),
        line.boxed(),
        punct.boxed(),
        "[0-9]{1,4}".prop_map(|d| d.to_string()).boxed(),
    ];
    match dialect {
        Postgres => {
            options.push(
                (text, prop::sample::select(vec!["", "fn", "_b1"]))
                    .prop_map(|(t, tag)| {
                        let t = t.replace('$', "");
                        format!("${tag}${t}${tag}$")
                    })
                    .boxed(),
            );
            options.push(
                text.prop_map(|t| format!("E'{}'", t.replace('\\', "\\\\").replace('\'', "\\'")))
                    .boxed(),
            );
        }
        Mysql => {
            options.push(
                text.prop_map(|t| format!("`{}`", t.replace('`', "``")))
                    .boxed(),
            );
        }
        Sqlite => {
            options.push(
                text.prop_map(|t| format!("`{}`", t.replace('`', "``")))
                    .boxed(),
            );
            options.push(
                text.prop_map(|t| format!("[{}]", t.replace(']', "")))
                    .boxed(),
            );
        }
    }
    prop::strategy::Union::new(options).boxed()
}

/// A statement: a word first (so it is significant), then tokens, ending on a significant one.
fn statement(dialect: Dialect) -> BoxedStrategy<String> {
    // PostgreSQL does not split inside parentheses (`CREATE RULE … DO (a; b)`).
    let in_parens = if dialect == Postgres {
        prop::sample::select(vec!["", " ;", " ; wnext ;"]).boxed()
    } else {
        Just("").boxed()
    };
    let plain = (
        prop::collection::vec(atom(dialect), 0..6),
        prop::collection::vec(atom(dialect), 0..3),
        in_parens,
    )
        .prop_map(|(atoms, grouped, semicolons)| {
            let mut s = String::from("wstart");
            for a in atoms {
                s.push(' ');
                s.push_str(&a);
            }
            s.push_str(" (");
            for a in grouped {
                s.push(' ');
                s.push_str(&a);
            }
            s.push_str(semicolons);
            s.push_str(" ) wend");
            s
        });
    let body_inner = prop::collection::vec(plain.clone(), 1..4);
    match dialect {
        Sqlite => prop_oneof![
            3 => plain,
            1 => body_inner.prop_map(|inner| format!(
                "CREATE TRIGGER tr AFTER INSERT ON t BEGIN {}; SELECT CASE WHEN 1 THEN 2 END; END",
                inner.join("; ")
            )),
        ]
        .boxed(),
        Postgres => prop_oneof![
            3 => plain,
            1 => body_inner.prop_map(|inner| format!(
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC {}; SELECT CASE WHEN 1 THEN CASE WHEN 2 THEN 3 END END; END",
                inner.join("; ")
            )),
        ]
        .boxed(),
        Mysql => plain.boxed(),
    }
}

/// What may stand between statements besides the delimiter.
fn gap(dialect: Dialect) -> BoxedStrategy<String> {
    let comment = if dialect == Mysql { "#" } else { "--" };
    prop::sample::select(vec![
        "\n".to_owned(),
        " ".to_owned(),
        "\r\n\t".to_owned(),
        "\n/* gap; */\n".to_owned(),
        format!("\n{comment} gap; 'x\n"),
        ";\n".to_owned(),
        String::new(),
    ])
    .boxed()
}

fn dialect_and_script() -> impl Strategy<Value = (Dialect, Vec<String>, String)> {
    prop::sample::select(Dialect::ALL.to_vec()).prop_flat_map(|dialect| {
        (
            prop::collection::vec((statement(dialect), gap(dialect), gap(dialect)), 0..6),
            any::<bool>(),
        )
            .prop_map(move |(parts, trailing_semicolon)| {
                let mut script = String::new();
                let statements: Vec<String> = parts.iter().map(|(s, _, _)| s.clone()).collect();
                for (i, (s, before, after)) in parts.iter().enumerate() {
                    script.push_str(before);
                    script.push_str(s);
                    script.push_str(after);
                    if i + 1 < parts.len() || trailing_semicolon {
                        script.push(';');
                    }
                }
                (dialect, statements, script)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Splitting gives back exactly the statements the script was joined from, byte for byte,
    /// so nothing splits inside a literal, identifier, comment or body.
    #[test]
    fn split_returns_the_joined_statements((dialect, statements, script) in dialect_and_script()) {
        let got = split_statements(&script, dialect).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let texts: Vec<&str> = got.iter().map(|s| s.sql.as_str()).collect();
        prop_assert_eq!(texts, statements.iter().map(String::as_str).collect::<Vec<_>>());
        for (i, s) in got.iter().enumerate() {
            prop_assert_eq!(s.ordinal, i + 1);
            prop_assert_eq!(&script[s.span.clone()], s.sql.as_str());
            prop_assert_eq!(s.line, script[..s.span.start].matches('\n').count() + 1);
        }
    }

    /// Whatever the input, splitting never panics, and what it returns are slices of the input
    /// in order, separated only by delimiters, whitespace and comments.
    #[test]
    fn split_never_loses_or_reorders_bytes(
        dialect in prop::sample::select(Dialect::ALL.to_vec()),
        script in "[a-zA-Z ;'\"`$#*/\\\\\n\\-\\[\\]é]{0,40}",
    ) {
        if let Ok(got) = split_statements(&script, dialect) {
            let mut previous_end = 0;
            for s in &got {
                prop_assert!(s.span.start >= previous_end);
                prop_assert_eq!(&script[s.span.clone()], s.sql.as_str());
                prop_assert!(!s.sql.trim().is_empty());
                let between = &script[previous_end..s.span.start];
                prop_assert!(split_statements(between, dialect).map(|v| v.is_empty()).unwrap_or(false),
                    "significant text between statements: {:?}", between);
                previous_end = s.span.end;
            }
        }
    }

    /// MySQL scripts with DELIMITER blocks: `;` inside split nothing, the blocks come back whole.
    #[test]
    fn mysql_delimiter_blocks_come_back_whole(
        blocks in prop::collection::vec(prop::collection::vec(statement(Mysql), 1..4), 1..4),
        delimiter in prop::sample::select(vec!["$$", "//", ";;", "|"]),
    ) {
        let mut script = String::from("wfirst 1;\n");
        let mut expected = vec!["wfirst 1".to_owned()];
        for block in &blocks {
            let body = format!("CREATE PROCEDURE p() BEGIN {}; END", block.join("; "));
            script.push_str(&format!("DELIMITER {delimiter}\n{body}{delimiter}\nDELIMITER ;\nwafter 2;\n"));
            expected.push(body);
            expected.push("wafter 2".to_owned());
        }
        let got = split_statements(&script, Mysql).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let texts: Vec<String> = got.into_iter().map(|s| s.sql).collect();
        prop_assert_eq!(texts, expected);
    }
}
