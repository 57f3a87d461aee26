//! Tests of `outbound.rs`.

use super::*;

/// Builds the message from its stored (outbox) JSON form, so each case also pins the serde
/// shape, and returns the request body.
fn body(message: Value) -> Value {
    let message: OutboundMessage = serde_json::from_value(message).unwrap();
    message.to_request_body()
}

fn to_wa(wa_id: &str, content: Value) -> Value {
    json!({"to": {"type": "individual", "wa_id": wa_id, "bsuid": "MX.1"},
           "reply_to": null, "content": content})
}

fn to_group(content: Value) -> Value {
    json!({"to": {"type": "group", "group_id": "120363000000000001"},
           "reply_to": null, "content": content})
}

fn buttons(titles: &[&str]) -> Value {
    let buttons: Vec<Value> = (titles.iter().enumerate())
        .map(|(i, t)| json!({"id": format!("b{i}"), "title": t}))
        .collect();
    json!({"type": "buttons", "body": "¿Qué necesita?", "buttons": buttons})
}

#[test]
fn text_to_raw_mexican_wa_id_quotes_the_citizen() {
    let mut message = to_wa("5216691234567", json!({"type": "text", "body": "Recibido"}));
    message["reply_to"] = json!("wamid.IN");
    assert_eq!(
        body(message),
        json!({"messaging_product": "whatsapp", "recipient_type": "individual",
               "to": "+5216691234567", "context": {"message_id": "wamid.IN"},
               "type": "text", "text": {"body": "Recibido", "preview_url": false}})
    );
}

#[test]
fn individual_addressing_prefers_wa_id_then_bsuid() {
    let text = json!({"type": "text", "body": "x"});
    let sent = body(to_wa("+5215512345678", text.clone()));
    assert_eq!(
        (&sent["to"], sent.get("recipient")),
        (&json!("+5215512345678"), None)
    );
    let bsuid_only = json!({"to": {"type": "individual", "wa_id": " ", "bsuid": "MX.100"},
                            "reply_to": "", "content": text});
    assert_eq!(
        body(bsuid_only.clone()),
        json!({"messaging_product": "whatsapp", "recipient_type": "individual",
               "recipient": "MX.100", "type": "text", "text": {"body": "x", "preview_url": false}})
    );
    let mut nobody: OutboundMessage = serde_json::from_value(bsuid_only).unwrap();
    assert!(nobody.has_address());
    nobody.to = Recipient::Individual {
        wa_id: None,
        bsuid: None,
    };
    assert!(!nobody.has_address());
}

#[test]
fn text_to_group() {
    let mut message = to_group(json!({"type": "text", "body": "Patrulla en camino"}));
    message["reply_to"] = json!("wamid.G");
    assert_eq!(
        body(message),
        json!({"messaging_product": "whatsapp", "recipient_type": "group",
               "to": "120363000000000001", "context": {"message_id": "wamid.G"},
               "type": "text", "text": {"body": "Patrulla en camino", "preview_url": false}})
    );
}

#[test]
fn buttons_to_individual_are_interactive_with_titles_cut_to_20() {
    let content = buttons(&["Patrulla", "Ambulancia y bomberos urgente"]);
    assert_eq!(
        body(to_wa("5215512345678", content)),
        json!({"messaging_product": "whatsapp", "recipient_type": "individual",
               "to": "+5215512345678", "type": "interactive", "interactive": {
                   "type": "button", "body": {"text": "¿Qué necesita?"},
                   "action": {"buttons": [
                       {"type": "reply", "reply": {"id": "b0", "title": "Patrulla"}},
                       {"type": "reply", "reply": {"id": "b1", "title": "Ambulancia y bomber…"}}]}}})
    );
}

#[test]
fn buttons_that_cannot_be_interactive_become_a_text_list() {
    assert_eq!(
        body(to_group(buttons(&["Patrulla", "Ambulancia"]))),
        json!({"messaging_product": "whatsapp", "recipient_type": "group",
               "to": "120363000000000001", "type": "text", "text": {
                   "body": "¿Qué necesita?\n\n1. Patrulla\n2. Ambulancia", "preview_url": false}})
    );
    let four = buttons(&["a", "b", "c", "d"]);
    assert_eq!(body(to_wa("521", four))["type"], "text");
    let clash = buttons(&["Reportar un robo ahora", "Reportar un robo ahorita"]);
    assert_eq!(body(to_wa("521", clash))["type"], "text");
    let none = body(to_wa("521", buttons(&[])));
    assert_eq!(none["text"]["body"], "¿Qué necesita?");
}

#[test]
fn template_uses_named_parameters_and_never_quotes() {
    let template = json!({"type": "template", "name": "acuse_reporte", "language": "es_MX",
                          "params": [{"name": "folio", "value": "A-123\n\tcentro"}]});
    let mut message = to_wa("5215512345678", template);
    message["reply_to"] = json!("wamid.IN");
    assert_eq!(
        body(message),
        json!({"messaging_product": "whatsapp", "recipient_type": "individual",
               "to": "+5215512345678", "type": "template", "template": {
                   "name": "acuse_reporte", "language": {"policy": "deterministic", "code": "es_MX"},
                   "components": [{"type": "body", "parameters": [
                       {"type": "text", "parameter_name": "folio", "text": "A-123 centro"}]}]}})
    );
    let bare = json!({"type": "template", "name": "hola", "language": "es_MX", "params": []});
    assert_eq!(
        body(to_group(bare))["template"],
        json!({"name": "hola", "language": {"policy": "deterministic", "code": "es_MX"}})
    );
}

#[test]
fn long_text_is_truncated_to_4096_chars_with_ellipsis() {
    let long = json!({"type": "text", "body": "é".repeat(5000)});
    let sent = body(to_group(long));
    let out = sent["text"]["body"].as_str().unwrap();
    assert_eq!(out.chars().count(), MAX_TEXT_CHARS);
    assert!(out.ends_with("é…"));
    assert_eq!(truncate_chars("abc", 3), "abc");
}
