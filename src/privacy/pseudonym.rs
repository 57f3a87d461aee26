//! Stable pseudonyms for reporters: a keyed hash of the phone number or BSUID. Operators,
//! exports and the privacy records see `V-7F3A2C`; the key lives only in the environment,
//! so the pseudonym cannot be reversed by someone who copies the database.

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub struct Pseudonymizer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer(***)")
    }
}

/// What identifies a person to WhatsApp.
#[derive(Debug, Clone, Copy)]
pub enum Identity<'a> {
    Phone(&'a str),
    Bsuid(&'a str),
}

impl Pseudonymizer {
    pub fn new(key: &[u8]) -> Pseudonymizer {
        Pseudonymizer { key: key.to_vec() }
    }

    /// The full keyed hash (64 hex characters): the lookup key for privacy requests.
    pub fn of(&self, who: Identity<'_>) -> String {
        let input = match who {
            Identity::Phone(p) => format!("phone:{}", canonical_phone(p)),
            Identity::Bsuid(b) => format!("bsuid:{}", b.trim()),
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(input.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The pseudonyms of a sender: by phone, then by BSUID, whichever they arrived with.
    /// The phone comes first so that a person keeps one pseudonym when Meta starts
    /// sending their BSUID too.
    pub fn of_sender(&self, phone: Option<&str>, bsuid: Option<&str>) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(p) = phone.filter(|p| p.chars().any(|c| c.is_ascii_digit())) {
            keys.push(self.of(Identity::Phone(p)));
        }
        if let Some(b) = bsuid.filter(|b| !b.trim().is_empty()) {
            keys.push(self.of(Identity::Bsuid(b)));
        }
        keys
    }
}

/// What people read: `V-` and the first six hex characters, upper case.
pub fn short(pseudonym: &str) -> String {
    let head: String = pseudonym.chars().take(6).collect();
    format!("V-{}", head.to_uppercase())
}

/// Digits only, with Mexico's old mobile "1" after the country code dropped: Meta sends
/// `5216621000101` for the number registered as `+52 662 100 0101`.
pub fn canonical_phone(p: &str) -> String {
    let digits: String = p.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("521") {
        Some(rest) if rest.len() == 10 => format!("52{rest}"),
        // A national number as people write it: Mexico's country code is implied.
        _ if digits.len() == 10 => format!("52{digits}"),
        _ => digits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_keyed_and_spelling_independent() {
        let p = Pseudonymizer::new(b"k1");
        let a = p.of(Identity::Phone("5216621000101"));
        assert_eq!(a, p.of(Identity::Phone("+52 662 100 0101")));
        assert_eq!(a, p.of(Identity::Phone("662 100 0101")));
        assert_eq!(a.len(), 64);
        assert_ne!(
            a,
            Pseudonymizer::new(b"k2").of(Identity::Phone("5216621000101"))
        );
        assert_ne!(a, p.of(Identity::Bsuid("5216621000101")));
        assert!(short(&a).starts_with("V-") && short(&a).len() == 8);
        assert!(!format!("{p:?}").contains("k1"));
        assert_eq!(p.of_sender(Some("52166"), Some("MX.1")).len(), 2);
        assert!(p.of_sender(None, Some(" ")).is_empty());
    }
}
