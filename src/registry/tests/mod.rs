//! Registry tests: the shipped Sonora registry, the San Luis Potosí fixture, validation
//! errors with their file and line, duty rosters and phone handling.

mod default_registry;
mod phone;
mod shift_validation;
mod shifts;
mod slp;
mod validation;

use std::path::PathBuf;

/// Paths relative to the crate root, so tests read the same files `alerta` ships.
fn crate_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}
