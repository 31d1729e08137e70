//! `embed_migrations!("dir")`: reads and checks the migration repository at compile time (with
//! the same core function the run-time loader uses) and expands to a const
//! `strata::Migrations` holding every script, its checksum and the heads.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use proc_macro2::TokenStream;
use strata_core::migration::{Repository, RepositoryError, read_repository};
use strata_core::{Dialect, Migration, Migrations, MigrationsConfig, Script, TransactionMode};
use syn::LitStr;
use syn::parse::{Parse, ParseStream};

/// The macro's input: the directory, relative to the crate root.
struct Input {
    path: LitStr,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if !input.peek(LitStr) {
            return Err(input.error(
                "expected the migration directory as a string literal, \
                 e.g. `embed_migrations!(\"migrations\")`",
            ));
        }
        let path: LitStr = input.parse()?;
        if !input.is_empty() {
            // A single trailing comma is fine, as in any macro call.
            input.parse::<syn::Token![,]>()?;
            if !input.is_empty() {
                return Err(input.error("unexpected input after the migration directory"));
            }
        }
        Ok(Input { path })
    }
}

/// The dialects whose scripts are embedded: the facade's backend features.
fn enabled_dialects() -> Vec<Dialect> {
    let mut dialects = Vec::new();
    if cfg!(feature = "sqlite") {
        dialects.push(Dialect::Sqlite);
    }
    if cfg!(feature = "postgres") {
        dialects.push(Dialect::Postgres);
    }
    if cfg!(feature = "mysql") {
        dialects.push(Dialect::Mysql);
    }
    dialects
}

/// The expansion as source text (see [`expand`]), or the errors to report.
pub fn expand_embed_migrations(input: TokenStream) -> syn::Result<String> {
    let Input { path: literal } = syn::parse2(input)?;
    let dir = resolve_dir(&literal)?;
    let repository = read_repository(&dir, &enabled_dialects())
        .map_err(|error| repository_error(&literal, &dir, error))?;
    expand(&literal, &dir, &repository)
}

/// Resolves the literal against `CARGO_MANIFEST_DIR` and makes sure it stays inside the crate,
/// also through symbolic links. Returns the canonical directory.
fn resolve_dir(literal: &LitStr) -> syn::Result<PathBuf> {
    let error = |message: String| syn::Error::new(literal.span(), message);
    let root = crate_root().ok_or_else(|| {
        error(
            "CARGO_MANIFEST_DIR is not set: `embed_migrations!` must be built by cargo".to_owned(),
        )
    })?;
    resolve_in(&root, &literal.value()).map_err(error)
}

/// Resolves `value` against the crate root `root`: relative, not leaving the crate by `..` or
/// by a symbolic link, and existing. Returns the canonical directory.
fn resolve_in(root: &Path, value: &str) -> Result<PathBuf, String> {
    if value.is_empty() {
        return Err(
            "the migration directory is empty: give a path relative to the crate root, \
             e.g. \"migrations\""
                .to_owned(),
        );
    }
    let relative = Path::new(value);
    if relative.has_root() || relative.is_absolute() {
        return Err(format!(
            "`{value}` is an absolute path: give the migration directory relative to the crate \
             root (the directory of Cargo.toml), e.g. \"migrations\""
        ));
    }
    let outside = || {
        format!(
            "`{value}` is outside the crate: the migration directory must be inside the crate's \
             directory (where Cargo.toml is), so the crate builds from its own files"
        )
    };
    let mut depth = 0usize;
    for component in relative.components() {
        match component {
            Component::ParentDir => depth = depth.checked_sub(1).ok_or_else(outside)?,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
    }

    let root = root
        .canonicalize()
        .map_err(|e| format!("cannot read the crate directory: {e}"))?;
    let dir = match root.join(relative).canonicalize() {
        Ok(dir) => dir,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "migration directory `{value}` not found; the path is relative to the crate root \
                 (the directory of Cargo.toml)"
            ));
        }
        Err(e) => return Err(format!("cannot read `{value}`: {e}")),
    };
    if !dir.starts_with(&root) {
        return Err(outside());
    }
    Ok(dir)
}

/// The crate root relative paths start from: `CARGO_MANIFEST_DIR`.
fn crate_root() -> Option<PathBuf> {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    Some(ui_case_crate_root(&manifest_dir).unwrap_or(manifest_dir))
}

