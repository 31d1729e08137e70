//! `#[derive(Table)]`: parse (`attr`, `ast`), check (`check`), expand (`expand`).

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod expand;
mod symbol;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use ast::Container;
use ctxt::Ctxt;

/// The expansion of `#[derive(Table)]`: the impl, or every error of the item together with a
/// minimal impl so that uses of the type elsewhere add no errors of their own.
pub fn expand_derive_table(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let container = Container::from_ast(&cx, input);
    check::check(&cx, &container);
    match cx.check() {
        Ok(()) => expand::expand(&container),
        Err(errors) => {
            let mut out = errors.into_compile_error();
            out.extend(expand::fallback(&container));
            out
        }
    }
}
