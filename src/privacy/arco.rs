//! Access and erasure requests (ARCO): everything held about one person, found by the
//! pseudonyms of their phone number or BSUID, exported as JSON or erased. Both are audited.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::pseudonym::{canonical_phone, short, Identity};
use super::Privacy;
use crate::store::{NewAudit, StoreError};

/// The person a request is about, as the requester identified themselves.
pub struct Subject {
    pub phone: Option<String>,
    pub bsuid: Option<String>,
}

impl Subject {
    pub fn pseudonyms(&self, state: &Privacy) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(p) = &self.phone {
            keys.push(state.pseudonyms.of(Identity::Phone(p)));
        }
        if let Some(b) = &self.bsuid {
            keys.push(state.pseudonyms.of(Identity::Bsuid(b)));
        }
        keys
    }

    /// The spellings Meta uses for the number, and the BSUID: how statuses and pacing
    /// rows name the person.
    fn phone_spellings(&self) -> Vec<String> {
        let mut v: Vec<String> = self.bsuid.iter().cloned().collect();
        if let Some(p) = &self.phone {
            let c = canonical_phone(p);
            if let Some(rest) = c.strip_prefix("52").filter(|r| r.len() == 10) {
                v.push(format!("521{rest}"));
            }
            v.push(c);
        }
        v
    }

    fn label(&self, state: &Privacy) -> String {
        self.pseudonyms(state)
            .first()
            .map_or("?".into(), |k| short(k))
    }
}

/// Everything held about the subject, as one JSON document. Field names are the Spanish
/// ones the document always had; fields are in alphabetical order, the order they had when
/// the document was built as `serde_json` maps, so its bytes did not change.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonExport {
    pub generado: DateTime<Utc>,
    /// The messages the person sent.
    pub mensajes: Vec<ExportedMessage>,
    /// What we sent them.
    pub mensajes_enviados: Vec<ExportedOutbound>,
    /// The reports their messages opened.
    pub reportes: Vec<ExportedReport>,
    /// A short form of the person's pseudonym (never the number).
    pub seudonimo: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedMessage {
    /// The attachment's MIME type.
    pub adjunto: Option<String>,
    pub bsuid: Option<String>,
    pub categoria: Option<String>,
    pub grupo: Option<String>,
    /// WhatsApp's message id.
    pub id: String,
    pub latitud: Option<f64>,
    pub longitud: Option<f64>,
    pub nombre_de_perfil: Option<String>,
    pub nota: Option<String>,
    pub recibido: DateTime<Utc>,
    pub telefono: Option<String>,
    pub texto: Option<String>,
    pub tipo: String,
    pub ubicacion: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedReport {
    pub categoria: String,
    pub creado: DateTime<Utc>,
    pub estado: String,
    pub folio: String,
    pub prioridad: String,
    pub resuelto: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedOutbound {
    pub creado: DateTime<Utc>,
    pub enviado: Option<DateTime<Utc>>,
    pub estado: String,
    pub proposito: String,
}

/// Everything held about the subject; audited.
pub async fn export(
    state: &Privacy,
    who: &str,
    s: &Subject,
    now: DateTime<Utc>,
) -> Result<PersonExport, StoreError> {
    let data = state.store.person_data(&s.pseudonyms(state)).await?;
    let doc = PersonExport {
        generado: now,
        seudonimo: s.label(state),
        mensajes: data
            .messages
            .iter()
            .map(|m| ExportedMessage {
                adjunto: m.media_mime.clone(),
                bsuid: m.sender_bsuid.clone(),
                categoria: m.category.clone(),
                grupo: m.group_ref.clone(),
                id: m.wamid.clone(),
                latitud: m.latitude,
                longitud: m.longitude,
                nombre_de_perfil: m.sender_name.clone(),
                nota: m.note.clone(),
                recibido: m.received_at,
                telefono: m.sender_phone.clone(),
                texto: m.body.clone(),
                tipo: m.kind.clone(),
                ubicacion: m.location_name.clone(),
            })
            .collect(),
        reportes: data
            .reports
            .iter()
            .map(|r| ExportedReport {
                categoria: r.category.clone(),
                creado: r.created_at,
                estado: r.status.clone(),
                folio: r.folio.clone(),
                prioridad: r.priority.clone(),
                resuelto: r.resolved_at,
            })
            .collect(),
        mensajes_enviados: data
            .outbox
            .iter()
            .map(|o| ExportedOutbound {
                creado: o.created_at,
                enviado: o.sent_at,
                estado: o.state.clone(),
                proposito: o.purpose.clone(),
            })
            .collect(),
    };
    audit(
        state,
        who,
        "privacy.export",
        s,
        json!({ "messages": doc.mensajes.len() }),
        now,
    )
    .await?;
    Ok(doc)
}

/// Erases the subject's identity and texts; reports (anonymous statistics) stay.
pub async fn erase(
    state: &Privacy,
    who: &str,
    s: &Subject,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let counts = state
        .store
        .erase_person(&s.pseudonyms(state), &s.phone_spellings(), now)
        .await?;
    let files = super::retention::remove_files(state, &counts.media_to_delete).await?;
    audit(
        state,
        who,
        "privacy.erase",
        s,
        json!({ "reason": reason, "messages": counts.closed_report_messages, "files_removed": files }),
        now,
    )
    .await?;
    Ok(counts.closed_report_messages)
}

async fn audit(
    state: &Privacy,
    who: &str,
    action: &str,
    s: &Subject,
    detail: Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // The trail names the person by pseudonym only: the request itself is personal data.
    state
        .store
        .append_audit(&NewAudit {
            at: now,
            actor: who.to_owned(),
            action: action.into(),
            entity_kind: "person".into(),
            entity_id: s.label(state),
            detail,
        })
        .await
}
