//! The values a delivery's writes have in common on both backends, built once: the audit
//! entries routing and coordinators leave (who, which action, what detail), the notice a
//! reporter gets when a coordinator acts on their report, and the flagged delivery's entry.
//! The executors only bind them; the SQL is in `statements.rs`.

use super::plan::{NewCommand, NewOutbox, NewReport};
use super::NewDelivery;
use crate::store::audit::AuditEntry;

/// The actor of every entry routing leaves while a delivery is stored.
pub(crate) const ROUTING: &str = "system:routing";
pub(crate) const REPORT_CREATED: &str = "report.created";
pub(crate) const REPORT_FOLLOW_UP: &str = "report.follow_up";
pub(crate) const COMMAND_REFUSED: &str = "report.command_refused";

/// The detail of a report's `report.created` entry.
pub(crate) fn report_created(r: &NewReport) -> serde_json::Value {
    serde_json::json!({
        "category": r.category, "priority": r.priority,
        "group": r.group_ref, "region": r.region,
    })
}

/// The detail of a follow-up's entry on the report it was attached to.
pub(crate) fn follow_up(message_id: i64) -> serde_json::Value {
    serde_json::json!({ "message_id": message_id })
}

/// The action and detail of a command that moved its report (`report.acknowledged`,
/// `report.resolved`). A refused one is [`COMMAND_REFUSED`] with [`NewCommand::refusal`].
pub(crate) fn command_applied(c: &NewCommand) -> (String, serde_json::Value) {
    (
        format!("report.{}", c.action.status()),
        serde_json::json!({ "by": c.actor }),
    )
}

/// Where a report came from, as `statements::REPORT_ORIGIN` reads it: group, phone, BSUID
/// and the wamid to quote.
pub(crate) type Origin = (Option<String>, Option<String>, Option<String>, String);

/// The notice to the reporter once a command moved their report (none when the origin has
/// no address left, e.g. after an erasure).
pub(crate) fn command_notice(c: &NewCommand, origin: &Origin) -> Option<NewOutbox> {
    let (group, phone, bsuid, wamid) = origin;
    let params = serde_json::json!({ "folio": c.folio, "status": c.action.status() });
    NewOutbox::to_origin(
        group.as_deref(),
        phone.as_deref(),
        bsuid.as_deref(),
        wamid,
        &c.reporter_purpose,
        params,
        c.at,
    )
}

/// A command's entry on its report, applied or refused.
pub(crate) fn command_audit<'a>(
    c: &'a NewCommand,
    action: &'a str,
    detail: &serde_json::Value,
) -> AuditEntry<'a> {
    AuditEntry::report(c.at, &c.actor, action, &c.folio, detail)
}

/// The privacy notice is due only when this transaction inserted every one of the sender's
/// pseudonyms: a sender who had it under any of them, or a replica that got there first,
/// does not get it again.
pub(crate) fn privacy_notice_due(inserted: u64, keys: &[String]) -> bool {
    !keys.is_empty() && inserted == keys.len() as u64
}

/// The audit entry of a delivery whose body did not parse (`entity_id` is the delivery's
/// id, which the caller formats and lends).
pub(crate) fn flagged<'a>(d: &NewDelivery, delivery_id: &'a str) -> AuditEntry<'a> {
    AuditEntry {
        at: d.received_at,
        actor: "system:intake",
        action: "delivery.flagged",
        entity_kind: "webhook_delivery",
        entity_id: delivery_id,
        detail: d.outcome.as_str().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_is_due_only_when_every_pseudonym_was_new() {
        let keys = vec!["a".to_string(), "b".to_string()];
        assert!(privacy_notice_due(2, &keys));
        assert!(!privacy_notice_due(1, &keys));
        assert!(!privacy_notice_due(0, &[]));
    }
}
