//! Coordinators' typed answers and quick-reply buttons.

use proptest::prelude::*;

use super::{
    button_payload, parse_action, parse_button, parse_command, CoordinatorAction,
    CoordinatorCommand, Folio,
};

use CoordinatorAction::{Acknowledge as Ack, Resolve};

#[test]
fn typed_commands() {
    let cases: &[(&str, Option<CoordinatorAction>)] = &[
        ("ok SON-2026-000123", Some(Ack)),
        ("OK son-2026-123", Some(Ack)),
        ("Ok.", None),
        ("Enterado SON-2026-000123", Some(Ack)),
        ("enterada, SON-2026-000123", Some(Ack)),
        ("Recibido SON-2026-000123 gracias", Some(Ack)),
        ("SON-2026-000123 voy", Some(Ack)),
        ("En camino SON-2026-000123", Some(Ack)),
        ("Vamos en camino al folio SON-2026-000123", Some(Ack)),
        ("De acuerdo, SON 2026 000123", Some(Ack)),
        ("10-4 SON-2026-000123", Some(Ack)),
        ("👍 SON-2026-000123", Some(Ack)),
        ("SON-2026-000123 👍🏽", Some(Ack)),
        ("okis SON2026000123", Some(Ack)),
        ("ENTERADO SON–2026–000123", Some(Ack)),
        ("ATENDIDO SON-2026-000123", Some(Resolve)),
        ("SON-2026-000123 resuelto", Some(Resolve)),
        ("Ya quedó SON-2026-000123", Some(Resolve)),
        ("ya quedo son-2026-123", Some(Resolve)),
        ("YA QUEDÓ, SON-2026-000123", Some(Resolve)),
        ("cerrado SON-2026-000123", Some(Resolve)),
        ("SON-2026-000123 ✅", Some(Resolve)),
        ("folio son2026000123 atendido", Some(Resolve)),
        (
            "Se atendió el reporte SON-2026-000123, sin novedad",
            Some(Resolve),
        ),
        // Resolve wins over acknowledge.
        ("Enterado, ya quedó atendido SON-2026-000123", Some(Resolve)),
        // A negation in another clause does not count.
        ("No, ya quedó SON-2026-000123", Some(Resolve)),
        // The same folio twice is one folio.
        ("ok SON-2026-000123 (son-2026-123)", Some(Ack)),
        // No folio, two folios, or a folio without a verb.
        ("ok", None),
        ("atendido", None),
        ("ok SON-2026-000123 y SON-2026-000124", None),
        ("SON-2026-000123", None),
        ("revisen SON-2026-000123 por favor", None),
        ("ok son 2026 123", None),
        // Negated, asked, or words that only contain a verb.
        ("aún no está atendido SON-2026-000123", None),
        ("no voy SON-2026-000123", None),
        ("SON-2026-000123 ni atendido ni nada", None),
        ("Enterado, pero no resuelto SON-2026-000123", None),
        ("¿ya quedó SON-2026-000123?", None),
        ("SON-2026-000123 ok?", None),
        ("Okupa SON-2026-000123", None),
        ("SON-2026-000123 sin resolver", None),
        (
            "Los vecinos dicen que el problema del parque de la colonia sigue igual y ya quedó \
             claro que nadie ha pasado por aquí en toda la semana, revisen el SON-2026-000123 \
             por favor y avisen qué pasó con la patrulla",
            None,
        ),
        ("", None),
    ];
    let folio = Folio::new("SON", 2026, 123);
    for (text, expected) in cases {
        let expected = expected.map(|action| CoordinatorCommand {
            action,
            folio: folio.clone(),
        });
        assert_eq!(parse_command(text), expected, "{text:?}");
    }
}

#[test]
fn actions_without_a_folio_for_replies_to_a_notice() {
    let cases = [
        ("ok", Some(Ack)),
        ("Enterado 👍", Some(Ack)),
        ("ya quedó", Some(Resolve)),
        ("Atendido SON-2026-000123", Some(Resolve)),
        ("hola", None),
        ("todavía no queda atendido", None),
        ("¿ok?", None),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_action(text), expected, "{text:?}");
    }
}

#[test]
fn buttons_round_trip() {
    let folio = Folio::new("SON", 2026, 123);
    for action in [Ack, Resolve] {
        let payload = button_payload(action, &folio);
        let back = parse_button(&payload).unwrap();
        assert_eq!(
            back,
            CoordinatorCommand {
                action,
                folio: folio.clone()
            }
        );
    }
    assert_eq!(button_payload(Ack, &folio), "ack:SON-2026-000123");
    assert_eq!(
        button_payload(Resolve, &Folio::new("slp", 2026, 1_234_567)),
        "resolve:SLP-2026-1234567"
    );
    assert_eq!(
        parse_button("ack:son-2026-123").map(|c| c.folio),
        Some(folio.clone())
    );
    for bad in [
        "",
        "ack",
        "ack:",
        "ack SON-2026-000123",
        "ACK:SON-2026-000123",
        "close:SON-2026-000123",
        "ack:SON-2026-000123:x",
        "ack: SON-2026-000123",
        "RONDIN_NO_PASO",
    ] {
        assert_eq!(parse_button(bad), None, "{bad:?}");
    }
    assert_eq!(
        (Ack.label_es(), Resolve.label_es()),
        ("Enterado", "Atendido")
    );
}

proptest! {
    #[test]
    fn parsers_never_panic(text in "\\PC{0,300}") {
        let _ = parse_command(&text);
        let _ = parse_action(&text);
        let _ = parse_button(&text);
    }

    #[test]
    fn parsers_never_panic_on_command_like_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("ok"), Just("no"), Just("ya quedó"), Just("Atendido"), Just("SON-2026-000123"),
                Just("son 2026 1"), Just("folio"), Just("10-4"), Just("-"), Just(" "), Just(","),
                Just("👍🏽"), Just("✅"), Just("é"), Just("\u{301}"), Just("?"), Just("\n"),
            ],
            0..24,
        )
    ) {
        let text = parts.concat();
        if let Some(c) = parse_command(&text) {
            prop_assert_eq!(parse_action(&text), Some(c.action));
            prop_assert_eq!(parse_button(&button_payload(c.action, &c.folio)), Some(c));
        }
    }

    #[test]
    fn button_payloads_round_trip(
        state in "[A-Z]{2,4}",
        year in 1000i32..=9999,
        seq in 1i64..=999_999_999,
        resolve in any::<bool>(),
    ) {
        let action = if resolve { Resolve } else { Ack };
        let folio = Folio::new(&state, year, seq);
        let command = CoordinatorCommand { action, folio: folio.clone() };
        prop_assert_eq!(parse_button(&button_payload(action, &folio)), Some(command));
    }
}
