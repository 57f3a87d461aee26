//! Folio formatting, strict parsing and detection in free text.

use proptest::prelude::*;

use super::{find_folios, Folio, ParseFolioError};

fn f(state: &str, year: i32, seq: i64) -> Folio {
    Folio::new(state, year, seq)
}

#[test]
fn display_pads_and_widens() {
    let cases = [
        (f("SON", 2026, 123), "SON-2026-000123"),
        (f("son", 2026, 1), "SON-2026-000001"),
        (f("Slp", 2027, 999_999), "SLP-2027-999999"),
        (f("SON", 2026, 1_000_000), "SON-2026-1000000"),
        (f("SON", 2026, 123_456_789), "SON-2026-123456789"),
        (f("QRO", 987, 5), "QRO-0987-000005"),
        (
            Folio {
                state: "zac".into(),
                year: 2026,
                seq: 42,
            },
            "ZAC-2026-000042",
        ),
    ];
    for (folio, expected) in cases {
        assert_eq!(folio.to_string(), expected);
    }
    assert_eq!(f("son", 2026, 1), f("SON", 2026, 1));
}

#[test]
fn from_str_accepts_only_the_exact_form() {
    let ok = [
        ("SON-2026-000123", f("SON", 2026, 123)),
        ("son-2026-123", f("SON", 2026, 123)),
        ("Slp-2027-1", f("SLP", 2027, 1)),
        ("AB-2026-1", f("AB", 2026, 1)),
        ("ABCD-2026-000001", f("ABCD", 2026, 1)),
        ("SON-2026-123456789", f("SON", 2026, 123_456_789)),
        ("SON-2026-000000001", f("SON", 2026, 1)),
    ];
    for (text, expected) in ok {
        assert_eq!(text.parse::<Folio>(), Ok(expected), "{text}");
    }
    let bad = [
        "",
        "SON",
        "SON-2026",
        "SON-2026-",
        "SON-2026-0",
        "SON-2026-000000",
        "SON-2026-1234567890",
        "SON-26-123",
        "SON-02026-1",
        "S-2026-1",
        "SONOR-2026-1",
        "SON 2026 000123",
        "SON_2026_1",
        " SON-2026-1",
        "SON-2026-1 ",
        "SON-2026-+1",
        "SON-2026--1",
        "SON-2026-1-2",
        "SÓN-2026-1",
        "S0N-2026-1",
        "SON-2026-١٢٣",
        "SON-２０２６-1",
    ];
    for text in bad {
        assert_eq!(text.parse::<Folio>(), Err(ParseFolioError), "{text:?}");
    }
    let message = "6621000101".parse::<Folio>().unwrap_err().to_string();
    assert!(message.starts_with("folio inválido") && !message.contains("6621000101"));
}

#[test]
fn finds_folios_as_people_type_them() {
    const SON: &[&str] = &["SON-2026-000123"];
    let cases: &[(&str, &[&str])] = &[
        ("¿Qué pasó con el folio SON-2026-000123?", SON),
        ("son-2026-123", SON),
        ("Son-2026-000123, gracias", SON),
        ("SON 2026 000123", SON),
        ("SON2026000123", SON),
        ("SON-2026 000123", SON),
        ("folio son2026000123", SON),
        ("Folio: son 2026 123", SON),
        ("FOLIO #SON 2026 123", SON),
        ("folio no. son 2026 123", SON),
        ("mi folio es SON – 2026 – 123 y nada", SON),
        ("SON—2026—123", SON),
        ("SON/2026/123", SON),
        ("son_2026_123", SON),
        ("(SON-2026-000123)", SON),
        ("«SON-2026-000123».", SON),
        ("folio#SON-2026-123", SON),
        ("ref:SON-2026-123", SON),
        ("SON-2026-000123\u{a0}ok", SON),
        (
            "SON-2026-000123 y SLP-2026-000007; otra vez son-2026-123",
            &["SON-2026-000123", "SLP-2026-000007"],
        ),
        ("SLP-2027-1000000", &["SLP-2027-1000000"]),
        (
            "AB-2026-1 ABCD-2026-2",
            &["AB-2026-000001", "ABCD-2026-000002"],
        ),
    ];
    for (text, expected) in cases {
        let got: Vec<String> = find_folios(text).iter().map(ToString::to_string).collect();
        assert_eq!(got, *expected, "{text:?}");
    }
}

#[test]
fn ignores_phone_numbers_dates_and_prose() {
    let texts = [
        "",
        "llámenme al 662 109 0001 o al +52 (662) 100-0101",
        "cel 6621090001",
        "TEL 2026001234",
        "CEL 2026 001234",
        "NO 2026 123456",
        "el 15-03-2026 a las 10:30",
        "nos vemos el vie-2026-03-15",
        "el 5 de marzo de 2026 15 personas",
        "el presupuesto de 2026 150000 pesos",
        "son 2026 pesos",
        "son 2026 000123",
        "SON 2026 123",
        "SON-2026-0001234567",
        "SON-2026-000000",
        "SON-1999-000123",
        "SON-2026-12:30",
        "SON-2026-000123-4",
        "12-SON-2026-000123",
        "ABCDE-2026-1",
        "SON2026",
        "SÓN-2026-1",
        "SON-２０２６-1",
        "2026-03-15T10:00:00Z",
        "mi portafolio son 2026 123",
    ];
    for text in texts {
        assert_eq!(find_folios(text), [], "{text:?}");
    }
}

proptest! {
    #[test]
    fn parse_of_display_round_trips(
        state in "[A-Za-z]{2,4}",
        year in 1000i32..=9999,
        seq in 1i64..=999_999_999,
    ) {
        let folio = Folio::new(&state, year, seq);
        let text = folio.to_string();
        prop_assert_eq!(text.parse::<Folio>(), Ok(folio.clone()));
        prop_assert_eq!(text.to_lowercase().parse::<Folio>(), Ok(folio));
    }

    #[test]
    fn printed_folios_are_found_in_text(
        state in "[A-Z]{2,4}",
        year in 2000i32..=2099,
        seq in 1i64..=999_999_999,
        before in "[a-z ,.¿¡]{0,12}",
        after in "[a-z ,.?!]{0,12}",
    ) {
        let folio = Folio::new(&state, year, seq);
        let text = format!("{before} {folio} {after}");
        prop_assert_eq!(find_folios(&text), vec![folio]);
    }

    #[test]
    fn find_folios_never_panics(text in "\\PC{0,200}") {
        for folio in find_folios(&text) {
            prop_assert!(folio.seq > 0);
        }
    }

    #[test]
    fn find_folios_never_panics_on_folio_like_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("SON".to_owned()), Just("son".to_owned()), Just("folio".to_owned()),
                Just("-".to_owned()), Just("–".to_owned()), Just(" ".to_owned()),
                Just("2026".to_owned()), Just("000123".to_owned()), Just("ñ".to_owned()),
                Just("\u{a0}".to_owned()), Just(":".to_owned()), "[0-9]{1,11}",
            ],
            0..16,
        )
    ) {
        let text = parts.concat();
        let found = find_folios(&text);
        let unique: std::collections::HashSet<&Folio> = found.iter().collect();
        prop_assert_eq!(found.len(), unique.len());
    }
}
