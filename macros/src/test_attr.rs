//! `#[strata::test]`: an async test that gets a fresh database, set up by the migrations or the
//! schema and the fixtures named in the attribute, and dropped afterwards.
//!
//! The attribute's arguments have their own small grammar (`migrations = PATH`, `schema = PATH`,
//! `fixtures("a.sql", ..)`); the function's signature decides the backend from the pool type.
//! Argument and signature errors are reported together, each on its own tokens.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, LitStr, Token};

mod kw {
    syn::custom_keyword!(migrations);
    syn::custom_keyword!(schema);
    syn::custom_keyword!(fixtures);
}

/// What runs before the body.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SetupKind {
    Migrations,
    Schema,
}

impl SetupKind {
    fn keyword(self) -> &'static str {
        match self {
            SetupKind::Migrations => "migrations",
            SetupKind::Schema => "schema",
        }
    }
}

struct Setup {
    kind: SetupKind,
    keyword: Span,
    path: syn::Path,
}

struct Fixtures {
    keyword: Span,
    files: Vec<LitStr>,
}

/// The parsed arguments of `#[strata::test(..)]`, with the errors found while parsing them
/// (duplicates, conflicts) that did not stop the parse.
#[derive(Default)]
struct Args {
    setup: Option<Setup>,
    fixtures: Option<Fixtures>,
    errors: Vec<syn::Error>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::migrations) {
                let keyword: kw::migrations = input.parse()?;
                args.parse_setup(input, SetupKind::Migrations, keyword.span)?;
            } else if lookahead.peek(kw::schema) {
                let keyword: kw::schema = input.parse()?;
                args.parse_setup(input, SetupKind::Schema, keyword.span)?;
            } else if lookahead.peek(kw::fixtures) {
                let keyword: kw::fixtures = input.parse()?;
                args.parse_fixtures(input, keyword.span)?;
            } else if input.peek(syn::Ident::peek_any) {
                let unknown = input.call(syn::Ident::parse_any)?;
                return Err(syn::Error::new(
                    unknown.span(),
                    format!(
                        "unknown #[strata::test] argument `{unknown}`; expected \
                         `migrations = ..`, `schema = ..` or `fixtures(..)`"
                    ),
                ));
            } else {
                return Err(lookahead.error());
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

impl Args {
    fn parse_setup(
        &mut self,
        input: ParseStream,
        kind: SetupKind,
        keyword: Span,
    ) -> syn::Result<()> {
        input.parse::<Token![=]>()?;
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            let (what, how) = match kind {
                SetupKind::Migrations => (
                    "a `strata::Migrations` static",
                    "migrations = MIGRATIONS` (embedded with `strata::embed_migrations!`)",
                ),
                SetupKind::Schema => (
                    "a `strata::Schema` static",
                    "schema = SCHEMA` (built with `strata::schema!`)",
                ),
            };
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "#[strata::test] `{}` takes the path of {what}, e.g. `{how}",
                    kind.keyword()
                ),
            ));
        }
        let path: syn::Path = input.parse()?;
        match &self.setup {
            Some(previous) if previous.kind == kind => self.errors.push(syn::Error::new(
                keyword,
                format!("duplicate #[strata::test] argument `{}`", kind.keyword()),
            )),
            Some(previous) => self.errors.push(syn::Error::new(
                keyword,
                format!(
                    "#[strata::test] takes `migrations` or `schema`, not both: `{}` was given \
                     already (the migrations create the tables; the schema creates them without \
                     migrations)",
                    previous.kind.keyword()
                ),
            )),
            None => {
                self.setup = Some(Setup {
                    kind,
                    keyword,
                    path,
                })
            }
        }
        Ok(())
    }

    fn parse_fixtures(&mut self, input: ParseStream, keyword: Span) -> syn::Result<()> {
        if !input.peek(syn::token::Paren) {
            let message = "#[strata::test] `fixtures` takes a list of file names: \
                           `fixtures(\"users.sql\", ..)`";
            return Err(match input.cursor().token_tree() {
                Some((token, _)) => syn::Error::new(token.span(), message),
                None => syn::Error::new(keyword, message),
            });
        }
        let content;
        syn::parenthesized!(content in input);
        let items = Punctuated::<syn::Expr, Token![,]>::parse_terminated(&content)?;
        let mut files = Vec::new();
        for item in items {
            match item {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(lit),
                    ..
                }) => files.push(lit),
                other => self.errors.push(syn::Error::new_spanned(
                    other,
                    "#[strata::test] `fixtures(..)` takes string literals: the names of files \
                     in the `fixtures/` folder beside this test's source file",
                )),
            }
        }
        if self.fixtures.is_some() {
            self.errors.push(syn::Error::new(
                keyword,
                "duplicate #[strata::test] argument `fixtures`",
            ));
        } else {
            self.fixtures = Some(Fixtures { keyword, files });
        }
        Ok(())
    }
}

