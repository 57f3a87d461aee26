//! Arbitrary secret, `X-Hub-Signature-256` header and body. The header comes straight from
//! the network before any authentication, so verification must never panic, and it must
//! accept only the one digest HMAC-SHA256 gives for the body.
#![no_main]

use alerta::whatsapp::signature::sign;
use alerta::whatsapp::verify_signature;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&[u8], Option<&str>, &[u8])| {
    let (secret, header, body) = input;
    let expected = sign(secret, body);
    if verify_signature(secret, header, body).is_ok() {
        // Accepted: the header must be our digest, up to surrounding whitespace and the
        // letter case of the hex digits (Meta sends lower case; upper case is tolerated).
        let given = header.map(str::trim).unwrap_or_default();
        assert!(
            given.starts_with("sha256=") && given.eq_ignore_ascii_case(&expected),
            "accepted a header that is not the digest: {header:?} vs {expected}"
        );
    }
    // The round trip must always hold, whatever the secret and body.
    assert!(verify_signature(secret, Some(&expected), body).is_ok());
});
