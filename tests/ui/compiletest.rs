//! Compile-fail tests: every misuse is a compile error with a clear message on the exact tokens.
//! The cases are `tests/ui/<category>/<case>.rs` beside their `.stderr`; the expected output follows
//! rustc 1.95's wording; regenerate with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("*/*.rs");
}