/// trybuild compiles each ui case as a binary of a crate it generates in
/// `<target>/tests/trybuild/<crate>/`, holding nothing but a `Cargo.toml` whose binaries are the
/// case files of the real crate. When `CARGO_MANIFEST_DIR` is such a generated crate and the
/// calling file lies outside it, the crate root is the crate the case file belongs to (the
/// nearest directory above it with a `Cargo.toml`), so ui cases resolve paths as that crate
/// does. Anywhere else this returns `None`.
fn ui_case_crate_root(manifest_dir: &Path) -> Option<PathBuf> {
    let generated_in = manifest_dir.parent()?;
    if generated_in.file_name()? != "trybuild" || generated_in.parent()?.file_name()? != "tests" {
        return None;
    }
    let file = proc_macro::Span::call_site().local_file()?;
    if !file.is_absolute() || file.starts_with(manifest_dir) {
        return None;
    }
    file.ancestors()
        .skip(1)
        .find(|dir| dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

/// A repository error as compile errors on the literal: one per problem, naming the file(s).
fn repository_error(literal: &LitStr, dir: &Path, error: RepositoryError) -> syn::Error {
    let value = literal.value();
    let message = |text: String| syn::Error::new(literal.span(), text);
    match error {
        RepositoryError::Invalid { problems, .. } => {
            let mut errors = problems
                .iter()
                .map(|problem| message(format!("migration repository `{value}`: {problem}")));
            let mut first = errors
                .next()
                .unwrap_or_else(|| message(format!("invalid migration repository `{value}`")));
            for more in errors {
                first.combine(more);
            }
            first
        }
        RepositoryError::NotFound { .. } => {
            message(format!("migration directory `{value}` not found"))
        }
        RepositoryError::NotADirectory { .. } => message(format!("`{value}` is not a directory")),
        RepositoryError::Io { path, source } => {
            let shown = path.strip_prefix(dir).unwrap_or(&path);
            message(format!(
                "migration repository `{value}`: cannot read `{}`: {source}",
                shown.display()
            ))
        }
    }
}

/// The expansion, as Rust source text for the compiler's own lexer: with a thousand scripts,
/// building it token by token (and proc-macro2 lexing it again) costs more than rustc spends
/// compiling it. Strings are written with `{:?}`, a valid Rust string literal.
///
/// The shape keeps rustc's work small: one flat array with one `Migration::embedded*` call per
/// version whose arguments are all literals, since every `Cow`, `Option` or array built inline
/// is a temporary rustc tracks through const checking and evaluation. A script's text is
/// `include_str!`-ed from its file (which also makes cargo rebuild on an edit), unless the
/// text differs from the file (a BOM removed).
fn expand(literal: &LitStr, dir: &Path, repository: &Repository) -> syn::Result<String> {
    let Migrations {
        migrations,
        config,
        heads,
    } = &repository.migrations;

    let mut out = String::with_capacity(1024 + migrations.len() * 512);
    out.push_str(
        "{\n\
         use ::strata::__private::core as __c;\n\
         use ::std::borrow::Cow::Borrowed as __b;\n\
         #[allow(unused_imports)]\n\
         use ::core::option::Option::{None as __n, Some as __s};\n",
    );

    // Files whose text is not `include_str!`-ed below are tracked here, so cargo still
    // rebuilds the crate when one changes.
    let included = |file: &str| !repository.bom.iter().any(|b| b == file);
    let verbatim: HashSet<&str> = migrations
        .iter()
        .flat_map(|m| m.up.iter().chain(&m.down).flatten())
        .map(|s| s.file.as_ref())
        .filter(|file| included(file))
        .collect();
    for path in &repository.files {
        let name = path.file_name().and_then(|n| n.to_str());
        if !name.is_some_and(|name| verbatim.contains(name)) {
            let _ = writeln!(
                out,
                "const _: &str = ::core::include_str!({:?});",
                utf8_path(literal, path)?
            );
        }
    }

    out.push_str("const __STRATA_MIGRATIONS: &[__c::Migration] = &[\n");
    for migration in migrations.iter() {
        let Migration {
            version,
            name,
            up,
            down,
        } = migration;
        let name = name.as_ref();
        match (shared(up), shared(down)) {
            (Shared::One(up_in, script), Shared::None) => {
                let _ = write!(out, "__c::Migration::embedded({version}i64, {name:?}, ");
                shared_script(&mut out, up_in, script, dir, &included, literal)?;
            }
            (Shared::One(up_in, script), Shared::One(down_in, down)) => {
                let _ = write!(
                    out,
                    "__c::Migration::embedded_with_down({version}i64, {name:?}, "
                );
                shared_script(&mut out, up_in, script, dir, &included, literal)?;
                out.push_str(", ");
                shared_script(&mut out, down_in, down, dir, &included, literal)?;
            }
            _ => {
                let _ = write!(
                    out,
                    "__c::Migration::embedded_slots({version}i64, {name:?}, "
                );
                scripts(&mut out, up, dir, &included, literal)?;
                out.push_str(", ");
                scripts(&mut out, down, dir, &included, literal)?;
            }
        }
        out.push_str("),\n");
    }
    out.push_str("];\n__c::Migrations { migrations: __b(__STRATA_MIGRATIONS), config: ");
    migrations_config(&mut out, config);
    out.push_str(", heads: [");
    for head in heads {
        let _ = write!(out, "__b({:?}), ", head.as_ref());
    }
    out.push_str("] }\n}");
    Ok(out)
}

fn utf8_path<'a>(literal: &LitStr, path: &'a Path) -> syn::Result<&'a str> {
    path.to_str().ok_or_else(|| {
        syn::Error::new(
            literal.span(),
            format!("the path `{}` is not valid UTF-8", path.display()),
        )
    })
}

