//! Tests of the parent module.
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
