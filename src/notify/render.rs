//! Turns an outbox row into the WhatsApp message to send. Texts are rendered here, at send
//! time, so they carry the report's current folio and status.

use serde_json::{Map, Value};

use super::texts::{Replies, Vars};
use crate::store::{OutboxRow, ReportLookup, ReportRow, Store, StoreError};
use crate::vocab::{button_payload, CoordinatorAction, Folio, JOIN_BUTTON};
use crate::whatsapp::outbound::{Button, Content, OutboundMessage, Recipient};

/// Purposes whose texts may be merged into one message to the same recipient (Meta allows
/// one message every 6 s per user): a burst of answers to a citizen becomes one message, and a
/// coordinator gets the reports of a burst (40 neighbours writing about the same shooting)
/// together instead of one every 6 seconds for minutes.
pub const MERGEABLE: [&str; 11] = [
    "reply_emergency",
    "reply_tip",
    "reply_ack",
    "reply_follow_up",
    "reply_unregistered",
    "reporter_status",
    "command_unknown",
    "coordinator_notice",
    "escalation_notice",
    "privacy_notice",
    "operator_reply",
];

/// Answers to a reporter that name the incident their report joined, when it joined one.
const INCIDENT_AWARE: [&str; 4] = [
    "reply_emergency",
    "reply_tip",
    "reply_ack",
    "reporter_status",
];

/// Merged messages are capped so they stay readable and under Meta's 4,096 characters.
pub const MAX_MERGED: usize = 8;

/// Characters an interactive message's body may have (Meta's limit for reply buttons).
const MAX_INTERACTIVE_BODY: usize = 1024;

