//! Migration repository IR: what `embed_migrations!` embeds as `static` data and what the
//! runtime loader builds from disk. `Cow` lets the same types hold borrowed (embedded) and
//! owned (loaded at run time) text.

use std::borrow::Cow;

use crate::Dialect;

pub mod config;
pub mod naming;
pub mod repository;

pub use crate::import::History;
pub use config::{CONFIG_KEYS, parse_config};
pub use naming::{FILE_NAME_PATTERN, FileName, NameError, parse_file_name};
pub use repository::{
    CONFIG_FILE, FOREIGN_KEYS_OFF, NO_TRANSACTION, Problem, Repository, RepositoryError,
    SourceFile, check_repository, read_repository,
};

/// One script file of a migration, chosen for one dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The file's name inside the repository (`0001_create_users.postgres.sql`).
    pub file: Cow<'static, str>,
    /// The SQL, with a leading UTF-8 BOM removed.
    pub sql: Cow<'static, str>,
    /// SHA-256, lowercase hex, of `sql` with CRLF normalized to LF.
    pub checksum: Cow<'static, str>,
    /// First line `-- strata:no-transaction`: run statement by statement in autocommit.
    pub no_transaction: bool,
    /// Directive `-- strata:foreign-keys-off` (SQLite table rebuilds).
    pub foreign_keys_off: bool,
}

/// One numbered version of the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The version, in `1..=i64::MAX`.
    pub version: i64,
    /// The name part of the file name (`create_users`).
    pub name: Cow<'static, str>,
    /// The up script per dialect, indexed by [`Dialect::index`]; `None` for a dialect not enabled.
    pub up: [Option<Script>; 3],
    /// The down script per dialect, if the repository has one.
    pub down: [Option<Script>; 3],
}

/// One dialect slot of a migration as `embed_migrations!` writes it: file name, SQL, checksum,
/// `no_transaction`, `foreign_keys_off`.
#[doc(hidden)]
pub type EmbeddedScript = Option<(&'static str, &'static str, &'static str, bool, bool)>;

/// The [`Script`] of one embedded slot. A macro rather than a function: each embedded migration
/// then costs const evaluation a single call.
macro_rules! embedded_script {
    ($slot:expr) => {
        match $slot {
            Some((file, sql, checksum, no_transaction, foreign_keys_off)) => Some(Script {
                file: Cow::Borrowed(file),
                sql: Cow::Borrowed(sql),
                checksum: Cow::Borrowed(checksum),
                no_transaction,
                foreign_keys_off,
            }),
            None => None,
        }
    };
}

/// The three dialect slots holding one script, in the dialects whose bit (by
/// [`Dialect::index`]) is set in `mask`.
macro_rules! embedded_slots {
    ($mask:expr, $script:expr) => {{
        let script: EmbeddedScript = $script;
        [
            embedded_script!(if $mask & 1 != 0 { script } else { None }),
            embedded_script!(if $mask & 2 != 0 { script } else { None }),
            embedded_script!(if $mask & 4 != 0 { script } else { None }),
        ]
    }};
}

/// The generated code for an embedded repository calls these once per version. rustc checks
/// and evaluates a call whose arguments are all literals much faster than a nested struct
/// literal (each `Cow`, `Option` and array in it is a temporary to track), which matters with a
/// thousand migrations.
impl Migration {
    /// A version whose up script (one file for every dialect in `up_in`) has no down script;
    /// `flags` are `no_transaction` (bit 0) and `foreign_keys_off` (bit 1).
    #[doc(hidden)]
    pub const fn embedded(
        version: i64,
        name: &'static str,
        up_in: u8,
        file: &'static str,
        sql: &'static str,
        checksum: &'static str,
        flags: u8,
    ) -> Migration {
        Migration {
            version,
            name: Cow::Borrowed(name),
            up: embedded_slots!(
                up_in,
                Some((file, sql, checksum, flags & 1 != 0, flags & 2 != 0))
            ),
            down: [None, None, None],
        }
    }

    /// A version with one up script for the dialects in `up_in` and one down script for those
    /// in `down_in`; `flags` are `no_transaction` (bit 0) and `foreign_keys_off` (bit 1).
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)] // one literal per argument is the point
    pub const fn embedded_with_down(
        version: i64,
        name: &'static str,
        up_in: u8,
        file: &'static str,
        sql: &'static str,
        checksum: &'static str,
        flags: u8,
        down_in: u8,
        down_file: &'static str,
        down_sql: &'static str,
        down_checksum: &'static str,
        down_flags: u8,
    ) -> Migration {
        Migration {
            version,
            name: Cow::Borrowed(name),
            up: embedded_slots!(
                up_in,
                Some((file, sql, checksum, flags & 1 != 0, flags & 2 != 0))
            ),
            down: embedded_slots!(
                down_in,
                Some((
                    down_file,
                    down_sql,
                    down_checksum,
                    down_flags & 1 != 0,
                    down_flags & 2 != 0
                ))
            ),
        }
    }

    /// Any version: a script per slot (dialect variants).
    #[doc(hidden)]
    pub const fn embedded_slots(
        version: i64,
        name: &'static str,
        up: [EmbeddedScript; 3],
        down: [EmbeddedScript; 3],
    ) -> Migration {
        Migration {
            version,
            name: Cow::Borrowed(name),
            up: [
                embedded_script!(up[0]),
                embedded_script!(up[1]),
                embedded_script!(up[2]),
            ],
            down: [
                embedded_script!(down[0]),
                embedded_script!(down[1]),
                embedded_script!(down[2]),
            ],
        }
    }

    /// The up script for `dialect`.
    pub fn up(&self, dialect: Dialect) -> Option<&Script> {
        self.up[dialect.index()].as_ref()
    }

    /// The down script for `dialect`.
    pub fn down(&self, dialect: Dialect) -> Option<&Script> {
        self.down[dialect.index()].as_ref()
    }
}

