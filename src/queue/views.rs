//! What the queue shows, shared by the HTML pages and the JSON API: built once from store
//! rows, with phone numbers masked and every label in Spanish.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use super::timing::{timing, Timing, Written};
use crate::registry::Registry;
use crate::routing::{Deadlines, UNREGISTERED_GROUP};
use crate::store::{QueueItem, ReportRow};
use crate::vocab::{category_es, priority_es, status_es};

/// One line of the queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueEntry {
    pub folio: String,
    pub region: String,
    pub region_name: String,
    pub group: String,
    pub group_name: String,
    pub group_kind: String,
    pub municipality: String,
    pub category: String,
    pub category_es: String,
    pub priority: String,
    pub priority_es: String,
    pub status: String,
    pub status_es: String,
    pub created_at: DateTime<Utc>,
    /// "22/11 14:03" in the region's time zone.
    pub created_local: String,
    /// Who holds it now (an expired claim shows as free).
    pub claimed_by: Option<String>,
    pub claim_expires_at: Option<DateTime<Utc>>,
    pub assigned_to: Option<String>,
    /// The assigned coordinator's name from the registry (the id when no longer there).
    pub assigned_name: Option<String>,
    pub duplicate_of: Option<String>,
    pub needs_review: bool,
    /// The start of the message, phone numbers hidden.
    pub excerpt: String,
    pub kind: String,
    pub confidence: Option<f64>,
    pub version: i64,
    /// From a number in no registered group (region "sin región").
    pub unregistered: bool,
    /// Citizens' follow-ups no operator has read yet (the row's new-message marker).
    pub follow_ups_unseen: i64,
    /// For an unregistered sender: "Respuesta de seguridad entregada", … (queue rows only).
    pub safety_reply_es: Option<&'static str>,
    /// The report's message was forwarded to the group (a chain, not the member's words).
    pub forwarded: bool,
    /// Age, deadline and escalation (flattened into the API item: `age_minutes`,
    /// `deadline`, `escalation`, `late_delivery`, …).
    #[serde(flatten)]
    pub timing: Timing,
}

/// What a queue line needs from the report's message.
pub struct Origin<'a> {
    pub kind: &'a str,
    pub text: Option<&'a str>,
    pub confidence: Option<f64>,
    pub written: Option<Written>,
    pub forwarded: bool,
}

impl QueueEntry {
    pub fn new(
        r: &ReportRow,
        origin: &Origin,
        reg: &Registry,
        deadlines: &Deadlines,
        now: DateTime<Utc>,
    ) -> QueueEntry {
        let Origin {
            kind,
            text,
            confidence,
            ..
        } = *origin;
        let unregistered = r.group_ref == UNREGISTERED_GROUP;
        let region = reg.region(&r.region);
        let group = reg.group(&r.group_ref);
        // An unregistered sender's report has no region: its times read in the
        // deployment's first region's zone, as its folio does.
        let tz = region
            .or_else(|| reg.regions().first())
            .map_or(chrono_tz::America::Mexico_City, |x| x.time_zone);
        let active_claim = r.claim_expires_at.is_some_and(|t| t > now);
        let (region_name, group_name) = if unregistered {
            (
                "Sin región".to_owned(),
                "Remitente no registrado".to_owned(),
            )
        } else {
            (
                region.map_or_else(|| r.region.clone(), |x| x.name.clone()),
                group.map_or_else(|| r.group_ref.clone(), |g| g.name.clone()),
            )
        };
        QueueEntry {
            folio: r.folio.clone(),
            region: r.region.clone(),
            region_name,
            group: r.group_ref.clone(),
            group_name,
            group_kind: group.map_or("", |g| g.kind.label_es()).to_owned(),
            municipality: group.map_or_else(String::new, |g| g.municipality.clone()),
            category: r.category.clone(),
            category_es: category_es(&r.category).to_owned(),
            priority: r.priority.clone(),
            priority_es: priority_es(&r.priority).to_owned(),
            status: r.status.clone(),
            status_es: status_es(&r.status).to_owned(),
            created_at: r.created_at,
            created_local: local(r.created_at, tz),
            claimed_by: r.claimed_by.clone().filter(|_| active_claim),
            claim_expires_at: r.claim_expires_at.filter(|_| active_claim),
            assigned_to: r.assigned_to.clone(),
            assigned_name: r.assigned_to.as_ref().map(|id| {
                region
                    .and_then(|reg| reg.coordinators.iter().find(|c| &c.id == id))
                    .map_or_else(|| id.clone(), |c| c.name.clone())
            }),
            duplicate_of: r.duplicate_of.clone(),
            needs_review: r.needs_review,
            excerpt: text.map_or_else(|| kind_es(kind).to_owned(), crate::routing::excerpt),
            kind: kind.to_owned(),
            confidence,
            version: r.version,
            unregistered,
            follow_ups_unseen: r.follow_ups_unseen,
            safety_reply_es: None,
            forwarded: origin.forwarded,
            // Unregistered senders' reports have no region: nobody to escalate to.
            timing: timing(
                r,
                origin.written.as_ref(),
                tz,
                deadlines,
                !unregistered && region.is_some(),
                now,
            ),
        }
    }

