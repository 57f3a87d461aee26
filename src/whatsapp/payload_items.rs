//! The per-message and per-status pieces of [`super::payload`].

use serde_json::Value;

use super::payload::{
    array, as_string, as_timestamp, Contact, InboundMessage, Pricing, StatusUpdate,
};

/// `context`: a quoted reply and/or forwarding flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageContext {
    /// The wamid this message replies to (`context.id`).
    pub reply_to: Option<String>,
    pub forwarded: bool,
    pub frequently_forwarded: bool,
}

/// What a later download needs: Meta's media id, its type and checksum.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MediaRef {
    pub id: Option<String>,
    pub mime_type: Option<String>,
    /// As Meta sent it (base64 in webhooks, sometimes hex); normalised at download time.
    pub sha256: Option<String>,
    pub filename: Option<String>,
    pub url: Option<String>,
    /// A voice note (`audio.voice = true`) rather than an audio file.
    pub voice: bool,
    pub animated: bool,
}

/// A shared location: a dropped pin has only coordinates, a place adds name and address.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub url: Option<String>,
}

/// One `errors[]` item, from a message, a status or a change value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiErrorInfo {
    pub code: Option<i64>,
    pub title: Option<String>,
    pub details: Option<String>,
}

const MEDIA_KINDS: [&str; 5] = ["image", "video", "audio", "document", "sticker"];

pub(super) fn message_from_value(
    v: &Value,
    contacts: &[Contact],
    synthetic_id: &str,
) -> InboundMessage {
    let kind = v
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let from_phone = v.get("from").and_then(as_string);
    let from_bsuid = v.get("from_user_id").and_then(as_string);
    let contact = match_contact(contacts, from_phone.as_deref(), from_bsuid.as_deref());

    let mut msg = InboundMessage {
        wamid: v
            .get("id")
            .and_then(as_string)
            .unwrap_or_else(|| format!("nowamid:{synthetic_id}")),
        from_bsuid: from_bsuid.or_else(|| contact.and_then(|c| c.user_id.clone())),
        from_phone: from_phone.or_else(|| contact.and_then(|c| c.wa_id.clone())),
        profile_name: contact.and_then(|c| c.name.clone()),
        cloud_group_id: v.get("group_id").and_then(as_string),
        phone_number_id: None,
        sent_at: v.get("timestamp").and_then(as_timestamp),
        body: None,
        note: None,
        refers_to: None,
        reply_id: None,
        context: context_from(v.get("context")),
        media: None,
        location: None,
        errors: array(v, "errors").map(error_from_value).collect(),
        raw: v.to_string(),
        kind,
    };
    fill_content(&mut msg, v);
    msg
}

/// The contact that sent a message: the one whose ids match, or the only one when the
/// message itself carries no sender id (seen in BSUID-only payloads).
fn match_contact<'a>(
    contacts: &'a [Contact],
    phone: Option<&str>,
    bsuid: Option<&str>,
) -> Option<&'a Contact> {
    let found = contacts.iter().find(|c| {
        (phone.is_some() && c.wa_id.as_deref() == phone)
            || (bsuid.is_some() && c.user_id.as_deref() == bsuid)
    });
    match (found, contacts) {
        (Some(c), _) => Some(c),
        (None, [only]) if phone.is_none() && bsuid.is_none() => Some(only),
        _ => None,
    }
}

fn context_from(ctx: Option<&Value>) -> MessageContext {
    let Some(ctx) = ctx else {
        return MessageContext::default();
    };
    MessageContext {
        reply_to: ctx.get("id").and_then(as_string),
        forwarded: ctx
            .get("forwarded")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        frequently_forwarded: ctx
            .get("frequently_forwarded")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}

fn str_at(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer).and_then(as_string)
}

