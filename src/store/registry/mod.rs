//! The registry's people (`registry_groups`, `registry_members`, `registry_coordinators`)
//! and its version (`registry_state`). Regions stay in configuration: they are the
//! deployment's geography (time zones, folio prefixes, municipalities), which stored reports
//! are counted and numbered by, and change with a deploy rather than a coordinator's edit.
//!
//! Every write goes through [`Store::change_registry`] (`change.rs`; what each change does to
//! the rows is `apply.rs`): it bumps the version,
//! applies the change to the stored rows in memory, validates the whole result with the
//! rules of `check-config` and only then writes the rows and their audit entries, all in one
//! transaction. A reader therefore only ever finds a valid registry, and a replica that sees
//! the version move reloads it whole.

mod apply;
mod change;
mod convert;
mod requests;
mod rows_write;
mod trail;

use chrono::{DateTime, Utc};

use crate::registry::{Region, Registry, RegistryErrors};

use super::db::{dispatch, Conn, Either};
use super::{Store, StoreError};

pub use change::{RegistryChange, RegistryWrite, RegistryWriteError};
pub use requests::{RegistryRequestRow, RequestSettlement};

const SELECT_VERSION: &str = "SELECT version FROM registry_state WHERE id = 1";
const SELECT_GROUPS: &str = "SELECT * FROM registry_groups ORDER BY position, id";
const SELECT_MEMBERS: &str = "SELECT * FROM registry_members ORDER BY id";
const SELECT_COORDINATORS: &str = "SELECT * FROM registry_coordinators ORDER BY position, id";

/// A stored group; `colonias` is a JSON array. Inactive groups are kept (with their
/// members) but neither attributed nor routed to.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryGroupRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub municipality: String,
    pub colonias: String,
    pub cloud_group_id: Option<String>,
    pub active: bool,
    pub position: i64,
}

/// A stored member; `phone` is canonical E.164. Inactive members are not attributed.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryMemberRow {
    pub id: i64,
    pub group_id: String,
    pub name: String,
    pub phone: Option<String>,
    pub bsuid: Option<String>,
    pub role: String,
    pub active: bool,
}

/// A stored coordinator; `roles` and `shifts` are JSON as `registry dump` writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryCoordinatorRow {
    pub id: String,
    pub region: String,
    pub name: String,
    pub phone: Option<String>,
    pub bsuid: Option<String>,
    pub roles: String,
    pub shifts: String,
    pub position: i64,
    /// Inactive coordinators are neither notified nor escalated to.
    pub active: bool,
}

/// Every stored row of the registry at one version.
#[derive(Debug, Clone, Default)]
pub struct RegistrySnapshot {
    pub version: i64,
    pub groups: Vec<RegistryGroupRow>,
    pub members: Vec<RegistryMemberRow>,
    pub coordinators: Vec<RegistryCoordinatorRow>,
}

impl RegistrySnapshot {
    /// Nothing stored yet: a new database, to be seeded from `config/registry/`.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.coordinators.is_empty()
    }

    /// The in-memory registry of the active groups and members and every coordinator, on
    /// the configured `regions`, validated as `check-config` validates files.
    pub fn build(&self, regions: &[Region]) -> Result<Registry, RegistryErrors> {
        convert::build(self, regions)
    }
}

impl Store {
    /// The stored registry version (a cheap poll: one row by primary key).
    pub async fn registry_version(&self) -> Result<i64, StoreError> {
        let (v,): (i64,) = dispatch!(&self.pool, |p| sqlx::query_as(SELECT_VERSION)
            .fetch_one(p)
            .await)?;
        Ok(v)
    }

    /// Every stored row, consistent with one version: the version is read before and after
    /// the rows, and a write in between (which bumps it in the same transaction) makes the
    /// read start over.
    pub async fn registry_snapshot(&self) -> Result<RegistrySnapshot, StoreError> {
        loop {
            let version = self.registry_version().await?;
            let mut snapshot = match &self.pool {
                Either::Sqlite(p) => {
                    let mut c = p.acquire().await?;
                    read_rows(Either::Sqlite(&mut c)).await?
                }
                Either::Postgres(p) => {
                    let mut c = p.acquire().await?;
                    read_rows(Either::Postgres(&mut c)).await?
                }
            };
            if self.registry_version().await? == version {
                snapshot.version = version;
                return Ok(snapshot);
            }
        }
    }
}

const LAST_ACTIVITY: &str = "\
SELECT group_ref, MAX(sent_at) FROM inbound_messages WHERE group_ref IS NOT NULL
GROUP BY group_ref";

impl Store {
    /// When each group last wrote (its newest stored message), by registry group id.
    pub async fn group_last_activity(
        &self,
    ) -> Result<std::collections::HashMap<String, DateTime<Utc>>, StoreError> {
        let rows: Vec<(String, DateTime<Utc>)> = dispatch!(&self.pool, |p| {
            sqlx::query_as(LAST_ACTIVITY).fetch_all(p).await
        })?;
        Ok(rows.into_iter().collect())
    }
}

/// The rows, read on one connection (inside a write transaction, or a pooled one).
async fn read_rows(mut conn: Conn<'_>) -> Result<RegistrySnapshot, sqlx::Error> {
    let groups = dispatch!(&mut conn, |c| sqlx::query_as(SELECT_GROUPS)
        .fetch_all(&mut **c)
        .await)?;
    let members = dispatch!(&mut conn, |c| sqlx::query_as(SELECT_MEMBERS)
        .fetch_all(&mut **c)
        .await)?;
    let coordinators = dispatch!(&mut conn, |c| sqlx::query_as(SELECT_COORDINATORS)
        .fetch_all(&mut **c)
        .await)?;
    Ok(RegistrySnapshot {
        version: 0,
        groups,
        members,
        coordinators,
    })
}
