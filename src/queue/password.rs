//! Checking passwords under a budget. Each argon2id check fills 19 MiB and takes tens of
//! milliseconds of CPU, so an anonymous flood of logins could otherwise start hundreds of
//! them at once: the blocking pool grows a thread per request, glibc keeps the freed arenas,
//! and the process ends at gigabytes. Here at most `workers` checks run at a time, at most
//! `queue` more wait, anything beyond is refused at once (the caller answers 503), and each
//! worker reuses one block buffer instead of allocating a fresh one per check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

/// A stored hash asking for more memory than this (1 GiB) is not checked at all: it is not
/// one of ours, and checking it would defeat the budget.
const MAX_BLOCKS: usize = 1024 * 1024;

/// Too many checks are running or waiting; try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

pub struct PasswordWork {
    inner: Arc<Inner>,
}

struct Inner {
    permits: Arc<Semaphore>,
    /// Checks admitted: running plus waiting for a permit.
    admitted: AtomicUsize,
    capacity: usize,
    /// Block buffers of finished checks, at most one per worker.
    buffers: Mutex<Vec<Vec<Block>>>,
}

/// A place among the admitted checks, given back when dropped (also when the request that
/// holds it is cancelled).
pub struct Ticket {
    inner: Arc<Inner>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.inner.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PasswordWork {
    /// `workers` 0 means half the cores (at least one): argon2 is pure CPU, and the other
    /// half keeps answering webhooks while a flood of logins is being checked.
    pub fn new(workers: usize, queue: usize) -> PasswordWork {
        let workers = if workers == 0 {
            std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
        } else {
            workers
        };
        PasswordWork {
            inner: Arc::new(Inner {
                permits: Arc::new(Semaphore::new(workers)),
                admitted: AtomicUsize::new(0),
                capacity: workers + queue,
                buffers: Mutex::new(Vec::with_capacity(workers)),
            }),
        }
    }

    /// A place in line, or `Busy` when the line is full. Synchronous, so a refusal costs
    /// nothing and the count cannot be raced past.
    pub fn admit(&self) -> Result<Ticket, Busy> {
        let inner = &self.inner;
        let before = inner.admitted.fetch_add(1, Ordering::AcqRel);
        let ticket = Ticket {
            inner: inner.clone(),
        };
        if before >= inner.capacity {
            return Err(Busy);
        }
        Ok(ticket)
    }

    /// Checks `password` against a stored PHC string (for an unknown name the caller passes
    /// a hash nobody has, so the answer costs the same time).
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, Busy> {
        let ticket = self.admit()?;
        let permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Busy)?;
        let inner = self.inner.clone();
        // The permit and ticket move into the blocking task: if the request is dropped
        // mid-check, the check still holds its place until it really ends.
        let task = tokio::task::spawn_blocking(move || {
            let mut memory = inner
                .buffers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop()
                .unwrap_or_default();
            let ok = verify_with(&mut memory, password.as_bytes(), &phc);
            inner
                .buffers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(memory);
            drop((permit, ticket));
            ok
        });
        Ok(task.await.unwrap_or(false))
    }
}

/// argon2 verification into caller-owned memory, grown to the largest hash seen so far.
/// Same result as `Argon2::verify_password`; the comparison is constant-time.
pub fn verify_with(memory: &mut Vec<Block>, password: &[u8], phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return false;
    };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        return false;
    }
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, &mut out, &mut memory[..blocks])
        .is_ok()
        && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, SaltString};

    fn cheap_hash(password: &str, m_cost: u32) -> String {
        let params = Params::new(m_cost, 1, 1, None).unwrap();
        let salt = SaltString::encode_b64(b"sal-de-prueba-16").unwrap();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    #[test]
    fn reused_memory_verifies_like_argon2() {
        let mut memory = Vec::new();
        let small = cheap_hash("caballo correcto", 64);
        let large = cheap_hash("otra frase larga", 256);
        assert!(verify_with(&mut memory, b"caballo correcto", &small));
        assert!(!verify_with(&mut memory, b"caballo incorrecto", &small));
        assert!(verify_with(&mut memory, b"otra frase larga", &large));
        assert_eq!(memory.len(), 256, "grown once to the larger hash");
        // A buffer dirty from a larger hash still gives the right answer for a smaller one.
        assert!(verify_with(&mut memory, b"caballo correcto", &small));
        assert!(!verify_with(&mut memory, b"x", "no es un hash"));
        let argon2i = small.replace("$argon2id$", "$argon2i$");
        assert!(!verify_with(&mut memory, b"caballo correcto", &argon2i));
    }

    #[test]
    fn admission_is_bounded() {
        let work = PasswordWork::new(1, 1);
        let first = work.admit().expect("running");
        let second = work.admit().expect("waiting");
        assert_eq!(work.admit().err(), Some(Busy));
        assert_eq!(work.admit().err(), Some(Busy), "a refusal takes no place");
        drop(first);
        let third = work.admit().expect("a place came free");
        drop((second, third));
    }

    #[tokio::test]
    async fn verify_runs_and_releases_its_place() {
        let work = PasswordWork::new(1, 0);
        let hash = cheap_hash("caballo correcto", 64);
        assert_eq!(
            work.verify("caballo correcto".into(), hash.clone()).await,
            Ok(true)
        );
        assert_eq!(work.verify("no".into(), hash).await, Ok(false));
        assert!(work.admit().is_ok(), "both checks gave their place back");
    }
}
