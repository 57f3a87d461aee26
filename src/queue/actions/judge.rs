//! Judging one action against the report as read: whether it is allowed now, the fields
//! it leaves, the audit detail (with a before/after of what changed), and who to tell.

use serde_json::{json, Value};

use super::rules::{checked_text, close, diff, held_by_other, parse_category, parse_priority};
use super::{Action, ActionError, Context, Notice, Planned};
use crate::access::principal::Permission;
use crate::store::{NewCorrection, ReportFields, ReportRow};

const CLOSED: [&str; 3] = ["resolved", "dismissed", "duplicate"];

/// A new priority brings its own acknowledgement deadline, counted from when the report
/// arrived, so the escalation the worker runs is the deadline the page shows. Only a report
/// still open and not yet escalated moves: once escalated, the escalation ladder owns the
/// next step.
fn reschedule(
    f: &mut ReportFields,
    r: &ReportRow,
    priority: crate::triage::Priority,
    ctx: &Context,
) {
    if r.status == "open" && r.escalation_level == 0 {
        f.escalate_at = crate::routing::ack_deadline(priority, r.created_at, ctx.tz, ctx.deadlines);
    }
}

/// Judges `action` against `r`: the new fields, the audit entry and who to tell.
pub fn plan(action: &Action, r: &ReportRow, ctx: &Context) -> Result<Planned, ActionError> {
    if !ctx.who.may(action.permission()) {
        return Err(ActionError::Forbidden);
    }
    let before = ReportFields::from(r);
    let mut f = before.clone();
    let me = ctx.who.name.clone();
    let closed = CLOSED.contains(&r.status.as_str());
    let open_only = |what: &str| -> Result<(), ActionError> {
        if closed {
            Err(ActionError::Conflict(format!(
                "el reporte está cerrado; reábralo para {what}"
            )))
        } else {
            Ok(())
        }
    };
    let mut correction = None;
    let mut notice = None;
    let mut detail = json!({});
    match action {
        Action::Claim { force } => {
            open_only("tomarlo")?;
            if let Some(holder) = held_by_other(r, &me, ctx.now) {
                if !force {
                    return Err(ActionError::Conflict(format!(
                        "lo tiene {holder} hasta las {}",
                        r.claim_expires_at.map_or(String::new(), |t| t
                            .with_timezone(&ctx.tz)
                            .format("%H:%M")
                            .to_string())
                    )));
                }
                detail = json!({ "override": holder });
            }
            f.claimed_by = Some(me.clone());
            f.claim_expires_at = Some(ctx.now + ctx.claim_for);
        }
        Action::Release => {
            if f.claimed_by.is_none() {
                return Err(ActionError::Conflict("el reporte no está tomado".into()));
            }
            if held_by_other(r, &me, ctx.now).is_some() && !ctx.who.may(Permission::OverrideClaim) {
                return Err(ActionError::Conflict("lo tiene otra persona".into()));
            }
            f.claimed_by = None;
            f.claim_expires_at = None;
        }
        Action::Acknowledge => {
            if r.status != "open" {
                return Err(ActionError::Conflict(
                    "el reporte ya no está abierto".into(),
                ));
            }
            f.status = "acknowledged".into();
            f.acknowledged_at = Some(ctx.now);
            f.acknowledged_by = Some(ctx.who.actor());
            f.escalate_at = None;
            notice = Some(Notice::ReporterStatus("acknowledged"));
        }
        Action::Reclassify {
            category,
            priority,
            reason,
        } => {
            let cat = parse_category(category)?;
            // No priority chosen is the form's "Según la categoría": the new category's
            // own priority, as the classifier would have given it.
            let pri = match priority.as_deref().filter(|p| !p.is_empty()) {
                Some(p) => parse_priority(p)?,
                None => cat.default_priority(),
            };
            if cat.as_str() == r.category && pri.as_str() == r.priority {
                return Err(ActionError::Invalid("la clasificación no cambia".into()));
            }
            f.category = cat.as_str().into();
            f.priority = pri.as_str().into();
            reschedule(&mut f, r, pri, ctx);
            if let Some(r) = reason.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                detail = json!({ "reason": r });
            }
            correction = Some(NewCorrection {
                from_category: r.category.clone(),
                from_priority: r.priority.clone(),
                to_category: f.category.clone(),
                to_priority: f.priority.clone(),
                reason: reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(Into::into),
            });
        }
        Action::SetPriority { priority } => {
            let p = parse_priority(priority)?;
            if p.as_str() == r.priority {
                return Err(ActionError::Invalid("la prioridad no cambia".into()));
            }
            f.priority = p.as_str().into();
            reschedule(&mut f, r, p, ctx);
        }
        Action::Assign { coordinator } => {
            open_only("asignarlo")?;
            if !ctx.coordinators.iter().any(|c| c == coordinator) {
                return Err(ActionError::Invalid(
                    "ese coordinador no pertenece a la región del reporte".into(),
                ));
            }
            f.assigned_to = Some(coordinator.clone());
            notice = Some(Notice::Coordinator(coordinator.clone()));
        }
        Action::Note { text } => {
            detail = json!({ "text": checked_text(text)? });
        }
        Action::Reply { text } => {
            let text = checked_text(text)?;
            detail = json!({ "text": text });
            notice = Some(Notice::OperatorReply(text));
        }
        Action::Resolve { comment } => {
            open_only("resolverlo")?;
            f.status = "resolved".into();
            close(&mut f, ctx);
            if f.acknowledged_at.is_none() {
                f.acknowledged_at = Some(ctx.now);
                f.acknowledged_by = Some(ctx.who.actor());
            }
            if let Some(c) = comment.as_deref().filter(|c| !c.trim().is_empty()) {
                detail = json!({ "comment": checked_text(c)? });
            }
            notice = Some(Notice::ReporterStatus("resolved"));
        }
        Action::Dismiss { reason } => {
            open_only("descartarlo")?;
            detail = json!({ "reason": checked_text(reason)? });
            f.status = "dismissed".into();
            close(&mut f, ctx);
        }
        Action::MarkDuplicate { of } => {
            open_only("unirlo")?;
            let primary = ctx
                .primary
                .ok_or_else(|| ActionError::Invalid(format!("no existe el folio {of}")))?;
            if primary.id == r.id {
                return Err(ActionError::Invalid(
                    "un reporte no puede ser duplicado de sí mismo".into(),
                ));
            }
            f.status = "duplicate".into();
            f.duplicate_of = Some(primary.folio.clone());
            close(&mut f, ctx);
            detail = json!({ "primary": primary.folio });
            notice = Some(Notice::ReporterStatus("duplicate"));
        }
        Action::Reopen { reason } => {
            if !closed {
                return Err(ActionError::Conflict("el reporte ya está abierto".into()));
            }
            f.status = if r.acknowledged_at.is_some() {
                "acknowledged"
            } else {
                "open"
            }
            .into();
            f.resolved_at = None;
            f.resolved_by = None;
            f.duplicate_of = None;
            if let Some(reason) = reason.as_deref().filter(|c| !c.trim().is_empty()) {
                detail = json!({ "reason": checked_text(reason)? });
            }
        }
    }
    if let Value::Object(map) = &mut detail {
        let changes = diff(&before, &f);
        if !changes.is_empty() {
            map.insert("changes".into(), Value::Object(changes));
        }
    }
    Ok(Planned {
        fields: f,
        audit_action: format!("report.{}", action.name()),
        detail,
        correction,
        notice,
    })
}
