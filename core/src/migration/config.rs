//! `strata.toml`: the repository's configuration.

use std::borrow::Cow;

use super::{ImportedFrom, LockMode, MigrationsConfig, TransactionMode, VersionScheme};
use crate::import::History;

/// The keys `strata.toml` may have.
pub const CONFIG_KEYS: [&str; 9] = [
    "table",
    "lock",
    "lock_timeout_secs",
    "transaction",
    "out_of_order",
    "versions",
    "database_url_env",
    "require_down",
    "imported",
];

/// Parses the text of `strata.toml`. Every key is optional; an unknown key, a value of the
/// wrong type or an unknown choice is an error naming the key. All such errors are returned.
pub fn parse_config(text: &str) -> Result<MigrationsConfig, Vec<String>> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| vec![e.to_string().trim_end().to_owned()])?;
    let mut config = MigrationsConfig::DEFAULT;
    let mut errors = Vec::new();
    // Sorted, so messages come in the same order whatever map the toml crate is built with.
    let mut entries: Vec<(&String, &toml::Value)> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.as_str());
    for (key, value) in entries {
        let result = match key.as_str() {
            "table" => non_empty_string(key, value).map(|s| config.table = Cow::Owned(s)),
            "database_url_env" => {
                non_empty_string(key, value).map(|s| config.database_url_env = Cow::Owned(s))
            }
            "lock_timeout_secs" => match value.as_integer() {
                Some(secs) if secs >= 0 => {
                    config.lock_timeout_secs = secs.unsigned_abs();
                    Ok(())
                }
                _ => Err(format!(
                    "`{key}` must be a non-negative integer (seconds), found {}",
                    describe(value)
                )),
            },
            "out_of_order" => match value.as_bool() {
                Some(b) => {
                    config.out_of_order = b;
                    Ok(())
                }
                None => Err(format!(
                    "`{key}` must be true or false, found {}",
                    describe(value)
                )),
            },
            "require_down" => match value.as_bool() {
                Some(b) => {
                    config.require_down = b;
                    Ok(())
                }
                None => Err(format!(
                    "`{key}` must be true or false, found {}",
                    describe(value)
                )),
            },
            "transaction" => match value.as_str() {
                Some("per-migration") => {
                    config.transaction = TransactionMode::PerMigration;
                    Ok(())
                }
                Some("all") => {
                    config.transaction = TransactionMode::All;
                    Ok(())
                }
                _ => Err(format!(
                    "`{key}` must be \"per-migration\" or \"all\", found {}",
                    describe(value)
                )),
            },
            "lock" => match value.as_str() {
                Some("auto") => {
                    config.lock = LockMode::Auto;
                    Ok(())
                }
                Some("advisory") => {
                    config.lock = LockMode::Advisory;
                    Ok(())
                }
                Some("table") => {
                    config.lock = LockMode::Table;
                    Ok(())
                }
                _ => Err(format!(
                    "`{key}` must be \"auto\", \"advisory\" or \"table\", found {}",
                    describe(value)
                )),
            },
            "versions" => match value.as_str() {
                Some("sequential") => {
                    config.versions = VersionScheme::Sequential;
                    Ok(())
                }
                Some("timestamp") => {
                    config.versions = VersionScheme::Timestamp;
                    Ok(())
                }
                _ => Err(format!(
                    "`{key}` must be \"sequential\" or \"timestamp\", found {}",
                    describe(value)
                )),
            },
            "imported" => imported(value).map(|i| config.imported = Some(i)),
            _ => Err(format!(
                "unknown key `{key}`; the keys are {}",
                CONFIG_KEYS.map(|k| format!("`{k}`")).join(", ")
            )),
        };
        if let Err(message) = result {
            errors.push(message);
        }
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(errors)
    }
}

/// `[imported]`: `from = "<tool>"` and `[imported.versions]` mapping each version as the tool
/// recorded it to its strata version.
fn imported(value: &toml::Value) -> Result<ImportedFrom, String> {
    let Some(table) = value.as_table() else {
        return Err(format!(
            "`imported` must be a table (`[imported]`), found {}",
            describe(value)
        ));
    };
    if let Some(key) = table.keys().find(|k| *k != "from" && *k != "versions") {
        return Err(format!(
            "unknown key `imported.{key}`; the keys are `from`, `versions`"
        ));
    }
    let from = match table.get("from").map(|v| (v, v.as_str())) {
        Some((_, Some(name))) => name
            .parse::<History>()
            .map_err(|e| format!("`imported.from`: {e}"))?,
        Some((v, None)) => {
            return Err(format!(
                "`imported.from` must be a string, found {}",
                describe(v)
            ));
        }
        None => return Err("`imported.from` is missing: name the tool".to_owned()),
    };
    let mut versions = Vec::new();
    match table.get("versions") {
        None => {}
        Some(toml::Value::Table(map)) => {
            for (source, v) in map {
                match v.as_integer() {
                    Some(n) if n >= 1 => versions.push((Cow::Owned(source.clone()), n)),
                    _ => {
                        return Err(format!(
                            "`imported.versions.\"{source}\"` must be a version (an integer \
                             of at least 1), found {}",
                            describe(v)
                        ));
                    }
                }
            }
        }
        Some(v) => {
            return Err(format!(
                "`imported.versions` must be a table, found {}",
                describe(v)
            ));
        }
    }
    versions.sort_by_key(|(_, v)| *v);
    Ok(ImportedFrom {
        from,
        versions: Cow::Owned(versions),
    })
}

