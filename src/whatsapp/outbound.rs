//! What the service sends, and the exact Cloud API body for it (reference §8).
//!
//! The body is built here rather than in the HTTP client so that dry-run mode records
//! byte-for-byte what would have been POSTed.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Meta rejects longer text bodies; a truncated alert is better than a rejected one.
pub const MAX_TEXT_CHARS: usize = 4096;
/// Interactive bodies have a lower cap than plain text.
pub const MAX_BUTTON_BODY_CHARS: usize = 1024;
/// Meta's limit for a reply button title.
pub const MAX_BUTTON_TITLE_CHARS: usize = 20;
/// Meta's limit of reply buttons per message.
pub const MAX_BUTTONS: usize = 3;

/// Who receives a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Recipient {
    Individual {
        wa_id: Option<String>,
        bsuid: Option<String>,
    },
    Group {
        group_id: String,
    },
}

/// What is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    Text {
        body: String,
    },
    /// Reply buttons (1:1 only: groups do not support interactive messages); at most 3,
    /// titles ≤ 20 chars.
    Buttons {
        body: String,
        buttons: Vec<Button>,
    },
    /// Named body parameters (`parameter_name`), as the service's templates are created.
    Template {
        name: String,
        language: String,
        params: Vec<TemplateParam>,
    },
}

/// A reply button; `id` comes back in the webhook when the user taps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub id: String,
    pub title: String,
}

/// A named template body parameter (`parameter_name` in the request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateParam {
    pub name: String,
    pub value: String,
}

/// One message to send; `reply_to` is the wamid to quote, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundMessage {
    pub to: Recipient,
    pub reply_to: Option<String>,
    pub content: Content,
}

impl OutboundMessage {
    /// The exact JSON body POSTed to /{version}/{phone-number-id}/messages (also what dry-run
    /// records).
    ///
    /// Buttons that cannot be sent as an interactive message (group recipient, none, more than
    /// three, or titles that collide once truncated) become a text listing the options, so the
    /// reader can still answer by typing.
    pub fn to_request_body(&self) -> Value {
        let mut body = Map::new();
        body.insert("messaging_product".into(), json!("whatsapp"));
        match &self.to {
            Recipient::Individual { wa_id, bsuid } => {
                body.insert("recipient_type".into(), json!("individual"));
                // Reply to Meta's raw wa_id (Mexico's 521 form included): "normalising" it
                // to +52 breaks delivery. `to` wins over `recipient` for Meta, so send one.
                if let Some(wa_id) = non_empty(wa_id) {
                    let digits = wa_id.trim_start_matches('+');
                    body.insert("to".into(), json!(format!("+{digits}")));
                } else if let Some(bsuid) = non_empty(bsuid) {
                    body.insert("recipient".into(), json!(bsuid));
                }
            }
            Recipient::Group { group_id } => {
                body.insert("recipient_type".into(), json!("group"));
                body.insert("to".into(), json!(group_id.trim()));
            }
        }
        let is_group = matches!(self.to, Recipient::Group { .. });
        let (kind, payload) = match &self.content {
            Content::Text { body } => ("text", text_payload(body)),
            Content::Buttons { body, buttons } if is_group || !buttons_fit(buttons) => {
                ("text", text_payload(&buttons_as_text(body, buttons)))
            }
            Content::Buttons { body, buttons } => ("interactive", buttons_payload(body, buttons)),
            Content::Template {
                name,
                language,
                params,
            } => ("template", template_payload(name, language, params)),
        };
        // Templates cannot quote a message (reference §8, [CTX]).
        let quotable = !matches!(self.content, Content::Template { .. });
        if let (true, Some(id)) = (quotable, self.reply_to.as_deref().filter(|s| !s.is_empty())) {
            body.insert("context".into(), json!({ "message_id": id }));
        }
        body.insert("type".into(), json!(kind));
        body.insert(kind.into(), payload);
        Value::Object(body)
    }

    /// False for an individual with neither wa_id nor BSUID, or an empty group id: no request
    /// can reach anyone, so the client fails fast instead of spending a call on a 131008.
    pub fn has_address(&self) -> bool {
        match &self.to {
            Recipient::Individual { wa_id, bsuid } => {
                non_empty(wa_id).is_some() || non_empty(bsuid).is_some()
            }
            Recipient::Group { group_id } => !group_id.trim().is_empty(),
        }
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Cuts `text` to at most `max` characters, the last one being "…" when anything was cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn text_payload(body: &str) -> Value {
    // No link previews: citizens forward rumours with links and the bot must not amplify them.
    json!({ "body": truncate_chars(body, MAX_TEXT_CHARS), "preview_url": false })
}

fn buttons_fit(buttons: &[Button]) -> bool {
    if buttons.is_empty() || buttons.len() > MAX_BUTTONS {
        return false;
    }
    let titles: Vec<String> = buttons.iter().map(button_title).collect();
    // Meta requires unique titles; truncation can make two long ones equal.
    titles
        .iter()
        .enumerate()
        .all(|(i, t)| !titles[..i].contains(t))
}

fn button_title(button: &Button) -> String {
    truncate_chars(&button.title, MAX_BUTTON_TITLE_CHARS)
}

fn buttons_as_text(body: &str, buttons: &[Button]) -> String {
    let mut text = body.to_owned();
    if !buttons.is_empty() {
        text.push('\n');
    }
    for (i, button) in buttons.iter().enumerate() {
        text.push_str(&format!("\n{}. {}", i + 1, button.title));
    }
    text
}

fn buttons_payload(body: &str, buttons: &[Button]) -> Value {
    let buttons: Vec<Value> = buttons
        .iter()
        .map(|b| json!({ "type": "reply", "reply": { "id": b.id, "title": button_title(b) } }))
        .collect();
    json!({
        "type": "button",
        "body": { "text": truncate_chars(body, MAX_BUTTON_BODY_CHARS) },
        "action": { "buttons": buttons },
    })
}

/// Meta's published schema requires `language.policy`, and `deterministic` is its only value:
/// the template is rendered in exactly the language asked for, never a fallback.
fn template_payload(name: &str, language: &str, params: &[TemplateParam]) -> Value {
    let mut template = json!({
        "name": name,
        "language": { "policy": "deterministic", "code": language },
    });
    if !params.is_empty() {
        let parameters: Vec<Value> = params
            .iter()
            .map(|p| json!({ "type": "text", "parameter_name": p.name, "text": flatten(&p.value) }))
            .collect();
        template["components"] = json!([{ "type": "body", "parameters": parameters }]);
    }
    template
}

/// Meta rejects template parameters containing newlines, tabs or more than four consecutive
/// spaces, and a citizen's text quoted into a template often has them; one space keeps the
/// meaning and the send.
fn flatten(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