/// How pending migrations are grouped into transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionMode {
    /// Each migration with its bookkeeping row in its own transaction (the default).
    #[default]
    PerMigration,
    /// Every pending migration in one transaction (SQLite, PostgreSQL).
    All,
}

/// How the migration lock is taken (`strata.toml` `lock`, `Migrator::lock_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockMode {
    /// `table` on a MariaDB/MySQL server where `@@wsrep_on` is ON (a Galera node), else
    /// `advisory` (the default).
    #[default]
    Auto,
    /// The database's own lock: PostgreSQL advisory locks, MySQL `GET_LOCK`, SQLite's write
    /// lock.
    Advisory,
    /// A leased row in the table `<bookkeeping table>_lock`, renewed while migrating: safe on
    /// a Galera cluster, and for no-transaction migrations behind a transaction pooler.
    Table,
}

/// How `strata new` numbers the next script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VersionScheme {
    /// max + 1.
    #[default]
    Sequential,
    /// `YYYYMMDDHHMMSS`.
    Timestamp,
}

/// The bookkeeping table's name when neither `Migrator::table` nor `strata.toml` sets one.
pub const DEFAULT_TABLE: &str = "strata_migrations";

/// The repository's `strata.toml`; every key has a default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationsConfig {
    /// Bookkeeping table name (`strata_migrations`).
    pub table: Cow<'static, str>,
    /// How long to wait for the migration lock, in seconds (600).
    pub lock_timeout_secs: u64,
    /// Transaction grouping (`per-migration`).
    pub transaction: TransactionMode,
    /// How the migration lock is taken (`auto`).
    pub lock: LockMode,
    /// Allow pending versions below the highest applied one (false).
    pub out_of_order: bool,
    /// Numbering of new scripts (`sequential`).
    pub versions: VersionScheme,
    /// The environment variable that holds the database URL (`DATABASE_URL`).
    pub database_url_env: Cow<'static, str>,
    /// Whether `strata::testing::assert_reversible` fails on a version without a down script
    /// (false: such versions are skipped).
    pub require_down: bool,
    /// The `[imported]` section `strata import` writes: the tool the repository came from and
    /// each migration's version under it, for adopting that tool's history.
    pub imported: Option<ImportedFrom>,
}

/// Where an imported repository came from: the `[imported]` section of `strata.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFrom {
    /// The tool.
    pub from: crate::import::History,
    /// (version as the tool records it, strata version), in the tool's order.
    pub versions: Cow<'static, [(Cow<'static, str>, i64)]>,
}

impl ImportedFrom {
    /// The strata version of the tool's `version`.
    pub fn version_of(&self, version: &str) -> Option<i64> {
        self.versions
            .iter()
            .find(|(source, _)| self.from.same_version(source, version))
            .map(|(_, v)| *v)
    }
}

impl MigrationsConfig {
    /// The configuration of a repository without `strata.toml`.
    pub const DEFAULT: MigrationsConfig = MigrationsConfig {
        table: Cow::Borrowed(DEFAULT_TABLE),
        lock_timeout_secs: 600,
        transaction: TransactionMode::PerMigration,
        lock: LockMode::Auto,
        out_of_order: false,
        versions: VersionScheme::Sequential,
        database_url_env: Cow::Borrowed("DATABASE_URL"),
        require_down: false,
        imported: None,
    };
}

