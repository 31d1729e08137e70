//! Migration file names: `<digits>_<name>[.up|.down][.sqlite|.postgres|.mysql].sql`, where the
//! name holds letters, digits, `_` and `-` and `.up.sql` is the same as `.sql`, so a sqlx
//! migrations folder (simple or reversible) is a strata repository as it stands.

use std::fmt;

use crate::Dialect;

/// The pattern every migration file name follows, for messages.
pub const FILE_NAME_PATTERN: &str = "<version>_<name>[.up|.down][.sqlite|.postgres|.mysql].sql";

/// A parsed migration file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    /// The version, in `1..=i64::MAX`.
    pub version: i64,
    /// The version as written, leading zeros included (`0001`).
    pub digits: String,
    /// The name: letters, digits, `_` and `-` (`create_users`, `larger-commands`).
    pub name: String,
    /// A `.down` script.
    pub down: bool,
    /// The dialect of a variant (`.postgres`), `None` for the generic file.
    pub dialect: Option<Dialect>,
}

impl FileName {
    /// `<digits>_<name>`: every file of one version shares it.
    pub fn stem(&self) -> String {
        format!("{}_{}", self.digits, self.name)
    }
}

/// Why a `.sql` file's name is not a migration file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// It does not start with `<digits>_<name>`.
    Pattern,
    /// Version 0.
    VersionZero,
    /// A version above `i64::MAX`.
    VersionTooLarge(String),
    /// The name part holds something other than letters, digits, `_` and `-`.
    InvalidName(String),
    /// Something other than `.up` or `.down` and a dialect between the name and `.sql`.
    UnknownSuffix(String),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Pattern => write!(
                f,
                "the name does not match `{FILE_NAME_PATTERN}` (e.g. `0001_create_users.sql`): \
                 rename the file or move it out of the migration directory"
            ),
            NameError::VersionZero => f.write_str("version 0 is not allowed; versions start at 1"),
            NameError::VersionTooLarge(digits) => {
                write!(f, "version {digits} is larger than {}", i64::MAX)
            }
            NameError::InvalidName(name) => write!(
                f,
                "the name `{name}` may hold only ASCII letters, digits, `_` and `-`"
            ),
            NameError::UnknownSuffix(suffix) => write!(
                f,
                "unknown suffix `.{suffix}`: only `.up` or `.down` and then one of `.sqlite`, \
                 `.postgres`, `.mysql` may come before `.sql`"
            ),
        }
    }
}

/// Whether a directory entry is a migration script candidate: a `.sql` file (any case, so a
/// `.SQL` file is reported rather than silently skipped) that is not a dotfile.
pub fn is_sql_file_name(file_name: &str) -> bool {
    !file_name.starts_with('.')
        && file_name.len() > 4
        && file_name[file_name.len() - 4..].eq_ignore_ascii_case(".sql")
}

