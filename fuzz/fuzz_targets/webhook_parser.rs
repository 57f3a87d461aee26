//! Arbitrary bytes as a webhook body. Meta's payloads change without notice and any signed
//! body reaches `parse_notification`, so it must never panic, and what it returns must keep
//! the invariants the intake relies on to deduplicate and store messages.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(notification) = alerta::whatsapp::parse_notification(body, "fuzz-delivery") else {
        return;
    };
    for message in &notification.messages {
        // The wamid is the deduplication key: an empty one would merge unrelated messages.
        assert!(!message.wamid.is_empty(), "empty wamid: {message:?}");
        // `raw` is stored as the message's JSON and re-read by operators' tools.
        assert!(
            serde_json::from_str::<serde_json::Value>(&message.raw).is_ok(),
            "raw is not JSON: {:?}",
            message.raw
        );
    }
    for status in &notification.statuses {
        // Statuses update outbound messages by wamid; an empty one would match nothing.
        assert!(!status.wamid.is_empty(), "empty status wamid: {status:?}");
    }
});
