//! A migration script as the statements the runtime sends one by one.

use strata_core::Dialect;

/// The statements of `sql`, in order, without statements that are only whitespace and
/// comments (MySQL rejects an empty query).
pub(crate) fn statements(sql: &str, dialect: Dialect) -> Vec<String> {
    split(sql, dialect)
        .into_iter()
        .filter(|s| has_code(s))
        .collect()
}

/// Splits at `;` outside quotes and comments.
// Interim splitter: to be replaced by core's dialect-aware tokenizer.
fn split(sql: &str, dialect: Dialect) -> Vec<String> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' | b'`' => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\\' && dialect == Dialect::Mysql && c != b'`' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == c {
                        if bytes.get(i + 1) == Some(&c) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b';' => {
                out.push(sql[start..=i].to_string());
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < sql.len() {
        out.push(sql[start..].to_string());
    }
    out
}

/// Whether `statement` has anything besides whitespace, comments and `;`.
fn has_code(statement: &str) -> bool {
    let mut rest = statement;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map(|(_, r)| r).unwrap_or("");
        } else if let Some(after) = rest.strip_prefix('#') {
            rest = after.split_once('\n').map(|(_, r)| r).unwrap_or("");
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map(|(_, r)| r).unwrap_or("");
        } else {
            return !rest.is_empty();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_literals_and_drops_comment_only_parts() {
        let sql = "-- strata:no-transaction\nCREATE TABLE a (x TEXT DEFAULT ';');\nINSERT INTO a VALUES ('it''s; ok'); -- done\n";
        assert_eq!(
            statements(sql, Dialect::Sqlite),
            vec![
                "-- strata:no-transaction\nCREATE TABLE a (x TEXT DEFAULT ';');".to_string(),
                "\nINSERT INTO a VALUES ('it''s; ok');".to_string(),
            ]
        );
    }
}