/// The backend a pool parameter selects.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Pool {
    Sqlite,
    Postgres,
    Mysql,
}

impl Pool {
    fn from_type(ty: &syn::Type) -> Option<Pool> {
        let path = match ty {
            syn::Type::Path(path) => path,
            // A type passed through a `macro_rules!` `$ty:ty` arrives in an invisible group.
            syn::Type::Group(group) => return Pool::from_type(&group.elem),
            syn::Type::Paren(paren) => return Pool::from_type(&paren.elem),
            _ => return None,
        };
        if path.qself.is_some() {
            return None;
        }
        let last = path.path.segments.last()?;
        if !last.arguments.is_none() {
            return None;
        }
        match last.ident.to_string().as_str() {
            "SqlitePool" => Some(Pool::Sqlite),
            "PgPool" => Some(Pool::Postgres),
            "MySqlPool" => Some(Pool::Mysql),
            _ => None,
        }
    }

    fn enabled(self, env: &Environment) -> bool {
        match self {
            Pool::Sqlite => env.sqlite,
            Pool::Postgres => env.postgres,
            Pool::Mysql => env.mysql,
        }
    }

    fn feature(self) -> &'static str {
        match self {
            Pool::Sqlite => "sqlite",
            Pool::Postgres => "postgres",
            Pool::Mysql => "mysql",
        }
    }

    fn database(self) -> TokenStream {
        match self {
            Pool::Sqlite => quote!(::strata::__private::sqlx::Sqlite),
            Pool::Postgres => quote!(::strata::__private::sqlx::Postgres),
            Pool::Mysql => quote!(::strata::__private::sqlx::MySql),
        }
    }
}

/// What the expansion needs to know about the compilation it runs in.
pub struct Environment {
    /// The file the attribute is in (where `fixtures/` is looked up); `None` when the compiler
    /// cannot tell, and then the fixtures are included relative to that file unchecked.
    pub source_file: Option<PathBuf>,
    /// Whether strata's `sqlite` feature is on.
    pub sqlite: bool,
    /// Whether strata's `postgres` feature is on.
    pub postgres: bool,
    /// Whether strata's `mysql` feature is on.
    pub mysql: bool,
}

impl Environment {
    /// The environment of this build of the macros (features follow the facade's).
    pub fn of_this_build(source_file: Option<PathBuf>) -> Environment {
        Environment {
            source_file,
            sqlite: cfg!(feature = "sqlite"),
            postgres: cfg!(feature = "postgres"),
            mysql: cfg!(feature = "mysql"),
        }
    }
}