/// Why a row cannot be rendered; it is failed, not retried.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("la fila no es válida: {0}")]
    BadRow(String),
    #[error("no hay plantilla configurada para {0}")]
    NoTemplate(String),
    #[error("no hay texto configurado para {0}")]
    NoText(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Renders `row` (and the rows merged into it) as one message.
pub async fn render(
    store: &Store,
    replies: &Replies,
    row: &OutboxRow,
    merged: &[OutboxRow],
    use_template: bool,
) -> Result<OutboundMessage, RenderError> {
    let to: Recipient =
        serde_json::from_str(&row.recipient).map_err(|e| RenderError::BadRow(e.to_string()))?;
    let (vars, variant) = vars_for(store, replies, row).await?;
    let content = if use_template {
        replies
            .template(&row.purpose, variant, &vars)
            .ok_or_else(|| RenderError::NoTemplate(row.purpose.clone()))?
    } else {
        let mut body = replies
            .text(&row.purpose, variant, &vars)
            .ok_or_else(|| RenderError::NoText(row.purpose.clone()))?;
        for extra in merged {
            let (vars, variant) = vars_for(store, replies, extra).await?;
            if let Some(text) = replies.text(&extra.purpose, variant, &vars) {
                body.push_str("\n\n");
                body.push_str(&text);
            }
        }
        // One-tap buttons name one folio; a merged notice lists several, answered by text.
        // The join button names nothing, so it stays when the privacy notice rides along
        // (a stranger's first reply always has it), within an interactive body's limit.
        let join_offer =
            row.purpose == "reply_unregistered" && body.chars().count() <= MAX_INTERACTIVE_BODY;
        if merged.is_empty() || join_offer {
            buttons(row, &to, &vars, variant, body)
        } else {
            Content::Text { body }
        }
    };
    Ok(OutboundMessage {
        to,
        reply_to: row.reply_to.clone(),
        content,
    })
}

/// One-tap answers in 1:1 chats (groups do not support interactive messages): an unknown
/// sender's plain reply offers «Quiero unirme» (a join request); coordinators' notices get
/// "Enterado" / "Atendido", which acknowledge or resolve the folio.
fn buttons(
    row: &OutboxRow,
    to: &Recipient,
    vars: &Vars,
    variant: Option<&str>,
    body: String,
) -> Content {
    if row.purpose == "reply_unregistered"
        && variant.is_none()
        && matches!(to, Recipient::Individual { .. })
    {
        return Content::Buttons {
            body,
            buttons: vec![Button {
                id: JOIN_BUTTON.into(),
                title: "Quiero unirme".into(),
            }],
        };
    }
    let folio = vars.get("folio").and_then(|f| f.parse::<Folio>().ok());
    let is_notice = matches!(
        row.purpose.as_str(),
        "coordinator_notice" | "escalation_notice"
    );
    match (folio, is_notice, to) {
        (Some(folio), true, Recipient::Individual { .. }) => Content::Buttons {
            body,
            buttons: vec![
                Button {
                    id: button_payload(CoordinatorAction::Acknowledge, &folio),
                    title: "Enterado".into(),
                },
                Button {
                    id: button_payload(CoordinatorAction::Resolve, &folio),
                    title: "Atendido".into(),
                },
            ],
        },
        _ => Content::Text { body },
    }
}

/// The markers for a row: its params, plus the folio and status of the report it is about.
async fn vars_for(
    store: &Store,
    replies: &Replies,
    row: &OutboxRow,
) -> Result<(Vars, Option<&'static str>), RenderError> {
    let params: Map<String, Value> =
        serde_json::from_str(&row.params).map_err(|e| RenderError::BadRow(e.to_string()))?;
    let mut vars = Vars::new();
    for key in [
        "region",
        "numeros",
        "grupo",
        "colonia",
        "categoria",
        "prioridad",
        "extracto",
        "nivel",
        "folio",
        "texto",
        "semana",
        "total",
        "en_plazo",
        "abiertas",
        "mensajes",
        "costo",
        "enlace",
        "aviso",
        "municipio",
        "promedio",
        "semanas",
        "tendencias",
        "codigo",
        "vence",
        "motivo",
        "incidente",
    ] {
        if let Some(v) = params.get(key) {
            vars.insert(key, value_text(v));
        }
    }
    let report = match row.purpose.as_str() {
        "reply_follow_up" => follow_up_report(store, &params).await?,
        _ => match row.report_id {
            Some(id) => store.report(ReportLookup::Id(id)).await?,
            None => None,
        },
    };
    let mut variant = None;
    if let Some(report) = &report {
        vars.insert("folio", report.folio.clone());
        vars.insert("estado", replies.status_word(&report.status));
        // A reporter whose report joined an incident another report opened hears the
        // incident's folio too: texts are rendered at send time, so an answer still waiting
        // when grouping placed the report (a burst's answers to one group go 6 s apart)
        // names the incident.
        if INCIDENT_AWARE.contains(&row.purpose.as_str()) {
            if let Some(incident) = store.incident_of_report(report.id).await? {
                if incident.lead_folio != report.folio {
                    vars.insert("incidente", incident.lead_folio);
                    variant = Some("incidente");
                }
            }
        }
    }
    match row.purpose.as_str() {
        "reply_follow_up" if report.is_none() => variant = Some("none"),
        "reporter_status" => {
            if let Some(status) = params.get("status").and_then(Value::as_str) {
                vars.insert("estado", replies.status_word(status));
            }
            if vars.contains_key("incidente") && vars.get("incidente") != vars.get("folio") {
                variant = Some("incidente");
            }
        }
        "join_received" | "invite_code" | "invite_refused" => {
            variant = match params.get("variant").and_then(Value::as_str) {
                Some("duplicate") => Some("duplicate"),
                Some("not_enlace") => Some("not_enlace"),
                Some("expired") => Some("expired"),
                Some("throttled") => Some("throttled"),
                _ => None,
            }
        }
        "reply_unregistered" => {
            variant = match params.get("category").and_then(Value::as_str) {
                Some("emergency_911") => Some("emergency"),
                Some("tip_089") => Some("tip"),
                _ => None,
            }
        }
        _ => {}
    }
    Ok((vars, variant))
}

/// The report a follow-up asks about: the folio it names (only if it belongs to the sender's
/// group: a folio is not a password, and other groups' reports are not theirs to see), the
/// message it replies to, or the group's latest open request.
async fn follow_up_report(
    store: &Store,
    params: &Map<String, Value>,
) -> Result<Option<ReportRow>, StoreError> {
    let group = params.get("group").and_then(Value::as_str);
    let own = |r: &ReportRow| group.is_some_and(|g| g == r.group_ref);
    if let Some(folio) = params.get("folio").and_then(Value::as_str) {
        return Ok(store.report(ReportLookup::Folio(folio)).await?.filter(own));
    }
    if let Some(wamid) = params.get("reply_to").and_then(Value::as_str) {
        for lookup in [
            ReportLookup::OutboundWamid(wamid),
            ReportLookup::MessageWamid(wamid),
        ] {
            if let Some(r) = store.report(lookup).await?.filter(own) {
                return Ok(Some(r));
            }
        }
    }
    match group {
        Some(g) => store.report(ReportLookup::LatestOpenOfGroup(g)).await,
        None => Ok(None),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join("\n"),
        other => other.to_string(),
    }
}
