//! Content-addressed local store for downloaded media: `dir/ab/cd/<sha256 hex>`.
//!
//! Blobs are named by the SHA-256 of their bytes, so storing the same photo twice costs
//! nothing, and a name can never point at different content. Writes go to a temp file in the
//! final directory, are fsynced, then renamed, so a crash never leaves a truncated file under
//! a blob name. Nothing here logs blob contents.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// Distinguishes temp files of concurrent writers of the same content.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);
const TEMP_SUFFIX: &str = ".tmp";

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob of {size} bytes exceeds the per-file limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error(
        "blob store full: {size} more bytes would exceed the {limit}-byte total ({used} used)"
    )]
    Full { size: u64, used: u64, limit: u64 },
    #[error("invalid blob id: expected 64 lowercase hex characters")]
    InvalidId,
    #[error("blob store I/O error: {0}")]
    Io(#[from] io::Error),
}

/// Where a blob ended up; `created` is false when identical content was already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    pub path: PathBuf,
    pub created: bool,
}

#[derive(Debug)]
pub struct BlobStore {
    dir: PathBuf,
    max_file_bytes: u64,
    max_total_bytes: u64,
    /// Bytes stored plus bytes reserved by writes in flight, so concurrent puts cannot
    /// jointly overshoot the limit.
    total: AtomicU64,
    /// Serialises "does the final name exist? then rename" and removals, so the same
    /// content written twice at once is counted once.
    commit: tokio::sync::Mutex<()>,
}

impl BlobStore {
    /// Creates `dir` if needed and sums the blobs already in it. Temp files left by a crash
    /// are half-written by definition, so they are deleted here. Blocking: call it at
    /// startup or inside `spawn_blocking`.
    pub fn open(dir: PathBuf, max_file_bytes: u64, max_total_bytes: u64) -> io::Result<BlobStore> {
        std::fs::create_dir_all(&dir)?;
        let total = scan(&dir)?;
        Ok(BlobStore {
            dir,
            max_file_bytes,
            max_total_bytes,
            total: AtomicU64::new(total),
            commit: tokio::sync::Mutex::new(()),
        })
    }

    pub fn total_bytes(&self) -> u64 {
        self.total.load(Ordering::SeqCst)
    }

    pub async fn put(&self, bytes: &[u8]) -> Result<StoredBlob, BlobError> {
        let size = bytes.len() as u64;
        if size > self.max_file_bytes {
            return Err(BlobError::TooLarge {
                size,
                limit: self.max_file_bytes,
            });
        }
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.path_for(&sha256);
        let stored = |created| StoredBlob {
            sha256: sha256.clone(),
            size,
            path: path.clone(),
            created,
        };
        // Fast path for duplicates, so a full store still accepts content it already holds.
        if tokio::fs::try_exists(&path).await? {
            return Ok(stored(false));
        }
        let shard = path.parent().unwrap_or(&self.dir);
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = shard.join(format!(".{sha256}.{}.{n}{TEMP_SUFFIX}", std::process::id()));
        let mut pending = self.reserve(size, temp.clone())?;
        tokio::fs::create_dir_all(shard).await?;
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        drop(file);

        let _guard = self.commit.lock().await;
        if tokio::fs::try_exists(&path).await? {
            // Another writer got there first; `pending` drops our copy and reservation.
            return Ok(stored(false));
        }
        tokio::fs::rename(&temp, &path).await?;
        pending.keep();
        sync_dir(shard).await;
        Ok(stored(true))
    }

    /// Opens a blob for streaming, or `None` if it is not stored.
    pub async fn open_blob(&self, sha256: &str) -> Result<Option<tokio::fs::File>, BlobError> {
        let path = self.checked_path(sha256)?;
        not_found_as_none(tokio::fs::File::open(path).await)
    }

    pub async fn read(&self, sha256: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let path = self.checked_path(sha256)?;
        not_found_as_none(tokio::fs::read(path).await)
    }

    /// Deletes a blob; returns whether it existed.
    pub async fn remove(&self, sha256: &str) -> Result<bool, BlobError> {
        let path = self.checked_path(sha256)?;
        let _guard = self.commit.lock().await;
        let Some(meta) = not_found_as_none(tokio::fs::metadata(&path).await)? else {
            return Ok(false);
        };
        if not_found_as_none(tokio::fs::remove_file(&path).await)?.is_none() {
            return Ok(false);
        }
        self.release(meta.len());
        Ok(true)
    }

    /// Rejects anything but a lowercase hex digest before it can reach the filesystem,
    /// which rules out `..`, separators and case-aliased names.
    fn checked_path(&self, sha256: &str) -> Result<PathBuf, BlobError> {
        if is_blob_name(sha256) {
            Ok(self.path_for(sha256))
        } else {
            Err(BlobError::InvalidId)
        }
    }

    fn path_for(&self, sha256: &str) -> PathBuf {
        self.dir
            .join(&sha256[0..2])
            .join(&sha256[2..4])
            .join(sha256)
    }

    fn reserve(&self, size: u64, temp: PathBuf) -> Result<Pending<'_>, BlobError> {
        let limit = self.max_total_bytes;
        self.total
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                used.checked_add(size).filter(|&t| t <= limit)
            })
            .map_err(|used| BlobError::Full { size, used, limit })?;
        Ok(Pending {
            store: self,
            size,
            temp,
            armed: true,
        })
    }

    fn release(&self, size: u64) {
        let _ = self
            .total
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_sub(size))
            });
    }
}

/// A reservation plus temp file that are undone on drop unless kept, so an error or a
/// cancelled `put` future leaks neither space accounting nor files.
struct Pending<'a> {
    store: &'a BlobStore,
    size: u64,
    temp: PathBuf,
    armed: bool,
}

impl Pending<'_> {
    fn keep(&mut self) {
        self.armed = false;
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.store.release(self.size);
            // Blocking, but a single unlink; Drop cannot await. The file may not exist yet.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

fn is_blob_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn not_found_as_none<T>(result: io::Result<T>) -> Result<Option<T>, BlobError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Makes the rename itself durable. Best effort: the blob is already complete and in place,
/// so failing the put here would only make the caller retry a stored blob.
async fn sync_dir(dir: &Path) {
    let dir = dir.to_path_buf();
    let synced = tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all()).await;
    if !matches!(synced, Ok(Ok(()))) {
        tracing::warn!("could not fsync a blob directory after rename");
    }
}

/// Sums blob sizes under `dir`, deleting leftover temp files on the way.
fn scan(dir: &Path) -> io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if kind.is_dir() {
            total += scan(&entry.path())?;
        } else if kind.is_file() && is_blob_name(&name) {
            total += entry.metadata()?.len();
        } else if kind.is_file() && name.starts_with('.') && name.ends_with(TEMP_SUFFIX) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(total)
}

#[cfg(test)]
#[path = "blobs_tests.rs"]
mod tests;