fn fill_content(msg: &mut InboundMessage, v: &Value) {
    let kind = msg.kind.as_str();
    if MEDIA_KINDS.contains(&kind) {
        if let Some(m) = v.get(kind) {
            msg.body = m.get("caption").and_then(as_string);
            msg.media = Some(media_from_value(m));
        }
        return;
    }
    match kind {
        "text" => msg.body = str_at(v, "/text/body"),
        "location" => msg.location = v.get("location").map(location_from_value),
        "button" => {
            msg.note = str_at(v, "/button/text");
            msg.reply_id = str_at(v, "/button/payload");
        }
        "interactive" => {
            msg.reply_id = str_at(v, "/interactive/button_reply/id")
                .or_else(|| str_at(v, "/interactive/list_reply/id"));
            msg.note = str_at(v, "/interactive/button_reply/title")
                .or_else(|| str_at(v, "/interactive/list_reply/title"))
                .or_else(|| str_at(v, "/interactive/nfm_reply/body"));
        }
        "reaction" => {
            msg.refers_to = str_at(v, "/reaction/message_id");
            msg.note = str_at(v, "/reaction/emoji");
        }
        "system" => msg.note = str_at(v, "/system/body"),
        "order" => msg.note = str_at(v, "/order/text"),
        "contacts" => {
            let names: Vec<String> = array(v, "contacts")
                .filter_map(|c| str_at(c, "/name/formatted_name"))
                .collect();
            msg.note = (!names.is_empty()).then(|| names.join(", "));
        }
        "edit" => {
            msg.refers_to = str_at(v, "/edit/original_message_id");
            // The edited message is itself a message object; its text is what now stands.
            msg.body =
                str_at(v, "/edit/message/text/body").or_else(|| edited_caption(v.get("edit")));
        }
        "revoke" => msg.refers_to = str_at(v, "/revoke/original_message_id"),
        "unsupported" | "unknown" => msg.note = str_at(v, "/unsupported/type"),
        _ => {}
    }
}

fn edited_caption(edit: Option<&Value>) -> Option<String> {
    let inner = edit?.get("message")?;
    let kind = inner.get("type")?.as_str()?;
    inner.get(kind)?.get("caption").and_then(as_string)
}

fn media_from_value(m: &Value) -> MediaRef {
    MediaRef {
        id: m.get("id").and_then(as_string),
        mime_type: m.get("mime_type").and_then(as_string),
        sha256: m.get("sha256").and_then(as_string),
        filename: m.get("filename").and_then(as_string),
        url: m.get("url").and_then(as_string),
        voice: m.get("voice").and_then(Value::as_bool).unwrap_or(false),
        animated: m.get("animated").and_then(Value::as_bool).unwrap_or(false),
    }
}

fn location_from_value(l: &Value) -> Location {
    Location {
        latitude: l.get("latitude").and_then(as_f64),
        longitude: l.get("longitude").and_then(as_f64),
        name: l.get("name").and_then(as_string),
        address: l.get("address").and_then(as_string),
        url: l.get("url").and_then(as_string),
    }
}

/// Coordinates are JSON numbers, but tolerate numeric strings.
fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

pub(super) fn error_from_value(e: &Value) -> ApiErrorInfo {
    ApiErrorInfo {
        code: e.get("code").and_then(|c| match c {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }),
        title: e
            .get("title")
            .and_then(as_string)
            .or_else(|| e.get("message").and_then(as_string)),
        details: e.pointer("/error_data/details").and_then(as_string),
    }
}

pub(super) fn status_from_value(v: &Value) -> Option<StatusUpdate> {
    Some(StatusUpdate {
        wamid: v.get("id").and_then(as_string)?,
        status: v.get("status").and_then(as_string)?,
        at: v.get("timestamp").and_then(as_timestamp),
        recipient_id: v.get("recipient_id").and_then(as_string),
        recipient_user_id: v.get("recipient_user_id").and_then(as_string),
        recipient_type: v.get("recipient_type").and_then(as_string),
        // Meta's group pages use both spellings.
        participant: v
            .get("recipient_participant_id")
            .or_else(|| v.get("participant_recipient_id"))
            .and_then(as_string),
        pricing: v.get("pricing").and_then(pricing_from_value),
        errors: array(v, "errors").map(error_from_value).collect(),
    })
}

/// A pricing object needs at least its category; a missing type reads as `regular`.
fn pricing_from_value(v: &Value) -> Option<Pricing> {
    Some(Pricing {
        category: v.get("category").and_then(as_string)?,
        kind: v
            .get("type")
            .and_then(as_string)
            .unwrap_or_else(|| "regular".to_owned()),
        billable: v.get("billable").and_then(Value::as_bool),
    })
}