/// Expands `#[strata::test(args)] item`.
pub fn expand_test(
    args: TokenStream,
    item: TokenStream,
    env: &Environment,
) -> syn::Result<TokenStream> {
    let mut errors = Vec::new();
    let args = match syn::parse2::<Args>(args) {
        Ok(mut args) => {
            errors.append(&mut args.errors);
            Some(args)
        }
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let function: ItemFn = match syn::parse2(item) {
        Ok(function) => function,
        Err(e) => {
            errors.push(syn::Error::new(
                e.span(),
                format!("#[strata::test] goes on an `async fn`: {e}"),
            ));
            return Err(combine(errors).unwrap_or_else(|| syn::Error::new(Span::call_site(), "")));
        }
    };

    let pool = check_signature(&function, env, &mut errors);
    let fixtures = match args.as_ref().and_then(|args| args.fixtures.as_ref()) {
        Some(fixtures) => resolve_fixtures(fixtures, env.source_file.as_deref(), &mut errors),
        None => Vec::new(),
    };
    if let (Some(args), Ok(None)) = (&args, &pool) {
        let needing_pool = args
            .setup
            .as_ref()
            .map(|s| (s.keyword, s.kind.keyword()))
            .into_iter()
            .chain(args.fixtures.as_ref().map(|f| (f.keyword, "fixtures")));
        for (span, keyword) in needing_pool {
            errors.push(syn::Error::new(
                span,
                format!(
                    "#[strata::test] `{keyword}` needs a database: give the test a pool \
                     parameter (`pool: sqlx::SqlitePool`, `PgPool` or `MySqlPool`)"
                ),
            ));
        }
    }
    if let Some(error) = combine(errors) {
        return Err(error);
    }
    let (Some(args), Ok(pool)) = (args, pool) else {
        return Err(syn::Error::new(
            Span::call_site(),
            "invalid #[strata::test]",
        ));
    };
    Ok(generate(&function, pool, args.setup.as_ref(), &fixtures))
}

fn combine(errors: Vec<syn::Error>) -> Option<syn::Error> {
    errors.into_iter().reduce(|mut all, e| {
        all.combine(e);
        all
    })
}

/// Checks the function's shape; returns the backend its parameter selects (`None`: no
/// parameter), or `Err` when the parameter is unusable (already reported in `errors`).
fn check_signature(
    function: &ItemFn,
    env: &Environment,
    errors: &mut Vec<syn::Error>,
) -> Result<Option<Pool>, ()> {
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span,
            "#[strata::test] functions must be `async fn`",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            "#[strata::test] functions cannot be generic",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(
            variadic,
            "#[strata::test] functions cannot be variadic",
        ));
    }
    let mut inputs = sig.inputs.iter();
    let first = inputs.next();
    let extra: Vec<&FnArg> = inputs.collect();
    let mut result = Ok(None);
    match first {
        None => {}
        Some(FnArg::Receiver(receiver)) => {
            errors.push(syn::Error::new_spanned(
                receiver,
                "#[strata::test] functions cannot take `self`",
            ));
            result = Err(());
        }
        Some(FnArg::Typed(typed)) => match Pool::from_type(&typed.ty) {
            None => {
                errors.push(syn::Error::new_spanned(
                    &typed.ty,
                    "#[strata::test] takes a `SqlitePool`, `PgPool` or `MySqlPool` parameter \
                     (or none): the pool of the test's fresh database",
                ));
                result = Err(());
            }
            Some(pool) if !pool.enabled(env) => {
                errors.push(syn::Error::new_spanned(
                    &typed.ty,
                    format!(
                        "#[strata::test] with a `{}` needs strata's `{}` feature",
                        last_segment(&typed.ty),
                        pool.feature()
                    ),
                ));
                result = Err(());
            }
            Some(pool) => result = Ok(Some(pool)),
        },
    }
    if !extra.is_empty() {
        errors.push(syn::Error::new_spanned(
            quote!(#(#extra),*),
            "#[strata::test] functions take at most one parameter: the pool \
             (`SqlitePool`, `PgPool` or `MySqlPool`)",
        ));
        result = Err(());
    }
    result
}

