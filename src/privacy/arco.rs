//! Access and erasure requests (ARCO): everything held about one person, found by the
//! pseudonyms of their phone number or BSUID, exported as JSON or erased. Both are audited.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

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

/// Everything held about the subject, as one JSON document.
pub async fn export(
    state: &Privacy,
    who: &str,
    s: &Subject,
    now: DateTime<Utc>,
) -> Result<Value, StoreError> {
    let data = state.store.person_data(&s.pseudonyms(state)).await?;
    let doc = json!({
        "generado": now,
        "seudonimo": s.label(state),
        "mensajes": data.messages.iter().map(|m| json!({
            "id": m.wamid, "recibido": m.received_at, "tipo": m.kind, "texto": m.body,
            "nota": m.note, "telefono": m.sender_phone, "bsuid": m.sender_bsuid,
            "nombre_de_perfil": m.sender_name, "grupo": m.group_ref,
            "latitud": m.latitude, "longitud": m.longitude, "ubicacion": m.location_name,
            "adjunto": m.media_mime, "categoria": m.category,
        })).collect::<Vec<_>>(),
        "reportes": data.reports.iter().map(|r| json!({
            "folio": r.folio, "creado": r.created_at, "categoria": r.category,
            "prioridad": r.priority, "estado": r.status, "resuelto": r.resolved_at,
        })).collect::<Vec<_>>(),
        "mensajes_enviados": data.outbox.iter().map(|o| json!({
            "proposito": o.purpose, "estado": o.state, "creado": o.created_at, "enviado": o.sent_at,
        })).collect::<Vec<_>>(),
    });
    audit(
        state,
        who,
        "privacy.export",
        s,
        json!({ "messages": data.messages.len() }),
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
