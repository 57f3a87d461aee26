//! Personal data of citizens under the LGPDPPSO: pseudonyms, the privacy notice, retention,
//! and access/erasure (ARCO) requests. See `../shared/reference/domain-mx.md` §4.

pub mod arco;
pub mod pseudonym;
pub mod retention;

pub use pseudonym::{short, Identity, Pseudonymizer};

use std::sync::Arc;

use crate::config::Config;
use crate::store::blobs::BlobStore;
use crate::store::Store;

/// What access, erasure and retention work with: the store, the pseudonym key, the media
/// files, and the settings (retention periods). The web layer builds it from its state.
#[derive(Clone)]
pub struct Privacy {
    pub store: Arc<Store>,
    pub pseudonyms: Arc<Pseudonymizer>,
    pub blobs: Arc<BlobStore>,
    pub config: Arc<Config>,
}

/// The deployment's pseudonymizer: `ALERTA_PSEUDONYM_KEY`, or a key derived from the app
/// secret (both come from the environment only). Without either there is nothing secret
/// to key it with, so the service refuses to start rather than store guessable pseudonyms.
pub fn pseudonymizer(config: &crate::config::Config) -> anyhow::Result<Pseudonymizer> {
    use hmac::{Hmac, Mac};
    if let Some(k) = &config.pseudonym_key {
        return Ok(Pseudonymizer::new(k.expose().as_bytes()));
    }
    let secret = config.whatsapp.app_secret.as_ref().ok_or_else(|| {
        anyhow::anyhow!("falta ALERTA_PSEUDONYM_KEY (o WHATSAPP_APP_SECRET) para seudonimizar")
    })?;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes any key length");
    mac.update(b"alerta pseudonym key v1");
    Ok(Pseudonymizer::new(&mac.finalize().into_bytes()))
}
