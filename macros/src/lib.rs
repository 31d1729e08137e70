//! Implementation detail of `strata`: its procedural macros. Use the `strata` crate, which
//! documents and re-exports them. Each entry point only adapts between `proc_macro` and
//! `proc_macro2`; the work happens in the modules below, as plain functions.

use proc_macro::TokenStream;

mod table;

/// `#[derive(Table)]`: documented on `strata::Table`.
#[proc_macro_derive(Table, attributes(table, column))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    table::expand_derive_table(&input).into()
}
