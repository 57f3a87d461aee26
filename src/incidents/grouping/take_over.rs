//! An event that takes over the incident a comment opened before it.

use super::{assess, Facts, Fit, Incident, Member, Policy, Reader};
use crate::incidents::policy::Family;

/// The incident a comment opened that this report is the event of, if any.
///
/// A neighbour often asks before anyone tells ("¿qué fue ese tronido?", then "explotó el
/// transformador de la esquina"). The question opened an incident that takes nothing (a
/// comment says too little to gather others), so the event would open its own, and the
/// one who asked would never hear what it was. Instead the event takes the comment's
/// incident over and leads it, when the comment, read as a comment on the event, would
/// have joined it (the same gates and evidence, with the event as the incident) and came
/// at most [`Policy::take_over_window`] before it. Of several such comments, the one it
/// fits best; ties to the older incident.
///
/// In the service a text comment opens no report at all (it only gets its answer), so
/// there the comment is a photo or a voice note held for review (`other`); the same photo
/// sent again with what it shows joins it on the photo alone, and takes it over just the
/// same ([`super::decide`]). The labelled bursts keep text comments as reports, which is
/// what this reads them as.
pub(super) fn take_over(
    policy: &Policy,
    reader: &Reader,
    report: &Facts,
    me: &Member,
    open: &[&Incident],
) -> Option<(i64, Fit)> {
    if Family::of(&me.category) == Family::Chat {
        return None;
    }
    let mut event: Option<Incident> = None;
    let mut best: Option<(i64, Fit)> = None;
    for incident in open {
        if Family::of(&incident.category) != Family::Chat {
            continue;
        }
        let Some(comment) = incident.members.iter().min_by_key(|m| (m.at, m.report_id)) else {
            continue;
        };
        let before = me.at - comment.at;
        if before < chrono::Duration::zero() || before > policy.take_over_window {
            continue;
        }
        let event = event.get_or_insert_with(|| Incident {
            id: 0,
            region: report.region.clone(),
            category: me.category.clone(),
            members: vec![me.clone()],
        });
        let Ok(mut fit) = assess(policy, reader, &report.region, comment, event) else {
            continue;
        };
        fit.matched = comment.report_id;
        let better = match &best {
            None => true,
            Some((id, b)) => fit.margin > b.margin || (fit.margin == b.margin && incident.id < *id),
        };
        if better {
            best = Some((incident.id, fit));
        }
    }
    best
}
