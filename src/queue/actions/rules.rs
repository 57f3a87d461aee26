//! The small rules the actions share: closing, claims, text limits, names, and the
//! before/after record of what changed.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{ActionError, Context, MAX_TEXT};
use crate::store::{ReportFields, ReportRow};
use crate::triage::{Category, Priority};

/// Closing stops escalation and frees the claim; the closing time is kept for the weekly
/// figures ("open at week end").
pub(super) fn close(f: &mut ReportFields, ctx: &Context) {
    f.resolved_at = Some(ctx.now);
    f.resolved_by = Some(ctx.who.actor());
    f.escalate_at = None;
    f.claimed_by = None;
    f.claim_expires_at = None;
}

pub(super) fn held_by_other(r: &ReportRow, me: &str, now: DateTime<Utc>) -> Option<String> {
    match (&r.claimed_by, r.claim_expires_at) {
        (Some(holder), Some(until)) if holder != me && until > now => Some(holder.clone()),
        _ => None,
    }
}

pub(super) fn checked_text(text: &str) -> Result<String, ActionError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ActionError::Invalid("escriba un texto".into()));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(ActionError::Invalid(format!(
            "el texto excede {MAX_TEXT} caracteres"
        )));
    }
    Ok(t.to_owned())
}

pub fn parse_category(s: &str) -> Result<Category, ActionError> {
    Category::ALL
        .into_iter()
        .find(|c| c.as_str() == s)
        .ok_or_else(|| ActionError::Invalid(format!("categoría desconocida: {s}")))
}

pub fn parse_priority(s: &str) -> Result<Priority, ActionError> {
    Priority::ALL
        .into_iter()
        .find(|p| p.as_str() == s)
        .ok_or_else(|| ActionError::Invalid(format!("prioridad desconocida: {s}")))
}

/// Before/after of every field that changed, for the audit trail.
pub(super) fn diff(a: &ReportFields, b: &ReportFields) -> serde_json::Map<String, Value> {
    let show = |t: &Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
    let pairs: [(&str, Value, Value); 13] = [
        ("category", json!(a.category), json!(b.category)),
        ("priority", json!(a.priority), json!(b.priority)),
        ("status", json!(a.status), json!(b.status)),
        (
            "escalate_at",
            json!(show(&a.escalate_at)),
            json!(show(&b.escalate_at)),
        ),
        (
            "acknowledged_at",
            json!(show(&a.acknowledged_at)),
            json!(show(&b.acknowledged_at)),
        ),
        (
            "acknowledged_by",
            json!(a.acknowledged_by),
            json!(b.acknowledged_by),
        ),
        (
            "resolved_at",
            json!(show(&a.resolved_at)),
            json!(show(&b.resolved_at)),
        ),
        ("resolved_by", json!(a.resolved_by), json!(b.resolved_by)),
        ("claimed_by", json!(a.claimed_by), json!(b.claimed_by)),
        (
            "claim_expires_at",
            json!(show(&a.claim_expires_at)),
            json!(show(&b.claim_expires_at)),
        ),
        ("assigned_to", json!(a.assigned_to), json!(b.assigned_to)),
        ("duplicate_of", json!(a.duplicate_of), json!(b.duplicate_of)),
        ("needs_review", json!(a.needs_review), json!(b.needs_review)),
    ];
    pairs
        .into_iter()
        .filter(|(_, x, y)| x != y)
        .map(|(k, x, y)| (k.to_owned(), json!({ "before": x, "after": y })))
        .collect()
}
