//! Who hears about an operator's action: the outbox rows a `Notice` becomes (the reporter,
//! reporters of merged duplicates, or the assigned coordinator), written in the same
//! transaction as the change by `service::act`.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::actions::Notice;
use crate::app::state::AppState;
use crate::error::AppError;
use crate::store::{InboundRow, NewOutbox, ReportRow};
use crate::vocab::{category_es, priority_es};

/// The outbox rows a notice becomes: to where the report came from (the group or the
/// member's chat), quoting the original message.
pub(super) async fn notices(
    state: &AppState,
    r: &ReportRow,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<Vec<NewOutbox>, AppError> {
    let reporter = |m: &InboundRow, purpose: &str, params: serde_json::Value| {
        NewOutbox::to_origin(
            m.cloud_group_id.as_deref(),
            m.sender_phone.as_deref(),
            m.sender_bsuid.as_deref(),
            &m.wamid,
            purpose,
            params,
            now,
        )
    };
    let origin = state.store.inbound_by_id(r.message_id).await?;
    let mut rows = Vec::new();
    match notice {
        Notice::ReporterStatus(status) => {
            let params = json!({ "folio": r.folio, "status": status });
            rows.extend(
                origin
                    .as_ref()
                    .and_then(|m| reporter(m, "reporter_status", params.clone())),
            );
            // Reporters of merged duplicates follow the primary.
            if *status == "resolved" {
                for d in state.store.duplicates_of(&r.folio).await? {
                    if let Some(m) = state.store.inbound_by_id(d.message_id).await? {
                        rows.extend(reporter(&m, "reporter_status", params.clone()));
                    }
                }
            }
        }
        Notice::OperatorReply(text) => {
            let params = json!({ "folio": r.folio, "texto": text });
            rows.extend(
                origin
                    .as_ref()
                    .and_then(|m| reporter(m, "operator_reply", params)),
            );
        }
        Notice::Coordinator(id) => {
            let registry = state.registry.current();
            let coordinator = registry
                .region(&r.region)
                .and_then(|reg| reg.coordinators.iter().find(|c| &c.id == id));
            if let Some(c) = coordinator {
                let group = registry.group(&r.group_ref);
                let text = origin
                    .as_ref()
                    .and_then(|m| m.body.as_deref().or(m.note.as_deref()));
                let params = json!({
                    "folio": r.folio,
                    "grupo": group.map_or(r.group_ref.as_str(), |g| g.name.as_str()),
                    "colonia": group.map(|g| g.colonias.join(", ")).unwrap_or_default(),
                    "categoria": category_es(&r.category),
                    "prioridad": priority_es(&r.priority).to_lowercase(),
                    "extracto": text.map(crate::routing::excerpt).unwrap_or_default(),
                });
                rows.extend(crate::routing::to_coordinator(
                    c,
                    "coordinator_notice",
                    1,
                    &params,
                    now,
                ));
            }
        }
    }
    Ok(rows)
}
