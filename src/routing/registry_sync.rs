//! Keeping every replica's in-memory registry in step with the stored one.
//!
//! Attribution and routing read a [`SharedRegistry`] snapshot and never the database. Each
//! replica polls the stored registry version (one row by primary key) and, when it moved,
//! reads the rows, validates and swaps in a new snapshot; a write made here is installed at
//! once, without waiting for the poll. A stored registry that fails validation (regions
//! edited in configuration under stored groups, rows edited by hand) is logged and the
//! previous snapshot kept, so a bad row never stops intake.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::registry::{Coordinator, Registry, RegistryErrors, SharedRegistry};
use crate::store::{RegistryChange, RegistryWrite, RegistryWriteError, Store, StoreError};

/// The stored registry, the configured regions it is validated on, and this replica's copy.
#[derive(Clone)]
pub struct RegistrySync {
    pub store: Arc<Store>,
    /// The registry read from `config/registry/`: its regions are the geography every stored
    /// group is checked against; its groups and coordinators seed an empty database.
    pub configured: Arc<Registry>,
    pub shared: SharedRegistry,
}

/// Why the registry could not be opened at start-up.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("el registro almacenado no es válido:\n{0}")]
    Invalid(RegistryErrors),
}

impl RegistrySync {
    /// Seeds an empty database from `configured`, then loads the stored registry.
    pub async fn open(
        store: Arc<Store>,
        configured: Registry,
        now: DateTime<Utc>,
    ) -> Result<RegistrySync, OpenError> {
        let coordinators: Vec<(String, Coordinator)> = configured
            .regions()
            .iter()
            .flat_map(|r| r.coordinators.iter().map(|c| (r.id.clone(), c.clone())))
            .collect();
        let seeded = store
            .seed_registry(
                configured.regions(),
                coordinators,
                configured.groups().to_vec(),
                now,
            )
            .await;
        match seeded {
            Ok(Some(w)) => {
                tracing::info!(version = w.version, "registry seeded from configuration")
            }
            Ok(None) => {}
            Err(RegistryWriteError::Invalid(e)) => return Err(OpenError::Invalid(e)),
            Err(RegistryWriteError::Store(e)) => return Err(OpenError::Store(e)),
            Err(RegistryWriteError::NotFound(m)) => {
                return Err(OpenError::Store(StoreError::Other(m)))
            }
        }
        let snapshot = store.registry_snapshot().await?;
        let registry = snapshot
            .build(configured.regions())
            .map_err(OpenError::Invalid)?;
        Ok(RegistrySync {
            store,
            configured: Arc::new(configured),
            shared: SharedRegistry::new(registry, snapshot.version),
        })
    }

    /// Applies `change` and installs the result here at once (other replicas follow on
    /// their next poll).
    pub async fn change(
        &self,
        change: RegistryChange,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<RegistryWrite, RegistryWriteError> {
        let written = self
            .store
            .change_registry(self.configured.regions(), change, actor, at)
            .await?;
        if let Err(e) = self.refresh().await {
            tracing::warn!(error = %e, "registry reload after a write failed");
        }
        Ok(written)
    }

    /// Reloads if the stored version moved past this replica's; returns whether it did.
    pub async fn refresh(&self) -> Result<bool, StoreError> {
        if self.store.registry_version().await? <= self.shared.version() {
            return Ok(false);
        }
        let snapshot = self.store.registry_snapshot().await?;
        match snapshot.build(self.configured.regions()) {
            Ok(registry) => Ok(self.shared.install(registry, snapshot.version)),
            Err(errors) => {
                // Error messages name groups and ids, never phones (see registry::phone).
                tracing::error!(
                    version = snapshot.version,
                    errors = errors.len(),
                    first = %errors.iter().next().map(|e| e.message.as_str()).unwrap_or(""),
                    "stored registry is invalid; keeping the previous one"
                );
                Ok(false)
            }
        }
    }

    /// Polls every `poll` until `shutdown`.
    pub async fn run(self, poll: Duration, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(poll) => {},
            }
            match self.refresh().await {
                Ok(true) => tracing::info!(
                    version = self.shared.version(),
                    registry = %self.shared.current().summary(),
                    "registry reloaded"
                ),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "registry version poll failed"),
            }
        }
    }
}
