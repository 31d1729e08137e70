//! The `strata` command: create, apply, revert and inspect a migration repository from the
//! shell. Everything lives in the library (`strata_cli`), which a project's own `manage`
//! binary shares through `strata::cli::run`.

fn main() -> std::process::ExitCode {
    strata_cli::strata_main()
}
