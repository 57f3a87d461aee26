//! The report page's forms as the service's [`Action`]s, and the confirmations shown after
//! one succeeded. The service judges every action; this only translates field names.

use serde::Deserialize;

use crate::error::AppError;
use crate::queue::actions::Action;

/// Every field any action form may send; which ones matter depends on `action`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    pub csrf: Option<String>,
    pub action: Option<String>,
    /// "1" on the supervisor's "tomar de todos modos".
    pub force: Option<String>,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub reason: Option<String>,
    pub coordinator: Option<String>,
    pub text: Option<String>,
    pub comment: Option<String>,
    pub of: Option<String>,
}

impl ActionForm {
    pub fn into_action(self) -> Result<Action, AppError> {
        // An empty optional field is "not given"; a required one empty is the operator's
        // mistake, said in Spanish.
        let opt = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let required = |v: Option<String>, what: &str| {
            opt(v).ok_or_else(|| AppError::BadRequest(format!("falta {what}")))
        };
        let action = self.action.as_deref().unwrap_or("").trim();
        Ok(match action {
            "claim" => Action::Claim {
                force: self.force.as_deref() == Some("1"),
            },
            "release" => Action::Release,
            "acknowledge" => Action::Acknowledge,
            "reclassify" => Action::Reclassify {
                category: required(self.category, "la categoría")?,
                priority: opt(self.priority),
                reason: opt(self.reason),
            },
            "set_priority" => Action::SetPriority {
                priority: required(self.priority, "la prioridad")?,
            },
            "assign" => Action::Assign {
                coordinator: required(self.coordinator, "el coordinador")?,
            },
            // Empty texts go through: the service says why they are refused.
            "note" => Action::Note {
                text: self.text.unwrap_or_default(),
            },
            "reply" => Action::Reply {
                text: self.text.unwrap_or_default(),
            },
            "resolve" => Action::Resolve {
                comment: opt(self.comment),
            },
            "dismiss" => Action::Dismiss {
                reason: self.reason.unwrap_or_default(),
            },
            "mark_duplicate" => Action::MarkDuplicate {
                of: required(self.of, "el folio del reporte original")?,
            },
            "reopen" => Action::Reopen {
                reason: opt(self.reason),
            },
            "" => return Err(AppError::BadRequest("falta la acción".into())),
            _ => return Err(AppError::BadRequest("acción desconocida".into())),
        })
    }
}

/// The confirmation for `?ok=<action>`; anything else shows nothing (the query string is
/// never echoed).
pub fn flash(ok: &str) -> Option<&'static str> {
    Some(match ok {
        "claim" => "Reporte tomado.",
        "release" => "Reporte liberado.",
        "acknowledge" => "Acuse de recibo registrado; se avisó al reportante.",
        "reclassify" => "Clasificación corregida.",
        "set_priority" => "Prioridad cambiada.",
        "assign" => "Reporte asignado; se avisó al coordinador(a).",
        "note" => "Nota interna guardada.",
        "reply" => "Respuesta enviada a la cola de salida.",
        "resolve" => "Reporte resuelto; se avisará al reportante.",
        "dismiss" => "Reporte descartado.",
        "mark_duplicate" => "Reporte marcado como duplicado.",
        "reopen" => "Reporte reabierto.",
        "contact" => "Contacto mostrado; el acceso quedó registrado.",
        "incident_confirm" => "Confirmado: el reporte pertenece al incidente.",
        "incident_split" => "Reporte separado: ahora es un incidente propio.",
        "incident_merge" => "Incidentes unidos.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> ActionForm {
        serde_urlencoded::from_str(&serde_urlencoded::to_string(pairs).unwrap()).unwrap()
    }

    #[test]
    fn forms_become_actions() {
        let a = form(&[("action", "claim"), ("force", "1")])
            .into_action()
            .unwrap();
        assert_eq!(a, Action::Claim { force: true });
        let a = form(&[("action", "claim")]).into_action().unwrap();
        assert_eq!(a, Action::Claim { force: false });
        let a = form(&[
            ("action", "reclassify"),
            ("category", "tip_089"),
            ("priority", ""),
        ])
        .into_action()
        .unwrap();
        assert_eq!(
            a,
            Action::Reclassify {
                category: "tip_089".into(),
                priority: None,
                reason: None
            }
        );
        assert!(form(&[("action", "reclassify")]).into_action().is_err());
        assert!(form(&[("action", "borrar")]).into_action().is_err());
        assert!(form(&[]).into_action().is_err());
        let a = form(&[("action", "mark_duplicate"), ("of", " SON-2026-000001 ")]);
        assert_eq!(
            a.into_action().unwrap(),
            Action::MarkDuplicate {
                of: "SON-2026-000001".into()
            }
        );
    }

    #[test]
    fn flash_only_for_known_actions() {
        assert_eq!(flash("claim"), Some("Reporte tomado."));
        assert_eq!(flash("<script>"), None);
    }
}
