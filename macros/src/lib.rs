//! Implementation detail of `strata`: its procedural macros. Use the `strata` crate, which
//! documents and re-exports them. Each entry point only adapts between `proc_macro` and
//! `proc_macro2`; the work happens in the modules below, as plain functions.

use proc_macro::TokenStream;

mod embed;
mod table;

/// `#[derive(Table)]`: documented on `strata::Table`.
#[proc_macro_derive(Table, attributes(table, column))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    table::expand_derive_table(&input).into()
}

/// `embed_migrations!("migrations")`: documented on `strata::embed_migrations`.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    match embed::expand_embed_migrations(input.into()) {
        // Lexed by the compiler directly: proc-macro2's `parse` would lex it once more first.
        Ok(source) => source
            .parse()
            .expect("embed_migrations! generates valid Rust"),
        Err(error) => {
            // In a block, so several errors are still one expression.
            let errors = error.into_compile_error();
            quote::quote!({ #errors }).into()
        }
    }
}

mod test_attr;

/// `#[strata::test]`: documented on `strata::test`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    // Fixtures live beside the file the attribute is written in.
    let source_file = proc_macro::Span::call_site().local_file();
    let env = test_attr::Environment::of_this_build(source_file);
    test_attr::expand_test(args.into(), item.into(), &env)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
