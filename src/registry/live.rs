//! The registry every request reads, swapped whole when the stored registry changes.
//!
//! Intake must never wait on the database to attribute a message, so lookups stay in memory:
//! readers take the current snapshot (an `Arc` clone under a read lock held for nanoseconds)
//! and keep using it for the whole message even if a reload lands meanwhile. A reload builds
//! and validates the new registry first and only then swaps it in, so readers never see a
//! half-built one.

use std::sync::{Arc, RwLock};

use super::Registry;

/// A shared, replaceable registry snapshot with the stored version it was built from.
#[derive(Clone)]
pub struct SharedRegistry {
    inner: Arc<RwLock<Snapshot>>,
}

struct Snapshot {
    version: i64,
    registry: Arc<Registry>,
}

impl SharedRegistry {
    pub fn new(registry: Registry, version: i64) -> SharedRegistry {
        SharedRegistry {
            inner: Arc::new(RwLock::new(Snapshot {
                version,
                registry: Arc::new(registry),
            })),
        }
    }

    /// The registry to use for one unit of work (a message, a page, an escalation pass).
    pub fn current(&self) -> Arc<Registry> {
        self.read(|s| s.registry.clone())
    }

    /// The stored registry version the current snapshot was built from.
    pub fn version(&self) -> i64 {
        self.read(|s| s.version)
    }

    /// Installs `registry` built from stored `version`, unless a newer one is already in
    /// place (two reloads racing must not go back in time). Returns whether it was installed.
    pub fn install(&self, registry: Registry, version: i64) -> bool {
        let mut s = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if version < s.version {
            return false;
        }
        s.version = version;
        s.registry = Arc::new(registry);
        true
    }

    fn read<T>(&self, f: impl FnOnce(&Snapshot) -> T) -> T {
        // A panic while holding the lock cannot leave a snapshot half-written (install
        // assigns whole values), so a poisoned lock is still safe to read.
        f(&self.inner.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl From<Registry> for SharedRegistry {
    fn from(registry: Registry) -> SharedRegistry {
        SharedRegistry::new(registry, 0)
    }
}

impl std::fmt::Debug for SharedRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedRegistry(v{})", self.version())
    }
}
