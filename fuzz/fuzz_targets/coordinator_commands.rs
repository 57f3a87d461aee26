//! Arbitrary text as a coordinator's WhatsApp reply and as a quick-reply payload. Both come
//! from outside (a typed message, or a button id that anyone can forge), so folio detection
//! and command parsing must never panic, and what they return must round-trip.
#![no_main]

use alerta::routing::{button_payload, find_folios, parse_button, parse_command, Folio};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let folios = find_folios(text);
    for folio in &folios {
        // A detected folio, printed canonically, must parse back to itself: it is what the
        // bot echoes to the citizen and looks up in the store.
        let printed = folio.to_string();
        assert_eq!(printed.parse::<Folio>().as_ref(), Ok(folio), "{printed}");
    }

    if let Some(command) = parse_command(text) {
        // A command names exactly one folio, which must be one that detection found.
        assert!(folios.contains(&command.folio), "{text:?} -> {command:?}");
    }

    if let Some(command) = parse_button(text) {
        // Buttons we build must parse to the same command.
        let payload = button_payload(command.action, &command.folio);
        assert_eq!(parse_button(&payload), Some(command));
    }
});
