//! The report page's history: the timeline of everything done to the report (from the
//! audit trail) and the messages we sent about it, each in the operators' words and clock.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::views::local;
use crate::store::{AuditRow, OutboxRow};

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineItem {
    pub at: DateTime<Utc>,
    pub at_local: String,
    pub actor: String,
    pub action: String,
    pub what_es: String,
    pub detail: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboundView {
    pub at_local: String,
    pub purpose: String,
    pub purpose_es: &'static str,
    pub state: String,
    pub state_es: &'static str,
    pub delivery_status: Option<String>,
    pub delivery_es: Option<&'static str>,
    pub template: bool,
}

pub(super) fn timeline(a: &AuditRow, tz: chrono_tz::Tz) -> TimelineItem {
    let what = match a.action.as_str() {
        "report.created" => "Reporte creado por el clasificador",
        "report.claim" => "Tomado",
        "report.release" => "Liberado",
        "report.acknowledge" | "report.acknowledged" => "Acuse de recibo",
        "report.reclassify" => "Reclasificado",
        "report.set_priority" => "Cambio de prioridad",
        "report.assign" => "Asignado a coordinador(a)",
        "report.note" => "Nota interna",
        "report.reply" => "Respuesta al reportante",
        "report.resolve" | "report.resolved" => "Resuelto",
        "report.dismiss" => "Descartado",
        "report.mark_duplicate" => "Marcado como duplicado",
        "report.reopen" => "Reabierto",
        "report.reveal_contact" => "Se mostró el contacto del reportante",
        "report.command_refused" => "Orden de coordinador(a) rechazada",
        "report.follow_up" => "Seguimiento del ciudadano",
        "report.undeliverable" => "Mensaje que no se pudo entregar (definitivo)",
        a if a.starts_with("report.escalat") => "Escalamiento",
        "incident.opened" => "Abrió un incidente",
        "incident.joined" => "Se sumó a un incidente",
        "incident.led" => "Encabeza el incidente que abrió un comentario previo",
        "incident.confirmed" => "Confirmado en su incidente",
        "incident.split" => "Separado de su incidente",
        "incident.merged" => "Su incidente se unió a otro",
        "incident.merged_in" => "Otro incidente se unió al suyo",
        "incident.acknowledged" => "Atendido junto con su incidente",
        "incident.resolved" => "Resuelto junto con su incidente",
        other => other,
    };
    TimelineItem {
        at: a.at,
        at_local: local(a.at, tz),
        actor: a.actor.clone(),
        action: a.action.clone(),
        what_es: what.to_owned(),
        detail: a
            .detail
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok()),
    }
}

pub(super) fn outbound(o: &OutboxRow, tz: chrono_tz::Tz) -> OutboundView {
    OutboundView {
        at_local: local(o.sent_at.unwrap_or(o.created_at), tz),
        purpose: o.purpose.clone(),
        purpose_es: match o.purpose.as_str() {
            "reply_emergency" => "Aviso de llamar al 9-1-1",
            "reply_tip" => "Redirección al 089",
            "reply_ack" => "Acuse con folio",
            "coordinator_notice" => "Aviso a coordinador(a)",
            "escalation_notice" => "Escalamiento",
            "reporter_status" => "Estado al reportante",
            "operator_reply" => "Respuesta del operador",
            "reply_follow_up" => "Respuesta de seguimiento",
            "reply_unregistered" => "Aviso a remitente no registrado",
            "command_unknown" => "Folio no encontrado",
            "privacy_notice" => "Aviso de privacidad",
            "weekly_digest" => "Resumen semanal",
            "trend_alert" => "Alerta de tendencia por colonia",
            _ => "Mensaje",
        },
        state: o.state.clone(),
        state_es: match o.state.as_str() {
            "pending" => "en cola",
            "sending" => "enviándose",
            "sent" => "enviado",
            "dry_run" => "simulado (sin token de WhatsApp)",
            "merged" => "enviado junto con otro mensaje",
            "failed" => "falló",
            _ => "desconocido",
        },
        delivery_status: o.delivery_status.clone(),
        delivery_es: o.delivery_status.as_deref().map(|d| match d {
            "sent" => "enviado",
            "delivered" => "entregado",
            "read" | "played" => "leído",
            "failed" => "no entregado",
            _ => "otro",
        }),
        template: o.use_template,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grouping's steps show in the operator's words, not as their codes.
    #[test]
    fn incident_steps_read_as_words() {
        let row = |action: &str| AuditRow {
            id: 1,
            at: Utc::now(),
            actor: "system:incidents".into(),
            action: action.into(),
            entity_kind: "report".into(),
            entity_id: "SON-2026-000002".into(),
            detail: None,
        };
        let tz = chrono_tz::America::Hermosillo;
        for action in [
            "incident.opened",
            "incident.joined",
            "incident.led",
            "incident.confirmed",
            "incident.split",
            "incident.merged",
            "incident.merged_in",
            "incident.acknowledged",
            "incident.resolved",
        ] {
            let what = timeline(&row(action), tz).what_es;
            assert!(!what.starts_with("incident."), "{action}: {what}");
        }
        assert_eq!(
            timeline(&row("incident.led"), tz).what_es,
            "Encabeza el incidente que abrió un comentario previo"
        );
    }
}
