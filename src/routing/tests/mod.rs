//! Routing tests: deadlines and rosters. Times are written as
//! local wall-clock times of a named zone so each case reads like the situation it models.

mod deadline;
mod roster;
mod shipped;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::registry::Registry;

/// The UTC instant of `local` ("2026-03-06 15:00") in `tz`; panics on gaps and overlaps so
/// test inputs stay unambiguous.
fn at(tz: Tz, local: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M")
        .unwrap_or_else(|e| panic!("{local}: {e}"));
    tz.from_local_datetime(&naive)
        .single()
        .unwrap_or_else(|| panic!("{local} is not a single instant in {tz}"))
        .with_timezone(&Utc)
}

/// Local wall-clock rendering of an instant, for readable assertions.
fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %a").to_string()
}

fn crate_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn load(dir: &str) -> Registry {
    Registry::load_dir(&crate_path(dir)).unwrap_or_else(|e| panic!("{dir} must load:\n{e}"))
}