fn non_empty_string(key: &str, value: &toml::Value) -> Result<String, String> {
    match value.as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s.to_owned()),
        Some(_) => Err(format!("`{key}` must not be empty")),
        None => Err(format!(
            "`{key}` must be a string, found {}",
            describe(value)
        )),
    }
}

/// How a wrong value is named in a message: its TOML text for scalars, its kind otherwise.
fn describe(value: &toml::Value) -> String {
    match value {
        toml::Value::String(_)
        | toml::Value::Integer(_)
        | toml::Value::Float(_)
        | toml::Value::Boolean(_) => value.to_string(),
        toml::Value::Datetime(_) => "a date-time".to_owned(),
        toml::Value::Array(_) => "an array".to_owned(),
        toml::Value::Table(_) => "a table".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(parse_config(""), Ok(MigrationsConfig::DEFAULT));
        assert_eq!(parse_config("# nothing\n"), Ok(MigrationsConfig::DEFAULT));
    }

    #[test]
    fn every_key() {
        let config = parse_config(
            r#"
            table = "schema_history"
            lock = "table"
            lock_timeout_secs = 30
            transaction = "all"
            out_of_order = true
            versions = "timestamp"
            database_url_env = "APP_DATABASE_URL"
            require_down = true
            "#,
        )
        .unwrap();
        assert_eq!(
            config,
            MigrationsConfig {
                table: "schema_history".into(),
                lock_timeout_secs: 30,
                transaction: TransactionMode::All,
                lock: LockMode::Table,
                out_of_order: true,
                versions: VersionScheme::Timestamp,
                database_url_env: "APP_DATABASE_URL".into(),
                require_down: true,
                imported: None,
            }
        );
        let config = parse_config(
            "transaction = \"per-migration\"\nversions = \"sequential\"\nlock = \"auto\"",
        );
        assert_eq!(config, Ok(MigrationsConfig::DEFAULT));
    }

    #[test]
    fn errors_name_the_key_and_all_are_reported() {
        let errors = parse_config(
            r#"
            tabel = "x"
            lock_timeout_secs = -1
            lock = "galera"
            transaction = "each"
            out_of_order = "yes"
            versions = 1
            table = ""
            database_url_env = []
            require_down = 1
            "#,
        )
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "`database_url_env` must be a string, found an array",
                "`lock` must be \"auto\", \"advisory\" or \"table\", found \"galera\"",
                "`lock_timeout_secs` must be a non-negative integer (seconds), found -1",
                "`out_of_order` must be true or false, found \"yes\"",
                "`require_down` must be true or false, found 1",
                "unknown key `tabel`; the keys are `table`, `lock`, `lock_timeout_secs`, `transaction`, \
                 `out_of_order`, `versions`, `database_url_env`, `require_down`, `imported`",
                "`table` must not be empty",
                "`transaction` must be \"per-migration\" or \"all\", found \"each\"",
                "`versions` must be \"sequential\" or \"timestamp\", found 1",
            ]
        );
    }

    #[test]
    fn imported_section() {
        let config = parse_config(
            "[imported]\nfrom = \"diesel\"\n[imported.versions]\n\"20190102000000\" = 2\n\"00000000000000\" = 1\n",
        )
        .unwrap();
        let imported = config.imported.unwrap();
        assert_eq!(imported.from, History::Diesel);
        assert_eq!(
            imported.versions.as_ref(),
            [("00000000000000".into(), 1), ("20190102000000".into(), 2)]
        );
        assert_eq!(imported.version_of("20190102000000"), Some(2));
        assert_eq!(imported.version_of("2019010200000"), None);

        let errors = |text: &str| parse_config(text).unwrap_err();
        assert_eq!(
            errors("[imported]\nfrom = \"liquibase\""),
            [
                "`imported.from`: unknown tool `liquibase`; the tools are sqlx, diesel, refinery, \
                 flyway, sqlalchemy-migrate"
            ]
        );
        assert_eq!(
            errors("[imported]\nversions = {}"),
            ["`imported.from` is missing: name the tool"]
        );
        assert_eq!(
            errors("[imported]\nfrom = \"flyway\"\nversions = { \"1.1\" = 0 }"),
            ["`imported.versions.\"1.1\"` must be a version (an integer of at least 1), found 0"]
        );
        assert_eq!(
            errors("[imported]\nfrom = \"flyway\"\nfrom_dir = \"x\""),
            ["unknown key `imported.from_dir`; the keys are `from`, `versions`"]
        );
        assert_eq!(
            errors("imported = 1"),
            ["`imported` must be a table (`[imported]`), found 1"]
        );
    }

    #[test]
    fn syntax_errors_carry_the_position() {
        let errors = parse_config("table = \n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("TOML parse error at line 1, column 9"),
            "{}",
            errors[0]
        );
    }
}
