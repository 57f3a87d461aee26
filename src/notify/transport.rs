//! How messages leave: the Graph API, or dry-run.

use sha2::{Digest, Sha256};

use crate::whatsapp::client::GraphClient;

/// How messages leave: through the Graph API, or recorded only (no access token).
pub enum Transport {
    Graph {
        client: GraphClient,
        token_fingerprint: String,
    },
    DryRun,
}

impl Transport {
    /// A short hash naming the token, so a pause for an expired token lifts when a new one
    /// is deployed, without storing the token.
    pub fn fingerprint(token: &str) -> String {
        hex::encode(&Sha256::digest(token.as_bytes())[..8])
    }
}