/// The up or down slots of one version, when one script fills them all.
enum Shared<'a> {
    /// Every slot empty.
    None,
    /// The same script in the slots whose bit is set (by `Dialect::index`).
    One(u8, &'a Script),
    /// Different scripts per dialect.
    Several,
}

fn shared(slots: &[Option<Script>; 3]) -> Shared<'_> {
    let mut shared = Shared::None;
    for (i, slot) in slots.iter().enumerate() {
        let Some(script) = slot else { continue };
        shared = match shared {
            Shared::None => Shared::One(1 << i, script),
            Shared::One(mask, first) if first == script => Shared::One(mask | 1 << i, first),
            _ => return Shared::Several,
        };
    }
    shared
}

/// `mask, file, sql, checksum, flags`: the arguments of one script of
/// `Migration::embedded` and `Migration::embedded_with_down`.
fn shared_script(
    out: &mut String,
    mask: u8,
    script: &Script,
    dir: &Path,
    included: &dyn Fn(&str) -> bool,
    literal: &LitStr,
) -> syn::Result<()> {
    let _ = write!(out, "{mask}, {:?}, ", script.file.as_ref());
    script_sql(out, script, dir, included, literal)?;
    let flags = u8::from(script.no_transaction) | u8::from(script.foreign_keys_off) << 1;
    let _ = write!(out, ", {:?}, {flags}", script.checksum.as_ref());
    Ok(())
}

/// A script's SQL: `include_str!` of its file when that is the text, else a literal.
fn script_sql(
    out: &mut String,
    script: &Script,
    dir: &Path,
    included: &dyn Fn(&str) -> bool,
    literal: &LitStr,
) -> syn::Result<()> {
    if included(&script.file) {
        let path = dir.join(script.file.as_ref());
        let _ = write!(
            out,
            "::core::include_str!({:?})",
            utf8_path(literal, &path)?
        );
    } else {
        let _ = write!(out, "{:?}", script.sql.as_ref());
    }
    Ok(())
}

/// The up or down scripts of one version, one slot per dialect, as
/// `strata_core::migration::EmbeddedScript`s.
fn scripts(
    out: &mut String,
    scripts: &[Option<Script>; 3],
    dir: &Path,
    included: &dyn Fn(&str) -> bool,
    literal: &LitStr,
) -> syn::Result<()> {
    out.push('[');
    for script in scripts {
        let Some(script) = script else {
            out.push_str("__n, ");
            continue;
        };
        let _ = write!(out, "__s(({:?}, ", script.file.as_ref());
        script_sql(out, script, dir, included, literal)?;
        let _ = write!(
            out,
            ", {:?}, {}, {})), ",
            script.checksum.as_ref(),
            script.no_transaction,
            script.foreign_keys_off
        );
    }
    out.push(']');
    Ok(())
}

