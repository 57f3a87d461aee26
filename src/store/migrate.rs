//! Migrations embedded in the binary, one folder per backend with matching versions.
//!
//! They are included as text rather than through `sqlx::migrate!` so the build does not need
//! sqlx's query macros (and their database drivers compiled a second time for the host).

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::SqlSafeStr;

/// (version, description, sql) for each backend; versions must match across backends.
const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "intake",
        include_str!("../../migrations/sqlite/0001_intake.sql"),
    ),
    (
        2,
        "reports outbox",
        include_str!("../../migrations/sqlite/0002_reports_outbox.sql"),
    ),
    (
        3,
        "queue",
        include_str!("../../migrations/sqlite/0003_queue.sql"),
    ),
    (
        4,
        "sender latest",
        include_str!("../../migrations/sqlite/0004_sender_latest.sql"),
    ),
    (
        5,
        "cost ledger",
        include_str!("../../migrations/sqlite/0005_cost_ledger.sql"),
    ),
    (
        6,
        "access revocation",
        include_str!("../../migrations/sqlite/0006_access_revocation.sql"),
    ),
    (
        7,
        "follow ups",
        include_str!("../../migrations/sqlite/0007_follow_ups.sql"),
    ),
    (
        8,
        "registry",
        include_str!("../../migrations/sqlite/0008_registry.sql"),
    ),
    (
        9,
        "incidents",
        include_str!("../../migrations/sqlite/0009_incidents.sql"),
    ),
    (
        10,
        "trend alerts",
        include_str!("../../migrations/sqlite/0010_trend_alerts.sql"),
    ),
    (
        11,
        "registry requests",
        include_str!("../../migrations/sqlite/0011_registry_requests.sql"),
    ),
];
const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "intake",
        include_str!("../../migrations/postgres/0001_intake.sql"),
    ),
    (
        2,
        "reports outbox",
        include_str!("../../migrations/postgres/0002_reports_outbox.sql"),
    ),
    (
        3,
        "queue",
        include_str!("../../migrations/postgres/0003_queue.sql"),
    ),
    (
        4,
        "sender latest",
        include_str!("../../migrations/postgres/0004_sender_latest.sql"),
    ),
    (
        5,
        "cost ledger",
        include_str!("../../migrations/postgres/0005_cost_ledger.sql"),
    ),
    (
        6,
        "access revocation",
        include_str!("../../migrations/postgres/0006_access_revocation.sql"),
    ),
    (
        7,
        "follow ups",
        include_str!("../../migrations/postgres/0007_follow_ups.sql"),
    ),
    (
        8,
        "registry",
        include_str!("../../migrations/postgres/0008_registry.sql"),
    ),
    (
        9,
        "incidents",
        include_str!("../../migrations/postgres/0009_incidents.sql"),
    ),
    (
        10,
        "trend alerts",
        include_str!("../../migrations/postgres/0010_trend_alerts.sql"),
    ),
    (
        11,
        "registry requests",
        include_str!("../../migrations/postgres/0011_registry_requests.sql"),
    ),
];

/// A `Migrator` through sqlx's documented constructor (`Migrator::with_migrations`), with
/// the checksums `Migration::new` computes from the text, the same as the `migrate!` macro
/// stores, so databases migrated by earlier builds validate unchanged.
fn migrator(list: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        list.iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

pub fn sqlite() -> Migrator {
    migrator(SQLITE)
}

pub fn postgres() -> Migrator {
    migrator(POSTGRES)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backends_have_matching_versions() {
        let a: Vec<i64> = super::SQLITE.iter().map(|m| m.0).collect();
        let b: Vec<i64> = super::POSTGRES.iter().map(|m| m.0).collect();
        assert_eq!(a, b);
    }
}
