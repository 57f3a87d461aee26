//! The report's timeline in words: who did it, and the useful parts of each audit entry's
//! detail (note and reply texts, reasons, every field's before → after).

use serde_json::Value;

use super::render::local_time;
use crate::queue::views::mask_phone;
use crate::vocab::{category_es, priority_es, status_es};

/// `user:ana` → "ana"; the system's own steps in Spanish.
pub fn actor_es(actor: &str) -> String {
    if let Some(name) = actor.strip_prefix("user:") {
        return name.to_owned();
    }
    match actor.split(':').next() {
        Some("system") => "sistema".to_owned(),
        Some("coordinator") => format!(
            "coordinador(a) {}",
            actor.split_once(':').map_or("", |x| x.1)
        ),
        _ => actor.to_owned(),
    }
}

/// An escalation step's heading with its level: "Escalamiento nivel 1 (respaldo)".
pub fn escalation_heading(d: Option<&Value>) -> Option<String> {
    let level = d?.get("level")?.as_i64()?;
    let who = match level {
        1 => "respaldo",
        2 => "supervisión",
        _ => "coordinación",
    };
    Some(format!("Escalamiento nivel {level} ({who})"))
}

/// Who an escalation step told, by name from the registry and masked phone: "Se avisó a:
/// Luis Pérez (+52 ••• ••• ••01)". A coordinator since removed from the registry shows by id.
pub fn escalation_lines(
    d: &Value,
    region: Option<&crate::registry::Region>,
    tz: chrono_tz::Tz,
) -> Vec<String> {
    let mut lines = Vec::new();
    let told: Vec<String> = d
        .get("notified")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .map(
                    |id| match region.and_then(|r| r.coordinators.iter().find(|c| c.id == id)) {
                        Some(c) => match &c.phone {
                            Some(p) => format!("{} ({})", c.name, mask_phone(p.as_str())),
                            None => c.name.clone(),
                        },
                        None => id.to_owned(),
                    },
                )
                .collect()
        })
        .unwrap_or_default();
    lines.push(if told.is_empty() {
        "No había a quién avisar en este nivel".to_owned()
    } else {
        format!("Se avisó a: {}", told.join(", "))
    });
    match d.get("next_at").and_then(Value::as_str) {
        Some(next) => lines.push(format!(
            "Siguiente nivel si nadie da acuse: {}",
            show_value("next_at", Some(&Value::String(next.to_owned())), tz)
        )),
        None => lines.push("Último nivel de escalamiento".to_owned()),
    }
    lines
}

/// The useful parts of an audit entry's detail, as lines of text.
pub fn detail_lines(action: &str, d: &Value, tz: chrono_tz::Tz) -> Vec<String> {
    let mut lines = Vec::new();
    let text = |k: &str| d.get(k).and_then(Value::as_str);
    if action == "report.created" {
        if let (Some(c), Some(p)) = (text("category"), text("priority")) {
            lines.push(format!(
                "Clasificación: {} · prioridad {}",
                category_es(c),
                priority_es(p)
            ));
        }
    }
    if let Some(t) = text("text") {
        let what = if action == "report.reply" {
            "Respuesta"
        } else {
            "Nota"
        };
        lines.push(format!("{what}: «{t}»"));
    }
    if let Some(t) = text("comment") {
        lines.push(format!("Comentario: {t}"));
    }
    if let Some(t) = text("reason") {
        lines.push(format!("Motivo: {t}"));
    }
    if let Some(t) = text("primary") {
        lines.push(format!("Reporte original: {t}"));
    }
    if let Some(t) = text("override") {
        lines.push(format!("Se le quitó a {t}"));
    }
    if let Some(t) = text("incidente") {
        lines.push(format!("Incidente: {t}"));
    }
    if let Some(t) = text("unido_a") {
        lines.push(format!("Unido al incidente {t}"));
    }
    if let Some(t) = text("recibe") {
        lines.push(format!("Recibe el incidente {t}"));
    }
    if let Some(Value::Object(changes)) = d.get("changes") {
        for (field, ch) in changes {
            let before = show_value(field, ch.get("before"), tz);
            let after = show_value(field, ch.get("after"), tz);
            lines.push(format!("{}: {before} → {after}", field_es(field)));
        }
    }
    lines
}