fn migrations_config(out: &mut String, config: &MigrationsConfig) {
    let MigrationsConfig {
        table,
        lock_timeout_secs,
        transaction,
        lock,
        out_of_order,
        versions,
        database_url_env,
        require_down,
        imported,
    } = config;
    let transaction = match transaction {
        TransactionMode::PerMigration => "PerMigration",
        TransactionMode::All => "All",
    };
    let lock = match lock {
        strata_core::LockMode::Auto => "Auto",
        strata_core::LockMode::Advisory => "Advisory",
        strata_core::LockMode::Table => "Table",
    };
    let versions = match versions {
        strata_core::VersionScheme::Sequential => "Sequential",
        strata_core::VersionScheme::Timestamp => "Timestamp",
    };
    let _ = write!(
        out,
        "__c::MigrationsConfig {{ table: __b({:?}), lock_timeout_secs: {lock_timeout_secs}u64, \
         transaction: __c::TransactionMode::{transaction}, lock: __c::LockMode::{lock}, \
         out_of_order: {out_of_order}, versions: __c::VersionScheme::{versions}, \
         database_url_env: __b({:?}), require_down: {require_down}, imported: ",
        table.as_ref(),
        database_url_env.as_ref(),
    );
    imported_from(out, imported);
    out.push_str(" }");
}

/// The `[imported]` section, so adopting another tool's history works from the binary alone.
fn imported_from(out: &mut String, imported: &Option<strata_core::migration::ImportedFrom>) {
    let Some(imported) = imported else {
        out.push_str("::core::option::Option::None");
        return;
    };
    let _ = write!(
        out,
        "__s(__c::migration::ImportedFrom {{ from: __c::History::{:?}, versions: __b(&[",
        imported.from
    );
    for (source, version) in imported.versions.iter() {
        let _ = write!(out, "(__b({:?}), {version}i64), ", source.as_ref());
    }
    out.push_str("]) })");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crate directory with `migrations/` inside, and a directory beside the crate.
    fn layout() -> (tempfile::TempDir, PathBuf) {
        let base = tempfile::tempdir().unwrap();
        let krate = base.path().join("app");
        std::fs::create_dir_all(krate.join("migrations")).unwrap();
        std::fs::create_dir_all(base.path().join("elsewhere")).unwrap();
        (base, krate)
    }

    #[test]
    fn paths_inside_the_crate_resolve() {
        let (_base, krate) = layout();
        let expected = krate.join("migrations").canonicalize().unwrap();
        assert_eq!(resolve_in(&krate, "migrations"), Ok(expected.clone()));
        assert_eq!(resolve_in(&krate, "./migrations/"), Ok(expected.clone()));
        assert_eq!(resolve_in(&krate, "migrations/../migrations"), Ok(expected));
    }

    #[test]
    fn paths_leaving_the_crate_are_rejected() {
        let (_base, krate) = layout();
        let outside = "is outside the crate: the migration directory must be inside the \
                       crate's directory (where Cargo.toml is), so the crate builds from its own files";
        assert_eq!(
            resolve_in(&krate, "../elsewhere"),
            Err(format!("`../elsewhere` {outside}"))
        );
        assert_eq!(
            resolve_in(&krate, "migrations/../../elsewhere"),
            Err(format!("`migrations/../../elsewhere` {outside}"))
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("../elsewhere", krate.join("linked")).unwrap();
            assert_eq!(
                resolve_in(&krate, "linked"),
                Err(format!("`linked` {outside}"))
            );
        }
    }

    #[test]
    fn absolute_empty_and_missing_paths() {
        let (_base, krate) = layout();
        let absolute = krate.join("migrations");
        let absolute = absolute.to_str().unwrap();
        assert_eq!(
            resolve_in(&krate, absolute),
            Err(format!(
                "`{absolute}` is an absolute path: give the migration directory relative to the \
                 crate root (the directory of Cargo.toml), e.g. \"migrations\""
            ))
        );
        assert_eq!(
            resolve_in(&krate, ""),
            Err(
                "the migration directory is empty: give a path relative to the crate root, \
                 e.g. \"migrations\""
                    .to_owned()
            )
        );
        assert_eq!(
            resolve_in(&krate, "nope"),
            Err(
                "migration directory `nope` not found; the path is relative to the crate root \
                 (the directory of Cargo.toml)"
                    .to_owned()
            )
        );
    }
}