/// Parses `file_name` (no directory part).
pub fn parse_file_name(file_name: &str) -> Result<FileName, NameError> {
    let base = file_name.strip_suffix(".sql").ok_or(NameError::Pattern)?;
    let mut parts = base.split('.');
    let stem = parts.next().unwrap_or_default();
    let (digits, name) = stem.split_once('_').ok_or(NameError::Pattern)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return Err(NameError::Pattern);
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(NameError::InvalidName(name.to_owned()));
    }
    let version = match digits.trim_start_matches('0') {
        "" => return Err(NameError::VersionZero),
        significant => significant
            .parse::<i64>()
            .map_err(|_| NameError::VersionTooLarge(significant.to_owned()))?,
    };

    let mut direction = None;
    let mut dialect = None;
    for part in parts {
        let variant = Dialect::ALL.into_iter().find(|d| d.name() == part);
        match (part, variant) {
            ("up" | "down", _) if direction.is_none() && dialect.is_none() => {
                direction = Some(part)
            }
            (_, Some(d)) if dialect.is_none() => dialect = Some(d),
            _ => return Err(NameError::UnknownSuffix(part.to_owned())),
        }
    }
    Ok(FileName {
        version,
        digits: digits.to_owned(),
        name: name.to_owned(),
        down: direction == Some("down"),
        dialect,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(file: &str) -> (i64, &'static str, bool, Option<Dialect>) {
        let parsed = parse_file_name(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        (
            parsed.version,
            parsed.name.leak(),
            parsed.down,
            parsed.dialect,
        )
    }

    #[test]
    fn valid_names() {
        assert_eq!(
            ok("0001_create_users.sql"),
            (1, "create_users", false, None)
        );
        assert_eq!(ok("1_a.down.sql"), (1, "a", true, None));
        assert_eq!(
            ok("0002_add_posts.postgres.sql"),
            (2, "add_posts", false, Some(Dialect::Postgres))
        );
        assert_eq!(
            ok("20250101120000_x2.down.mysql.sql"),
            (20250101120000, "x2", true, Some(Dialect::Mysql))
        );
        assert_eq!(
            ok("9223372036854775807_max.sqlite.sql"),
            (i64::MAX, "max", false, Some(Dialect::Sqlite))
        );
        assert_eq!(ok("000000000000000000000007_z.sql").0, 7);
        // sqlx's reversible pairs and names from real repositories.
        assert_eq!(ok("0001_a.up.sql"), (1, "a", false, None));
        assert_eq!(
            ok("0001_a.up.postgres.sql"),
            (1, "a", false, Some(Dialect::Postgres))
        );
        assert_eq!(
            ok("20220101000000_larger-commands.sql"),
            (20220101000000, "larger-commands", false, None)
        );
        assert_eq!(ok("0002_AddPosts.sql").1, "AddPosts");
        assert_eq!(
            parse_file_name("0003_b_c.sql").map(|f| f.stem()),
            Ok("0003_b_c".to_owned())
        );
    }

    #[test]
    fn invalid_names() {
        let cases = [
            ("create_users.sql", NameError::Pattern),
            ("0001.sql", NameError::Pattern),
            ("0001_.sql", NameError::Pattern),
            ("_x.sql", NameError::Pattern),
            ("v1_x.sql", NameError::Pattern),
            ("0001_x.SQL", NameError::Pattern),
            ("0000_x.sql", NameError::VersionZero),
            (
                "9223372036854775808_x.sql",
                NameError::VersionTooLarge("9223372036854775808".to_owned()),
            ),
            (
                "0001_create users.sql",
                NameError::InvalidName("create users".to_owned()),
            ),
            ("0001_café.sql", NameError::InvalidName("café".to_owned())),
            ("0001_a+b.sql", NameError::InvalidName("a+b".to_owned())),
            (
                "0001_a.up.down.sql",
                NameError::UnknownSuffix("down".to_owned()),
            ),
            (
                "0001_a.down.up.sql",
                NameError::UnknownSuffix("up".to_owned()),
            ),
            (
                "0001_a.mysql.up.sql",
                NameError::UnknownSuffix("up".to_owned()),
            ),
            ("0001_a.upp.sql", NameError::UnknownSuffix("upp".to_owned())),
            (
                "0001_a.postgres.down.sql",
                NameError::UnknownSuffix("down".to_owned()),
            ),
            (
                "0001_a.down.down.sql",
                NameError::UnknownSuffix("down".to_owned()),
            ),
            (
                "0001_a.sqlite.mysql.sql",
                NameError::UnknownSuffix("mysql".to_owned()),
            ),
            ("0001_a..sql", NameError::UnknownSuffix(String::new())),
        ];
        for (file, expected) in cases {
            assert_eq!(parse_file_name(file), Err(expected), "{file}");
        }
    }

    #[test]
    fn candidates() {
        assert!(is_sql_file_name("0001_a.sql"));
        assert!(is_sql_file_name("notes.SQL"));
        assert!(!is_sql_file_name(".0001_a.sql"));
        assert!(!is_sql_file_name("README.md"));
        assert!(!is_sql_file_name("strata.toml"));
        assert!(!is_sql_file_name(".sql"));
    }
}
