//! Media the fake Graph API serves.

use crate::fake_graph::FakeMedia;

pub fn sha_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// `FakeMedia` for `bytes`, with their true hash.
pub fn fake_media(bytes: Vec<u8>, mime: &str) -> FakeMedia {
    FakeMedia {
        declared_sha256: sha_hex(&bytes),
        mime: mime.into(),
        bytes,
        status: None,
    }
}
