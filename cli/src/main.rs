//! The `strata` command. Its subcommands (`init`, `new`, `upgrade`, `status`, ..) are not part
//! of this release; use the library API (`strata::runtime`) until they are.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "strata: this release has no subcommands yet; call strata::runtime::upgrade (and friends) from your program"
    );
    ExitCode::from(2)
}
