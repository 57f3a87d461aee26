//! `X-Hub-Signature-256` verification and the GET handshake token compare.
//!
//! Meta signs the body exactly as sent (non-ASCII escaped as `\u00e9`, `/` as `\/`), so the
//! HMAC must run over the raw bytes before any parsing.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was rejected; the HTTP layer turns every variant into 401.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("falta el encabezado X-Hub-Signature-256")]
    Missing,
    #[error("el encabezado X-Hub-Signature-256 no tiene la forma sha256=<hex>")]
    Malformed,
    #[error("la firma no corresponde al cuerpo recibido")]
    Mismatch,
}

/// Checks `header` (the value of `X-Hub-Signature-256`) against HMAC-SHA256(`secret`, `body`).
/// The comparison is constant-time (`verify_slice`).
pub fn verify_signature(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex_digest = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    // Meta sends lowercase hex; accept uppercase too since decoding is case-insensitive.
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    if expected.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// Computes the header value Meta would send for `body`; used by `alerta simulate` and tests.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Constant-time comparison of the handshake's `hub.verify_token` with ours.
pub fn verify_token_matches(expected: &str, given: &str) -> bool {
    // ct_eq on slices of different length returns false without leaking where they differ.
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_round_trip() {
        let header = sign(b"k", b"{}");
        assert_eq!(verify_signature(b"k", Some(&header), b"{}"), Ok(()));
        assert_eq!(
            verify_signature(b"other", Some(&header), b"{}"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"k", Some(&header), b"{ }"),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_headers_are_rejected() {
        for bad in ["", "sha1=abcd", "sha256=zz", "sha256=abcd", "abc"] {
            assert_eq!(
                verify_signature(b"k", Some(bad), b"{}"),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            verify_signature(b"k", None, b"{}"),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn token_compare() {
        assert!(verify_token_matches("abc", "abc"));
        assert!(!verify_token_matches("abc", "abd"));
        assert!(!verify_token_matches("abc", "ab"));
        assert!(!verify_token_matches("abc", ""));
    }
}