impl Default for MigrationsConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A whole migration repository: embedded by `embed_migrations!` or loaded from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrations {
    /// The versions, in ascending order.
    pub migrations: Cow<'static, [Migration]>,
    /// `strata.toml`.
    pub config: MigrationsConfig,
    /// The head digest over all versions per dialect, indexed by [`Dialect::index`]; empty for
    /// a dialect that was not enabled when the repository was embedded or loaded.
    pub heads: [Cow<'static, str>; 3],
}

impl Migrations {
    /// The head digest this repository has for `dialect`.
    pub fn head(&self, dialect: Dialect) -> &str {
        &self.heads[dialect.index()]
    }

    /// The migration with this version.
    pub fn get(&self, version: i64) -> Option<&Migration> {
        self.migrations
            .binary_search_by_key(&version, |m| m.version)
            .ok()
            .map(|i| &self.migrations[i])
    }

    /// The highest version, if any.
    pub fn latest(&self) -> Option<i64> {
        self.migrations.last().map(|m| m.version)
    }

    /// The file a down script of `version` has or would have in this repository
    /// (`0005_add_city.down.sql`): the stem of its up script for `dialect` when the version is
    /// embedded; else `name` (as the bookkeeping table records it) after the version written
    /// with the repository's zero padding (the widest padded version among its files).
    pub fn down_file_name(&self, version: i64, name: &str, dialect: Dialect) -> String {
        let parsed = |m: &Migration| {
            let up = m.up(dialect).or(m.up.iter().flatten().next())?;
            parse_file_name(&up.file).ok()
        };
        if let Some(stem) = self.get(version).and_then(parsed).map(|f| f.stem()) {
            return format!("{stem}.down.sql");
        }
        let width = self
            .migrations
            .iter()
            .filter_map(parsed)
            .filter(|f| f.digits.starts_with('0'))
            .map(|f| f.digits.len())
            .max()
            .unwrap_or(0);
        format!("{version:0width$}_{name}.down.sql")
    }
}

/// SHA-256, lowercase hex, of `sql` with CRLF line endings normalized to LF, so a checkout
/// with either line ending has the same checksum.
pub fn checksum(sql: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut rest = sql;
    while let Some(pos) = rest.find("\r\n") {
        hasher.update(&rest.as_bytes()[..pos]);
        hasher.update(b"\n");
        rest = &rest[pos + 2..];
    }
    hasher.update(rest.as_bytes());
    hex(&hasher.finalize())
}

/// The head digest: SHA-256 hex of `<version>:<checksum>` of every applied row, in version
/// order, joined with `,`. Equal heads mean equal sets of (version, checksum).
pub fn head_digest<'a>(rows: impl IntoIterator<Item = (i64, &'a str)>) -> String {
    let mut rows: Vec<(i64, &str)> = rows.into_iter().collect();
    rows.sort_by_key(|(version, _)| *version);
    let mut head = HeadHasher::default();
    for (version, checksum) in rows {
        head.push(version, checksum);
    }
    head.digest()
}

/// [`head_digest`] built one row at a time, rows in ascending version order: applying N
/// migrations hashes each row once instead of N times.
#[derive(Clone, Default)]
pub struct HeadHasher {
    hasher: sha2::Sha256,
    /// The highest version pushed.
    last: Option<i64>,
}

impl HeadHasher {
    /// Adds a row above every row added so far; returns `false`, adding nothing, otherwise.
    pub fn push(&mut self, version: i64, checksum: &str) -> bool {
        use sha2::Digest;
        if self.last.is_some_and(|last| version <= last) {
            return false;
        }
        if self.last.is_some() {
            self.hasher.update(b",");
        }
        self.hasher
            .update(format!("{version}:{checksum}").as_bytes());
        self.last = Some(version);
        true
    }

    /// The highest version added.
    pub fn last(&self) -> Option<i64> {
        self.last
    }

    /// The head of the rows added so far.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        hex(&self.hasher.clone().finalize())
    }
}

