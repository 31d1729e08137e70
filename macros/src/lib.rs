//! Implementation detail of `strata`: its procedural macros. Use the `strata` crate, which
//! documents and re-exports them. Each entry point only adapts between `proc_macro` and
//! `proc_macro2`; the work happens in the modules below, as plain functions.

use proc_macro::TokenStream;

/// `#[derive(Table)]`: documented on `strata::Table`.
#[proc_macro_derive(Table, attributes(table, column))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
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
