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
mod tests {
    use super::*;
    use std::sync::Arc;
    use tokio::io::AsyncReadExt;

    fn store(dir: &Path, max_file: u64, max_total: u64) -> BlobStore {
        BlobStore::open(dir.join("blobs"), max_file, max_total).unwrap()
    }

    fn sha(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    #[tokio::test]
    async fn put_read_round_trip_uses_sharded_layout() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path(), 1024, 4096);
        let blob = s.put(b"nota de voz").await.unwrap();
        let id = sha(b"nota de voz");
        assert_eq!(blob.sha256, id);
        assert_eq!((blob.size, blob.created), (11, true));
        let expected = tmp
            .path()
            .join("blobs")
            .join(&id[..2])
            .join(&id[2..4])
            .join(&id);
        assert_eq!(blob.path, expected);
        assert_eq!(std::fs::read(&expected).unwrap(), b"nota de voz");
        // Only the blob is left in its directory: the temp file was renamed, not copied.
        assert_eq!(
            std::fs::read_dir(expected.parent().unwrap())
                .unwrap()
                .count(),
            1
        );
        assert_eq!(s.read(&id).await.unwrap().unwrap(), b"nota de voz");
        let mut streamed = Vec::new();
        let mut file = s.open_blob(&id).await.unwrap().unwrap();
        file.read_to_end(&mut streamed).await.unwrap();
        assert_eq!(streamed, b"nota de voz");
        assert_eq!(s.total_bytes(), 11);
        assert!(s.read(&sha(b"missing")).await.unwrap().is_none());
        assert!(s.open_blob(&sha(b"missing")).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn duplicate_puts_are_counted_once() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Arc::new(store(tmp.path(), 1024, 4096));
        assert!(s.put(b"foto").await.unwrap().created);
        assert!(!s.put(b"foto").await.unwrap().created);
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move { s.put(b"misma foto").await.unwrap().created })
            })
            .collect();
        let mut created = 0;
        for task in tasks {
            created += usize::from(task.await.unwrap());
        }
        assert_eq!(created, 1, "exactly one concurrent writer creates the blob");
        assert_eq!(s.total_bytes(), 4 + 10);
    }

    #[tokio::test]
    async fn per_file_limit_is_enforced() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path(), 10, 4096);
        let err = s.put(&[7u8; 11]).await.unwrap_err();
        assert!(
            matches!(
                err,
                BlobError::TooLarge {
                    size: 11,
                    limit: 10
                }
            ),
            "{err}"
        );
        assert_eq!(s.total_bytes(), 0);
        assert!(s.put(&[7u8; 10]).await.is_ok());
    }

    #[tokio::test]
    async fn total_limit_reports_full_but_accepts_duplicates() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path(), 100, 10);
        s.put(b"seis b").await.unwrap();
        let err = s.put(b"otro 6").await.unwrap_err();
        assert!(
            matches!(
                err,
                BlobError::Full {
                    size: 6,
                    used: 6,
                    limit: 10
                }
            ),
            "{err}"
        );
        assert_eq!(s.total_bytes(), 6, "a refused put releases its reservation");
        assert!(s.read(&sha(b"otro 6")).await.unwrap().is_none());
        assert!(!s.put(b"seis b").await.unwrap().created);
    }

    #[tokio::test]
    async fn remove_decrements_the_total() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path(), 100, 100);
        s.put(b"uno").await.unwrap();
        s.put(b"dos!").await.unwrap();
        assert!(s.remove(&sha(b"uno")).await.unwrap());
        assert_eq!(s.total_bytes(), 4);
        assert!(s.read(&sha(b"uno")).await.unwrap().is_none());
        assert!(
            !s.remove(&sha(b"uno")).await.unwrap(),
            "second remove is a no-op"
        );
        assert_eq!(s.total_bytes(), 4);
        // The freed space is usable again.
        s.put(&[1u8; 96]).await.unwrap();
    }

    #[tokio::test]
    async fn malformed_ids_never_reach_the_filesystem() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path(), 100, 100);
        let upper = sha(b"x").to_uppercase();
        let slash = format!("ab/{}", &sha(b"x")[3..]);
        for id in ["../etc/passwd", upper.as_str(), "abcd", "", slash.as_str()] {
            assert!(
                matches!(s.read(id).await, Err(BlobError::InvalidId)),
                "{id}"
            );
            assert!(
                matches!(s.open_blob(id).await, Err(BlobError::InvalidId)),
                "{id}"
            );
            assert!(
                matches!(s.remove(id).await, Err(BlobError::InvalidId)),
                "{id}"
            );
        }
    }

    #[tokio::test]
    async fn reopen_recomputes_total_and_drops_stale_temp_files() {
        let tmp = tempfile::tempdir().unwrap();
        let s = store(tmp.path(), 100, 100);
        let blob = s.put(b"denuncia").await.unwrap();
        s.put(b"foto 2").await.unwrap();
        drop(s);
        let stale = blob
            .path
            .with_file_name(format!(".{}.1.1.tmp", blob.sha256));
        std::fs::write(&stale, b"half a fi").unwrap();
        let s = store(tmp.path(), 100, 100);
        assert_eq!(s.total_bytes(), 8 + 6);
        assert!(!stale.exists(), "crash leftovers are removed on open");
        assert_eq!(s.read(&blob.sha256).await.unwrap().unwrap(), b"denuncia");
    }
}