impl std::fmt::Debug for HeadHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeadHasher")
            .field("last", &self.last)
            .field("digest", &self.digest())
            .finish()
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(version: i64, name: &'static str, file: &'static str) -> Migration {
        let script = Script {
            file: Cow::Borrowed(file),
            sql: Cow::Borrowed(""),
            checksum: Cow::Borrowed(""),
            no_transaction: false,
            foreign_keys_off: false,
        };
        Migration {
            version,
            name: Cow::Borrowed(name),
            up: [None, Some(script), None],
            down: [None, None, None],
        }
    }

    fn repository(migrations: Vec<Migration>) -> Migrations {
        Migrations {
            migrations: Cow::Owned(migrations),
            config: MigrationsConfig::DEFAULT,
            heads: [Cow::Borrowed(""), Cow::Borrowed(""), Cow::Borrowed("")],
        }
    }

    fn script(file: &'static str, no_transaction: bool, foreign_keys_off: bool) -> Script {
        Script {
            file: Cow::Borrowed(file),
            sql: Cow::Borrowed("SELECT 1;"),
            checksum: Cow::Borrowed("c"),
            no_transaction,
            foreign_keys_off,
        }
    }

    #[test]
    fn embedded_constructors_fill_the_slots_they_are_given() {
        const UP: Migration = Migration::embedded(7, "seven", 0b101, "7.sql", "SELECT 1;", "c", 1);
        let up = script("7.sql", true, false);
        assert_eq!(
            UP,
            Migration {
                version: 7,
                name: Cow::Borrowed("seven"),
                up: [Some(up.clone()), None, Some(up.clone())],
                down: [None, None, None],
            }
        );

        let both = Migration::embedded_with_down(
            7,
            "seven",
            0b010,
            "7.sql",
            "SELECT 1;",
            "c",
            2,
            0b011,
            "7.down.sql",
            "SELECT 1;",
            "c",
            3,
        );
        let (up, down) = (
            script("7.sql", false, true),
            script("7.down.sql", true, true),
        );
        assert_eq!(both.up, [None, Some(up), None]);
        assert_eq!(both.down, [Some(down.clone()), Some(down), None]);

        let slots = Migration::embedded_slots(
            7,
            "seven",
            [Some(("a.sql", "SELECT 1;", "c", false, false)), None, None],
            [None, None, Some(("b.sql", "SELECT 1;", "c", true, false))],
        );
        assert_eq!(slots.up, [Some(script("a.sql", false, false)), None, None]);
        assert_eq!(slots.down, [None, None, Some(script("b.sql", true, false))]);
    }

    #[test]
    fn down_file_names_come_from_the_repository() {
        let m = repository(vec![
            migration(1, "create_users", "0001_create_users.sql"),
            migration(2, "add_posts", "0002_add_posts.postgres.sql"),
        ]);
        // Embedded: the up script's stem, whatever its dialect suffix.
        assert_eq!(
            m.down_file_name(2, "add_posts", Dialect::Postgres),
            "0002_add_posts.down.sql"
        );
        assert_eq!(
            m.down_file_name(1, "create_users", Dialect::Sqlite),
            "0001_create_users.down.sql"
        );
        // Gone from the repository: the recorded name, padded like the repository's files.
        assert_eq!(
            m.down_file_name(5, "add_city", Dialect::Postgres),
            "0005_add_city.down.sql"
        );
        let unpadded = repository(vec![migration(1, "a", "1_a.sql")]);
        assert_eq!(
            unpadded.down_file_name(5, "add_city", Dialect::Postgres),
            "5_add_city.down.sql"
        );
        let timestamps = repository(vec![migration(20240101, "a", "20240101_a.sql")]);
        assert_eq!(
            timestamps.down_file_name(20240202, "b", Dialect::Postgres),
            "20240202_b.down.sql"
        );
    }

    #[test]
    fn checksum_ignores_line_endings() {
        assert_eq!(checksum("a\r\nb\r\n"), checksum("a\nb\n"));
        assert_ne!(checksum("a\nb"), checksum("a\nb\n"));
        // sha256("abc")
        assert_eq!(
            checksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn head_is_order_independent_and_covers_every_row() {
        let mut running = HeadHasher::default();
        assert_eq!(running.digest(), head_digest([]));
        assert!(running.push(1, "x"));
        assert_eq!(running.digest(), head_digest([(1, "x")]));
        assert!(running.push(2, "y"));
        assert!(!running.push(2, "z"), "not above the last version");
        assert_eq!(running.digest(), head_digest([(2, "y"), (1, "x")]));
        let a = head_digest([(1, "x"), (2, "y")]);
        assert_eq!(a, head_digest([(2, "y"), (1, "x")]));
        assert_ne!(a, head_digest([(1, "x")]));
        assert_ne!(a, head_digest([(1, "x"), (2, "z")]));
        // The empty table's head is sha256 of the empty string.
        assert_eq!(
            head_digest([]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
