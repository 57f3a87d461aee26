//! Phone parsing and masking.

use super::super::{mask_bsuid, Phone, PhoneError};
use proptest::prelude::*;

fn canon(s: &str) -> String {
    Phone::parse(s)
        .map(|p| p.to_string())
        .unwrap_or_else(|e| format!("ERR {e:?}"))
}

#[test]
fn mexican_forms_normalise_to_the_same_number() {
    for input in [
        "+526621000101",
        "526621000101",
        "5216621000101",
        "+5216621000101",
        "6621000101",
        "+52 662 100 0101",
        "662-100-0101",
        "(662) 100.01.01",
        "  +52 1 662 100 0101 ",
    ] {
        assert_eq!(canon(input), "+526621000101", "input {input:?}");
    }
}

#[test]
fn international_numbers_need_a_plus() {
    assert_eq!(canon("+1 415 555 0123"), "+14155550123");
    assert_eq!(canon("+34 600 123 456"), "+34600123456");
    assert_eq!(
        Phone::parse("14155550123"),
        Err(PhoneError::MissingCountryCode)
    );
    assert_eq!(Phone::parse("+0123456789"), Err(PhoneError::CountryCode));
    assert_eq!(
        Phone::parse("+1234567"),
        Err(PhoneError::InternationalLength(7))
    );
    assert_eq!(
        Phone::parse("+1234567890123456"),
        Err(PhoneError::InternationalLength(16))
    );
}

#[test]
fn invalid_numbers_are_rejected() {
    assert_eq!(Phone::parse(""), Err(PhoneError::Empty));
    assert_eq!(Phone::parse(" + "), Err(PhoneError::Empty));
    assert_eq!(
        Phone::parse("662 1OO 0101"),
        Err(PhoneError::InvalidCharacter)
    );
    assert_eq!(
        Phone::parse("+52+6621000101"),
        Err(PhoneError::InvalidCharacter)
    );
    assert_eq!(
        Phone::parse("+52 662 100 01"),
        Err(PhoneError::MexicanLength(8))
    );
    assert_eq!(
        Phone::parse("+52 66210001011"),
        Err(PhoneError::MexicanLength(11))
    );
    assert_eq!(Phone::parse("0621000101"), Err(PhoneError::MexicanPrefix));
    assert_eq!(Phone::parse("12345"), Err(PhoneError::MissingCountryCode));
}

#[test]
fn wa_ids_of_other_countries_resolve() {
    let us = Phone::from_wa_id("14155550123").unwrap();
    assert_eq!(us.as_str(), "+14155550123");
    assert_eq!(
        Phone::from_wa_id("5216621000101").unwrap().as_str(),
        "+526621000101"
    );
    assert!(Phone::from_wa_id("abc").is_err());
}

#[test]
fn masking_hides_the_middle() {
    let p = Phone::parse("+526621000101").unwrap();
    assert_eq!(p.masked(), "+52 ••• ••• 0101");
    assert_eq!(format!("{p:?}"), "Phone(+52 ••• ••• 0101)");
    assert_eq!(p.to_string(), "+526621000101");
    assert_eq!(
        Phone::parse("+14155550123").unwrap().masked(),
        "+1 ••• ••• 0123"
    );
    assert_eq!(
        Phone::parse("+50212345678").unwrap().masked(),
        "+502 ••• ••• 5678"
    );
    assert_eq!(mask_bsuid("MX.4810000000000000101"), "MX.48…0101");
    assert_eq!(mask_bsuid("MX.12345678"), "MX.…5678");
    assert_eq!(mask_bsuid("MX.123"), "MX.…");
    assert_eq!(mask_bsuid("ABCDEFGHIJKL"), "AB…IJKL");
}

#[test]
fn serde_uses_the_canonical_string() {
    let p: Phone = serde_json::from_str("\"521 662 100 0101\"").unwrap();
    assert_eq!(serde_json::to_string(&p).unwrap(), "\"+526621000101\"");
    assert!(serde_json::from_str::<Phone>("\"hola\"").is_err());
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,24}") {
        let _ = Phone::parse(&s);
        let _ = Phone::from_wa_id(&s);
    }

    #[test]
    fn parse_is_idempotent(s in "[+]?[0-9 ()-]{0,20}") {
        if let Ok(p) = Phone::parse(&s) {
            prop_assert_eq!(Phone::parse(p.as_str()), Ok(p.clone()));
            prop_assert!(p.masked().ends_with(&p.as_str()[p.as_str().len() - 4..]));
        }
    }

    #[test]
    fn mexican_numbers_round_trip(n in 2_000_000_000u64..10_000_000_000u64) {
        let p = Phone::parse(&format!("521{n}")).unwrap();
        prop_assert_eq!(p.as_str(), format!("+52{n}"));
        prop_assert_eq!(Phone::parse(p.as_str()), Ok(p));
    }
}
