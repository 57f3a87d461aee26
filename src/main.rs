//! The `alerta` binary. Kept thin so the library can be driven by tests and other binaries.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Development convenience only: production has no .env and sets real variables.
    dotenvy::dotenv().ok();
    alerta::cli::main()
}
