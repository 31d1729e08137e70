//! Adopting another tool's history: `Migrator::adopt(&pool, History::…)` reads the table sqlx,
//! diesel, refinery, Flyway or SQLAlchemy-Migrate wrote, maps each applied version to an
//! embedded one and records those in strata's table under the migration lock, leaving the
//! other table as it is.
//!
//! The mapping: a repository `strata import` wrote carries the version each migration had
//! under the source tool in `strata.toml`'s `[imported]` section (embedded with the
//! repository); without that section a version maps to the equal strata version (sqlx, and
//! repositories converted by hand with their numbers kept).

use std::cmp::Ordering;

use strata_core::RenderedSql;
use strata_core::import::{sqlx_checksum, version_numbers, version_order};
use strata_core::{Dialect, History};

use super::{Embedded, Item, Migrator, rewrite_bookkeeping, table_exists};
use crate::backend::{Backend, Value, ValueKind};
use crate::bookkeeping::Sql;
use crate::error::Error;
use crate::lock::Lock;
use crate::session::Session;

/// One version adopted from the other tool's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptedVersion {
    /// The version as the other tool recorded it (`20190101000000`, `3`, `1.1`).
    pub source_version: String,
    /// The strata version it maps to.
    pub version: i64,
    /// The migration's name.
    pub name: String,
}

/// What [`Migrator::adopt`] recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adoption {
    /// The tool whose history was read.
    pub history: History,
    /// The versions recorded as applied, ascending.
    pub versions: Vec<AdoptedVersion>,
    /// Whether the tool's checksums were compared with the embedded scripts (sqlx only).
    pub checksums_verified: bool,
}

impl Adoption {
    /// Why the scripts were not compared with what the tool applied, when they were not.
    pub fn checksum_note(&self) -> Option<&'static str> {
        match self.history {
            History::Sqlx => None,
            History::Refinery => Some(
                "refinery's checksums (SipHash-1-3 over name, version and SQL) are not reproduced, so the scripts were not compared with what refinery applied",
            ),
            History::Flyway => Some(
                "Flyway's checksums (CRC32 over its normalized lines) are not reproduced, so the scripts were not compared with what Flyway applied",
            ),
            History::Diesel => Some("diesel keeps no checksums, so there was nothing to compare"),
            History::SqlalchemyMigrate => {
                Some("SQLAlchemy-Migrate keeps no checksums, so there was nothing to compare")
            }
        }
    }
}

/// Why another tool's history cannot be adopted. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdoptError {
    /// The tool's table does not exist.
    #[error("there is no {history} history to adopt: the table {table} does not exist")]
    NoHistory {
        /// The tool.
        history: History,
        /// Its table.
        table: &'static str,
    },
    /// The repository was imported from another tool.
    #[error(
        "this repository was imported from {imported}, not {history} (strata.toml [imported]): adopt with History::{imported:?} / `--from {imported}`"
    )]
    WrongTool {
        /// The tool asked for.
        history: History,
        /// The tool the repository came from.
        imported: History,
    },
    /// A version the tool applied is not embedded.
    #[error(
        "{history} applied version {source_version} ({table}{}), which this repository does not embed: add that migration (or run the build that has it) before adopting",
        mapped_text(*mapped)
    )]
    NotEmbedded {
        /// The tool.
        history: History,
        /// Its table.
        table: &'static str,
        /// The version as the tool recorded it.
        source_version: String,
        /// The strata version it maps to, when the mapping has it.
        mapped: Option<i64>,
    },
    /// A row records a failed run.
    #[error(
        "{history} recorded version {source_version} as failed in {table}: repair that migration with {history} first, then adopt"
    )]
    Failed {
        /// The tool.
        history: History,
        /// Its table.
        table: &'static str,
        /// The version as the tool recorded it.
        source_version: String,
    },
    /// SQLAlchemy-Migrate's current version is beyond the repository.
    #[error(
        "migrate_version says repository {repository} is at version {source_version}, beyond this repository (its latest is {latest}): is the repository older than the database?"
    )]
    BeyondRepository {
        /// `repository_id`.
        repository: String,
        /// The recorded version.
        source_version: String,
        /// The highest version of the repository, as the tool numbers it.
        latest: String,
    },
    /// SQLAlchemy-Migrate's table holds several repositories.
    #[error(
        "migrate_version holds several repositories ({}): strata adopts one; remove the others' rows or adopt from a copy",
        .repositories.join(", ")
    )]
    SeveralRepositories {
        /// Their `repository_id`s.
        repositories: Vec<String>,
    },
    /// A script differs from what sqlx applied.
    #[error(
        "migration {version} ({file}) differs from what sqlx applied: _sqlx_migrations has SHA-384 {recorded}, the embedded script has {embedded}; restore the script sqlx ran, then adopt"
    )]
    ChecksumMismatch {
        /// The version.
        version: i64,
        /// The embedded script.
        file: String,
        /// The checksum sqlx recorded, hex.
        recorded: String,
        /// The checksum of the embedded script, hex.
        embedded: String,
    },
}