    pub fn from_item(
        item: &QueueItem,
        reg: &Registry,
        deadlines: &Deadlines,
        now: DateTime<Utc>,
    ) -> QueueEntry {
        let text = item
            .message_body
            .as_deref()
            .or(item.message_note.as_deref());
        let origin = Origin {
            kind: &item.message_kind,
            text,
            confidence: item.message_confidence,
            written: Some(Written {
                sent_at: item.message_sent_at,
                received_at: item.message_received_at,
            }),
            forwarded: item.message_forwarded,
        };
        let mut entry = QueueEntry::new(&item.report, &origin, reg, deadlines, now);
        entry.safety_reply_es = item.safety_reply.as_deref().map(safety_reply_es);
        entry
    }
}

/// A count for the filter bar.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountView {
    pub key: String,
    pub label: String,
    pub n: i64,
}

/// The safety reply's fate as the queue row says it: what WhatsApp reported, else where
/// our outbox has it.
pub fn safety_reply_es(state: &str) -> &'static str {
    match state {
        "delivered" => "Respuesta de seguridad entregada",
        "read" | "played" => "Respuesta de seguridad leída",
        "sent" => "Respuesta de seguridad enviada (sin confirmar entrega)",
        "pending" | "sending" => "Respuesta de seguridad en cola",
        "dry_run" => "Respuesta de seguridad simulada (sin token de WhatsApp)",
        "merged" => "Respuesta de seguridad enviada junto con otro mensaje",
        "failed" => "Respuesta de seguridad NO entregada",
        _ => "Respuesta de seguridad: estado desconocido",
    }
}

pub fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()
}

pub fn kind_es(kind: &str) -> &'static str {
    match kind {
        "text" => "Texto",
        "image" => "[Foto]",
        "audio" => "[Nota de voz / audio]",
        "video" => "[Video]",
        "document" => "[Documento]",
        "sticker" => "[Sticker]",
        "location" => "[Ubicación]",
        "contacts" => "[Contacto]",
        "interactive" | "button" => "[Respuesta de botón]",
        "reaction" => "[Reacción]",
        _ => "[Mensaje de tipo no soportado]",
    }
}

/// `+52 662 123 4567` → `+52 ••• ••• ••67`: enough to tell two reporters apart, not to call.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return "••••".into();
    }
    let tail: String = digits[digits.len() - 2..].iter().collect();
    let cc: String = digits[..2].iter().collect();
    format!("+{cc} ••• ••• ••{tail}")
}

/// A BSUID shows its first characters only.
pub fn mask_bsuid(bsuid: &str) -> String {
    let head: String = bsuid.chars().take(4).collect();
    format!("{head}…")
}

/// A profile name shows as initials ("María López" → "M. L.").
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{c}."))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_hide_what_identifies() {
        assert_eq!(mask_phone("+52 662 123 4567"), "+52 ••• ••• ••67");
        assert_eq!(mask_phone("5216621234567"), "+52 ••• ••• ••67");
        assert!(!mask_phone("5216621234567").contains("1234"));
        assert_eq!(mask_phone("12"), "••••");
        assert_eq!(mask_bsuid("MX.1234567890abcdef"), "MX.1…");
        assert_eq!(mask_name("María  López Ruiz"), "M. L. R.");
    }

    #[test]
    fn labels_are_spanish() {
        assert_eq!(status_es("acknowledged"), "En atención");
        assert_eq!(priority_es("critical"), "Crítica");
        assert_eq!(category_es("tip_089"), "Denuncia anónima (089)");
        assert_eq!(category_es("nueva"), "nueva");
    }
}