fn last_segment(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Group(group) => last_segment(&group.elem),
        syn::Type::Paren(paren) => last_segment(&paren.elem),
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// One fixture as the generated code embeds it.
struct ResolvedFixture {
    name: LitStr,
    /// The absolute path, or `None` to include `fixtures/<name>` relative to the source file.
    path: Option<PathBuf>,
}

fn resolve_fixtures(
    fixtures: &Fixtures,
    source_file: Option<&Path>,
    errors: &mut Vec<syn::Error>,
) -> Vec<ResolvedFixture> {
    let folder = source_file.map(|file| {
        file.parent()
            .unwrap_or_else(|| Path::new(""))
            .join("fixtures")
    });
    let mut resolved = Vec::new();
    for name in &fixtures.files {
        let value = name.value();
        if value.is_empty() || Path::new(&value).is_absolute() {
            errors.push(syn::Error::new(
                name.span(),
                format!(
                    "#[strata::test] fixture `{value}` must be a file name relative to the \
                     `fixtures/` folder beside this test's source file"
                ),
            ));
            continue;
        }
        let Some(folder) = &folder else {
            resolved.push(ResolvedFixture {
                name: name.clone(),
                path: None,
            });
            continue;
        };
        let candidate = folder.join(&value);
        match candidate.canonicalize() {
            Ok(path) if path.is_file() => resolved.push(ResolvedFixture {
                name: name.clone(),
                path: Some(path),
            }),
            _ => errors.push(syn::Error::new(
                name.span(),
                format!(
                    "fixture `{value}` not found: there is no file `fixtures/{value}` beside \
                     this test's source file"
                ),
            )),
        }
    }
    resolved
}

fn path_text(path: &syn::Path) -> String {
    let mut text = String::new();
    if path.leading_colon.is_some() {
        text.push_str("::");
    }
    let segments: Vec<String> = path
        .segments
        .iter()
        .map(|s| s.to_token_stream().to_string().replace(' ', ""))
        .collect();
    text.push_str(&segments.join("::"));
    text
}

/// The message a `#[should_panic]` attribute expects: `Some("")` for a bare one, `None` when
/// there is none (or it is malformed: the compiler reports that).
fn expected_panic(attrs: &[syn::Attribute]) -> Option<String> {
    let attr = attrs.iter().find(|a| a.path().is_ident("should_panic"))?;
    let literal = |expr: &syn::Expr| match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    };
    match &attr.meta {
        syn::Meta::Path(_) => Some(String::new()),
        syn::Meta::NameValue(nv) => literal(&nv.value).or(Some(String::new())),
        syn::Meta::List(_) => {
            let mut expected = String::new();
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("expected")
                    && let Some(value) = literal(&meta.value()?.parse()?)
                {
                    expected = value;
                }
                Ok(())
            });
            Some(expected)
        }
    }
}