fn mapped_text(mapped: Option<i64>) -> String {
    match mapped {
        Some(v) => format!("; strata version {v} by strata.toml [imported]"),
        None => String::new(),
    }
}

/// One row of the other tool's history, as read.
struct Applied {
    version: String,
    /// The raw checksum (sqlx), hex.
    checksum: Option<String>,
}

/// The statement that reads `history`'s table on `dialect`, and the kinds of its columns.
fn select_history(history: History, dialect: Dialect) -> (&'static str, &'static [ValueKind]) {
    use ValueKind::{Bool, Int, Text};
    match (history, dialect) {
        (History::Sqlx, Dialect::Postgres) => (
            "SELECT version, encode(checksum, 'hex'), success FROM _sqlx_migrations ORDER BY version",
            &[Int, Text, Bool],
        ),
        (History::Sqlx, Dialect::Sqlite) => (
            "SELECT version, lower(hex(checksum)), success FROM _sqlx_migrations ORDER BY version",
            &[Int, Text, Bool],
        ),
        (History::Sqlx, Dialect::Mysql) => (
            "SELECT version, LOWER(HEX(checksum)), success FROM _sqlx_migrations ORDER BY version",
            &[Int, Text, Bool],
        ),
        (History::Diesel, _) => ("SELECT version FROM __diesel_schema_migrations", &[Text]),
        (History::Refinery, _) => (
            "SELECT version FROM refinery_schema_history ORDER BY version",
            &[Int],
        ),
        (History::Flyway, _) => (
            "SELECT version, type, success FROM flyway_schema_history ORDER BY installed_rank",
            &[Text, Text, Bool],
        ),
        (History::SqlalchemyMigrate, _) => (
            "SELECT repository_id, version FROM migrate_version ORDER BY repository_id",
            &[Text, Int],
        ),
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Text(t) => Some(t.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

impl<'m> Migrator<'m> {
    /// Adopts the history another tool wrote: reads its table (`_sqlx_migrations`,
    /// `__diesel_schema_migrations`, `refinery_schema_history`, `flyway_schema_history` or
    /// `migrate_version`), maps each version it applied to an embedded migration and records
    /// those as applied in strata's table, under the migration lock, without running them. The
    /// other tool's table is left as it is; afterwards `upgrade` applies only what the other
    /// tool had not.
    ///
    /// Versions map through `strata.toml`'s `[imported]` section, which `strata import` writes
    /// (the version each migration had under the source tool), else to the equal strata
    /// version (a sqlx folder embeds unchanged). sqlx's checksums (SHA-384 of the file bytes)
    /// are compared with the embedded scripts; refinery's and Flyway's are not reproduced, and
    /// diesel and SQLAlchemy-Migrate keep none ([`Adoption::checksum_note`] says which).
    ///
    /// A version the tool applied that is not embedded, a failed row, SQLAlchemy-Migrate's
    /// version beyond the repository, or a sqlx checksum that differs is an error naming it,
    /// and nothing is written. On a database already under strata's control it is an error
    /// unless forced ([`Migrator::force`]), which rewrites strata's table.
    pub async fn adopt<DB: Backend>(
        &self,
        pool: &sqlx::Pool<DB>,
        history: History,
    ) -> Result<Adoption, Error> {
        if let Some(imported) = &self.migrations.config.imported
            && imported.from != history
        {
            return Err(AdoptError::WrongTool {
                history,
                imported: imported.from,
            }
            .into());
        }
        let embedded = Embedded::new(self.migrations, DB::DIALECT);
        let sql = Sql::new(DB::DIALECT, self.table_name());
        let mut session = Session::acquire(pool).await?;
        let mut lock = self.new_lock(&sql);
        let mut result = self
            .enter(&mut session, &mut lock, pool)
            .await
            .map(|()| None);
        if result.is_ok() {
            result = self
                .adopt_locked(&mut session, &lock, &sql, &embedded, history)
                .await
                .map(Some);
        }
        self.leave(&mut session, &mut lock).await;
        let versions = result?.unwrap_or_default();
        tracing::info!(target: "strata", %history, versions = versions.len(), "adopted another tool's history");
        Ok(Adoption {
            history,
            versions,
            checksums_verified: history == History::Sqlx,
        })
    }

    async fn adopt_locked<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        lock: &Lock,
        sql: &Sql,
        embedded: &Embedded<'_>,
        history: History,
    ) -> Result<Vec<AdoptedVersion>, Error> {
        let mysql = DB::DIALECT == Dialect::Mysql;
        if !mysql {
            lock.begin(session).await?;
        }
        let existed = self.refuse_if_under_control(session, sql).await?;
        let table = history.table();
        if !table_exists(session, &Sql::new(DB::DIALECT, table)).await? {
            return Err(AdoptError::NoHistory { history, table }.into());
        }
        let (select, kinds) = select_history(history, DB::DIALECT);
        let rows = session
            .fetch(
                "reading the other tool's history",
                &RenderedSql::from_static(select),
                kinds,
            )
            .await?;
        let applied = self.applied_versions(history, rows, embedded)?;
        let items = self.map_versions(history, &applied, embedded)?;

        rewrite_bookkeeping(
            session,
            lock,
            sql,
            existed,
            items.iter().map(|(_, item)| item),
        )
        .await?;
        Ok(items
            .into_iter()
            .map(|(source_version, item)| AdoptedVersion {
                source_version,
                version: item.version,
                name: item.name.to_string(),
            })
            .collect())
    }

    /// The versions the tool's rows say are applied, in the tool's order; failed rows and a
    /// version beyond the repository are errors.
    fn applied_versions(
        &self,
        history: History,
        rows: Vec<Vec<Value>>,
        embedded: &Embedded<'_>,
    ) -> Result<Vec<Applied>, Error> {
        let table = history.table();
        let failed = |version: String| AdoptError::Failed {
            history,
            table,
            source_version: version,
        };
        let mut applied: Vec<Applied> = Vec::new();
        match history {
            History::Sqlx => {
                for row in &rows {
                    let version = text(row.first()).unwrap_or_default();
                    if row.get(2).and_then(Value::as_bool) != Some(true) {
                        return Err(failed(version).into());
                    }
                    applied.push(Applied {
                        version,
                        checksum: text(row.get(1)),
                    });
                }
            }
            History::Diesel | History::Refinery => {
                for row in &rows {
                    applied.push(Applied {
                        version: text(row.first()).unwrap_or_default(),
                        checksum: None,
                    });
                }
            }
            History::Flyway => {
                for row in &rows {
                    // Repeatable scripts have no version: nothing to map.
                    let Some(version) = text(row.first()) else {
                        continue;
                    };
                    if row.get(2).and_then(Value::as_bool) != Some(true) {
                        return Err(failed(version).into());
                    }
                    let kind = text(row.get(1)).unwrap_or_default();
                    if kind.starts_with("UNDO") {
                        applied.retain(|a| !history.same_version(&a.version, &version));
                    } else if kind == "BASELINE" {
                        // Everything up to the baseline counts as applied.
                        for source in self.source_versions(history, embedded) {
                            if version_order(history, &source, &version) != Ordering::Greater
                                && !applied
                                    .iter()
                                    .any(|a| history.same_version(&a.version, &source))
                            {
                                applied.push(Applied {
                                    version: source,
                                    checksum: None,
                                });
                            }
                        }
                    } else if kind != "SCHEMA" && kind != "DELETE" {
                        applied.push(Applied {
                            version,
                            checksum: None,
                        });
                    }
                }
            }
            History::SqlalchemyMigrate => {
                let repositories: Vec<String> =
                    rows.iter().filter_map(|r| text(r.first())).collect();
                if repositories.len() > 1 {
                    return Err(AdoptError::SeveralRepositories { repositories }.into());
                }
                let Some(row) = rows.first() else {
                    return Ok(Vec::new());
                };
                let current = row.get(1).and_then(Value::as_int).unwrap_or(0);
                let current_text = current.to_string();
                let sources = self.source_versions(history, embedded);
                let latest = sources.last().cloned().unwrap_or_else(|| "0".to_string());
                if current > 0
                    && version_order(history, &current_text, &latest) == Ordering::Greater
                {
                    return Err(AdoptError::BeyondRepository {
                        repository: text(row.first()).unwrap_or_default(),
                        source_version: current_text,
                        latest,
                    }
                    .into());
                }
                // One row, the current version: every version up to it is applied.
                let mut below: Vec<String> = sources
                    .into_iter()
                    .filter(|s| version_order(history, s, &current_text) != Ordering::Greater)
                    .collect();
                if current > 0 && !below.iter().any(|s| history.same_version(s, &current_text)) {
                    below.push(current_text);
                }
                applied = below
                    .into_iter()
                    .map(|version| Applied {
                        version,
                        checksum: None,
                    })
                    .collect();
            }
        }
        applied.sort_by(|a, b| version_order(history, &a.version, &b.version));
        Ok(applied)
    }

    /// The repository's versions as the tool numbers them: the `[imported]` mapping's, else
    /// the embedded versions.
    fn source_versions(&self, history: History, embedded: &Embedded<'_>) -> Vec<String> {
        let mut versions: Vec<String> = match &self.migrations.config.imported {
            Some(imported) => imported
                .versions
                .iter()
                .map(|(source, _)| source.to_string())
                .collect(),
            None => embedded
                .items
                .iter()
                .map(|i| i.version.to_string())
                .collect(),
        };
        versions.sort_by(|a, b| version_order(history, a, b));
        versions
    }

    /// Maps each applied version to its embedded migration and checks sqlx's checksums.
    fn map_versions<'a>(
        &self,
        history: History,
        applied: &[Applied],
        embedded: &Embedded<'a>,
    ) -> Result<Vec<(String, Item<'a>)>, Error> {
        let table = history.table();
        let mut items: Vec<(String, Item<'a>)> = Vec::with_capacity(applied.len());
        for a in applied {
            let mapped = match &self.migrations.config.imported {
                Some(imported) => imported.version_of(&a.version),
                None => version_numbers(&a.version)
                    .filter(|parts| parts.len() == 1)
                    .and_then(|parts| parts[0].parse::<i64>().ok()),
            };
            let Some(item) = mapped.and_then(|v| embedded.get(v)) else {
                return Err(AdoptError::NotEmbedded {
                    history,
                    table,
                    source_version: a.version.clone(),
                    mapped: mapped.filter(|_| self.migrations.config.imported.is_some()),
                }
                .into());
            };
            if let Some(recorded) = &a.checksum {
                let script = item.up.sql.as_bytes();
                let embedded_sum = sqlx_checksum(script);
                // sqlx hashes the file as read, a leading BOM included; strata strips it.
                let with_bom = [b"\xef\xbb\xbf".as_slice(), script].concat();
                if *recorded != embedded_sum && *recorded != sqlx_checksum(&with_bom) {
                    return Err(AdoptError::ChecksumMismatch {
                        version: item.version,
                        file: item.up.file.to_string(),
                        recorded: recorded.clone(),
                        embedded: embedded_sum,
                    }
                    .into());
                }
            }
            if !items.iter().any(|(_, i)| i.version == item.version) {
                items.push((a.version.clone(), *item));
            }
        }
        items.sort_by_key(|(_, i)| i.version);
        Ok(items)
    }
}