fn field_es(field: &str) -> &str {
    match field {
        "category" => "Categoría",
        "priority" => "Prioridad",
        "status" => "Estado",
        "escalate_at" => "Próximo escalamiento",
        "acknowledged_at" => "Acuse",
        "acknowledged_by" => "Acuse por",
        "resolved_at" => "Cierre",
        "resolved_by" => "Cerrado por",
        "claimed_by" => "Tomado por",
        "claim_expires_at" => "Tomado hasta",
        "assigned_to" => "Asignado a",
        "duplicate_of" => "Duplicado de",
        "needs_review" => "Requiere revisión",
        other => other,
    }
}

fn show_value(field: &str, v: Option<&Value>, tz: chrono_tz::Tz) -> String {
    match v {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::Bool(b)) => if *b { "sí" } else { "no" }.to_owned(),
        Some(Value::String(s)) => match field {
            "category" => category_es(s).to_owned(),
            "priority" => priority_es(s).to_owned(),
            "status" => status_es(s).to_owned(),
            f if f.ends_with("_at") => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| local_time(t.with_timezone(&chrono::Utc), tz))
                .unwrap_or_else(|_| s.clone()),
            f if f.ends_with("_by") => actor_es(s),
            _ => s.clone(),
        },
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timeline_details_read_as_words() {
        let d = json!({
            "text": "llamar al comité",
            "changes": {
                "status": {"before": "open", "after": "resolved"},
                "claimed_by": {"before": "ana", "after": null},
                "resolved_at": {"before": null, "after": "2026-11-22T20:00:00+00:00"}
            }
        });
        let lines = detail_lines("report.note", &d, chrono_tz::America::Hermosillo);
        assert!(
            lines.contains(&"Nota: «llamar al comité»".to_owned()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"Estado: Abierto → Resuelto".to_owned()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"Tomado por: ana → —".to_owned()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"Cierre: — → 22/11/2026 13:00".to_owned()),
            "{lines:?}"
        );
        let joined = json!({"incidente": "SON-2026-000001", "reportes": 3});
        assert_eq!(
            detail_lines("incident.joined", &joined, chrono_tz::America::Hermosillo),
            ["Incidente: SON-2026-000001"]
        );
        assert_eq!(actor_es("user:ana"), "ana");
        assert_eq!(actor_es("system:routing"), "sistema");
    }

    #[test]
    fn escalations_name_the_level_and_who_was_told() {
        let reg =
            crate::registry::Registry::load_dir(std::path::Path::new("config/registry")).unwrap();
        let region = reg
            .regions()
            .iter()
            .find(|r| r.coordinators.iter().any(|c| c.phone.is_some()))
            .unwrap();
        let c = region
            .coordinators
            .iter()
            .find(|c| c.phone.is_some())
            .unwrap();
        let phone = c.phone.as_ref().unwrap().as_str().to_owned();
        let d = json!({"level": 1, "notified": [c.id, "ya-no-existe"], "next_at": null});
        assert_eq!(
            escalation_heading(Some(&d)).as_deref(),
            Some("Escalamiento nivel 1 (respaldo)")
        );
        let lines = escalation_lines(&d, Some(region), region.time_zone);
        assert!(
            lines[0].starts_with(&format!("Se avisó a: {} (+52 ", c.name)),
            "{lines:?}"
        );
        assert!(lines[0].ends_with(", ya-no-existe"), "{lines:?}");
        assert!(
            !lines[0].contains(&phone[3..]),
            "the phone is masked: {lines:?}"
        );
        assert_eq!(lines[1], "Último nivel de escalamiento");
    }
}