fn generate(
    function: &ItemFn,
    pool: Option<Pool>,
    setup: Option<&Setup>,
    fixtures: &[ResolvedFixture],
) -> TokenStream {
    let ItemFn {
        attrs, vis, sig, ..
    } = function;
    let name = &sig.ident;
    let output = &sig.output;
    let inner = {
        let block = &function.block;
        quote!(#sig #block)
    };
    let testing = quote!(::strata::__private::testing);

    let Some(pool) = pool else {
        return quote! {
            #(#attrs)*
            #[::core::prelude::v1::test]
            #vis fn #name() #output {
                #inner
                #testing::run_test_without_database(#name)
            }
        };
    };

    let database = pool.database();
    let (setup_closure, setup_label) = match setup {
        None => (quote!(#testing::no_setup), "no setup".to_owned()),
        Some(setup) => {
            let path = &setup.path;
            let target = quote_spanned!(path.span()=> &#path);
            let function = match setup.kind {
                SetupKind::Migrations => quote!(::strata::__private::runtime::upgrade),
                SetupKind::Schema => quote!(::strata::__private::runtime::create_all),
            };
            let label = match setup.kind {
                SetupKind::Migrations => format!("applying the migrations `{}`", path_text(path)),
                SetupKind::Schema => format!("creating the schema `{}`", path_text(path)),
            };
            (
                quote! {
                    |__strata_pool| async move { #function(&__strata_pool, #target).await }
                },
                label,
            )
        }
    };
    let fixtures = fixtures.iter().map(|fixture| {
        let fixture_name = &fixture.name;
        let sql = match &fixture.path {
            Some(path) => {
                let path = path.to_string_lossy();
                quote_spanned!(fixture_name.span()=> ::core::include_str!(#path))
            }
            None => {
                let relative = LitStr::new(
                    &format!("fixtures/{}", fixture_name.value()),
                    fixture_name.span(),
                );
                quote_spanned!(fixture_name.span()=> ::core::include_str!(#relative))
            }
        };
        quote!(#testing::Fixture { name: #fixture_name, sql: #sql })
    });
    let name_text = name.to_string();
    let should_panic = match expected_panic(attrs) {
        Some(expected) => quote!(::core::option::Option::Some(#expected)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        #(#attrs)*
        #[::core::prelude::v1::test]
        #vis fn #name() #output {
            #inner
            #testing::run_test::<#database, _, _, _, _, _, _, _>(
                #testing::TestSpec {
                    name: ::core::concat!(::core::module_path!(), "::", #name_text),
                    setup: #setup_label,
                    fixtures: &[#(#fixtures),*],
                    should_panic: #should_panic,
                },
                #setup_closure,
                #name,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_features(source_file: Option<PathBuf>) -> Environment {
        Environment {
            source_file,
            sqlite: true,
            postgres: true,
            mysql: true,
        }
    }

    fn expand(args: TokenStream, item: TokenStream) -> Result<syn::File, String> {
        expand_test(args, item, &all_features(None))
            .map(|tokens| syn::parse2(tokens).expect("the expansion parses as items"))
            .map_err(|e| {
                e.into_iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
    }

    fn function(file: &syn::File) -> &ItemFn {
        match &file.items[..] {
            [syn::Item::Fn(f)] => f,
            other => panic!("expected one function, got {}", other.len()),
        }
    }

    #[test]
    fn bare_sqlite_test_becomes_a_sync_test_calling_the_runner() {
        let file = expand(
            quote!(),
            quote!(
                async fn works(pool: sqlx::SqlitePool) {
                    let _ = pool;
                }
            ),
        )
        .unwrap();
        let f = function(&file);
        assert!(f.sig.asyncness.is_none());
        assert!(f.sig.inputs.is_empty());
        let attrs: Vec<String> = f
            .attrs
            .iter()
            .map(|a| a.to_token_stream().to_string())
            .collect();
        assert_eq!(attrs, ["# [:: core :: prelude :: v1 :: test]"]);
        let body = f.block.to_token_stream().to_string();
        assert!(
            body.contains("run_test :: < :: strata :: __private :: sqlx :: Sqlite"),
            "{body}"
        );
        assert!(body.contains("no_setup"), "{body}");
    }

    #[test]
    fn other_attributes_are_kept() {
        let file = expand(
            quote!(),
            quote! {
                #[should_panic(expected = "boom")]
                #[ignore]
                async fn fails(pool: PgPool) {}
            },
        )
        .unwrap();
        let attrs: Vec<String> = function(&file)
            .attrs
            .iter()
            .map(|a| a.path().to_token_stream().to_string())
            .collect();
        assert_eq!(
            attrs,
            ["should_panic", "ignore", ":: core :: prelude :: v1 :: test"]
        );
    }

    #[test]
    fn migrations_and_schema_pick_their_runtime_function() {
        let file = expand(
            quote!(migrations = crate::MIGRATIONS),
            quote!(
                async fn t(pool: strata::sqlx::MySqlPool) {}
            ),
        )
        .unwrap();
        let body = function(&file).block.to_token_stream().to_string();
        assert!(
            body.contains(":: strata :: __private :: runtime :: upgrade"),
            "{body}"
        );
        assert!(
            body.contains("\"applying the migrations `crate::MIGRATIONS`\""),
            "{body}"
        );
        assert!(body.contains("sqlx :: MySql ,"), "{body}");

        let file = expand(
            quote!(schema = SCHEMA),
            quote!(
                async fn t(pool: PgPool) {}
            ),
        )
        .unwrap();
        let body = function(&file).block.to_token_stream().to_string();
        assert!(
            body.contains(":: strata :: __private :: runtime :: create_all"),
            "{body}"
        );
    }

    #[test]
    fn no_parameter_runs_without_a_database() {
        let file = expand(
            quote!(),
            quote!(
                async fn t() -> Result<(), String> {
                    Ok(())
                }
            ),
        )
        .unwrap();
        let f = function(&file);
        assert_eq!(
            f.sig.output.to_token_stream().to_string(),
            "-> Result < () , String >"
        );
        let body = f.block.to_token_stream().to_string();
        assert!(body.contains("run_test_without_database (t)"), "{body}");
    }

    #[test]
    fn every_error_of_one_test_is_reported() {
        let errors = expand(
            quote!(migrations = M, schema = S, migrations = M),
            quote!(
                fn t(a: i32, b: i32) {}
            ),
        )
        .err()
        .unwrap();
        assert_eq!(
            errors,
            "#[strata::test] takes `migrations` or `schema`, not both: `migrations` was given \
             already (the migrations create the tables; the schema creates them without \
             migrations)\n\
             duplicate #[strata::test] argument `migrations`\n\
             #[strata::test] functions must be `async fn`\n\
             #[strata::test] takes a `SqlitePool`, `PgPool` or `MySqlPool` parameter (or \
             none): the pool of the test's fresh database\n\
             #[strata::test] functions take at most one parameter: the pool (`SqlitePool`, \
             `PgPool` or `MySqlPool`)"
        );
    }

    #[test]
    fn fixtures_are_checked_against_the_source_folder() {
        let dir =
            std::env::temp_dir().join(format!("strata_macros_fixtures_{}", std::process::id()));
        std::fs::create_dir_all(dir.join("fixtures")).unwrap();
        std::fs::write(dir.join("fixtures/users.sql"), "INSERT INTO t VALUES (1);").unwrap();
        let source = dir.join("it.rs");
        let ok = expand_test(
            quote!(fixtures("users.sql")),
            quote!(
                async fn t(pool: SqlitePool) {}
            ),
            &all_features(Some(source.clone())),
        )
        .unwrap()
        .to_string();
        let expected = dir.join("fixtures/users.sql").canonicalize().unwrap();
        assert!(
            ok.contains(&format!("include_str ! ({:?})", expected.to_string_lossy())),
            "{ok}"
        );
        let missing = expand_test(
            quote!(fixtures("users.sql", "posts.sql")),
            quote!(
                async fn t(pool: SqlitePool) {}
            ),
            &all_features(Some(source)),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            missing,
            "fixture `posts.sql` not found: there is no file `fixtures/posts.sql` beside this \
             test's source file"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_pool_of_a_disabled_backend_names_the_feature() {
        let env = Environment {
            postgres: false,
            ..all_features(None)
        };
        let error = expand_test(
            quote!(),
            quote!(
                async fn t(pool: PgPool) {}
            ),
            &env,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            error,
            "#[strata::test] with a `PgPool` needs strata's `postgres` feature"
        );
    }

    #[test]
    fn the_expected_panic_is_passed_to_the_runner() {
        let body_of = |attr: TokenStream| {
            let file = expand(quote!(), quote!(#attr async fn t(pool: SqlitePool) {})).unwrap();
            function(&file).block.to_token_stream().to_string()
        };
        assert!(body_of(quote!()).contains("should_panic : :: core :: option :: Option :: None"));
        let cases = [
            (quote!(#[should_panic]), "\"\""),
            (quote!(#[should_panic = "boom"]), "\"boom\""),
            (quote!(#[should_panic(expected = "boom")]), "\"boom\""),
        ];
        for (attr, expected) in cases {
            let body = body_of(attr);
            let wanted = format!("should_panic : :: core :: option :: Option :: Some ({expected})");
            assert!(body.contains(&wanted), "{body}");
        }
    }
}
