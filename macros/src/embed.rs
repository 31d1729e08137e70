//! `embed_migrations!("dir")`: reads and checks the migration repository at compile time (with
//! the same core function the run-time loader uses) and expands to a const
//! `strata::Migrations` holding every script, its checksum and the heads.

use std::path::{Component, Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;
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

pub fn expand_embed_migrations(input: TokenStream) -> syn::Result<TokenStream> {
    let Input { path: literal } = syn::parse2(input)?;
    let dir = resolve_dir(&literal)?;
    let repository = read_repository(&dir, &enabled_dialects())
        .map_err(|error| repository_error(&literal, &dir, error))?;
    expand(&literal, &repository)
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

fn expand(literal: &LitStr, repository: &Repository) -> syn::Result<TokenStream> {
    let tracked = repository
        .files
        .iter()
        .map(|path| {
            let path = path.to_str().ok_or_else(|| {
                syn::Error::new(
                    literal.span(),
                    format!("the path `{}` is not valid UTF-8", path.display()),
                )
            })?;
            // Only so cargo rebuilds the crate when the file changes: the text embedded is the
            // checked text below (BOM removed).
            Ok(quote! { const _: &str = ::core::include_str!(#path); })
        })
        .collect::<syn::Result<Vec<_>>>()?;

    let Migrations {
        migrations,
        config,
        heads,
    } = &repository.migrations;
    let migrations = migrations.iter().map(migration);
    let config = migrations_config(config);
    let heads = heads.iter().map(|head| cow_str(head));
    Ok(quote! {
        {
            #(#tracked)*
            const __STRATA_MIGRATIONS: &[::strata::__private::core::Migration] = &[#(#migrations),*];
            ::strata::__private::core::Migrations {
                migrations: ::std::borrow::Cow::Borrowed(__STRATA_MIGRATIONS),
                config: #config,
                heads: [#(#heads),*],
            }
        }
    })
}

fn cow_str(text: &str) -> TokenStream {
    quote! { ::std::borrow::Cow::Borrowed(#text) }
}

fn migration(migration: &Migration) -> TokenStream {
    let Migration {
        version,
        name,
        up,
        down,
    } = migration;
    let name = cow_str(name);
    let up = up.iter().map(|s| optional_script(s.as_ref()));
    let down = down.iter().map(|s| optional_script(s.as_ref()));
    quote! {
        ::strata::__private::core::Migration {
            version: #version,
            name: #name,
            up: [#(#up),*],
            down: [#(#down),*],
        }
    }
}

fn optional_script(script: Option<&Script>) -> TokenStream {
    let Some(Script {
        file,
        sql,
        checksum,
        no_transaction,
        foreign_keys_off,
    }) = script
    else {
        return quote! { ::core::option::Option::None };
    };
    let (file, sql, checksum) = (cow_str(file), cow_str(sql), cow_str(checksum));
    quote! {
        ::core::option::Option::Some(::strata::__private::core::Script {
            file: #file,
            sql: #sql,
            checksum: #checksum,
            no_transaction: #no_transaction,
            foreign_keys_off: #foreign_keys_off,
        })
    }
}

fn migrations_config(config: &MigrationsConfig) -> TokenStream {
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
    let (table, database_url_env) = (cow_str(table), cow_str(database_url_env));
    let transaction = match transaction {
        TransactionMode::PerMigration => quote!(PerMigration),
        TransactionMode::All => quote!(All),
    };
    let imported = imported_from(imported);
    let lock = match lock {
        strata_core::LockMode::Auto => quote!(Auto),
        strata_core::LockMode::Advisory => quote!(Advisory),
        strata_core::LockMode::Table => quote!(Table),
    };
    let versions = match versions {
        strata_core::VersionScheme::Sequential => quote!(Sequential),
        strata_core::VersionScheme::Timestamp => quote!(Timestamp),
    };
    quote! {
        ::strata::__private::core::MigrationsConfig {
            table: #table,
            lock_timeout_secs: #lock_timeout_secs,
            transaction: ::strata::__private::core::TransactionMode::#transaction,
            lock: ::strata::__private::core::LockMode::#lock,
            out_of_order: #out_of_order,
            versions: ::strata::__private::core::VersionScheme::#versions,
            database_url_env: #database_url_env,
            require_down: #require_down,
            imported: #imported,
        }
    }
}

/// The `[imported]` section, so adopting another tool's history works from the binary alone.
fn imported_from(imported: &Option<strata_core::migration::ImportedFrom>) -> TokenStream {
    let Some(imported) = imported else {
        return quote!(::core::option::Option::None);
    };
    let from = syn::Ident::new(
        &format!("{:?}", imported.from),
        proc_macro2::Span::call_site(),
    );
    let versions = imported.versions.iter().map(|(source, version)| {
        let source = cow_str(source);
        quote!((#source, #version))
    });
    quote! {
        ::core::option::Option::Some(::strata::__private::core::migration::ImportedFrom {
            from: ::strata::__private::core::History::#from,
            versions: ::std::borrow::Cow::Borrowed(&[#(#versions),*]),
        })
    }
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
