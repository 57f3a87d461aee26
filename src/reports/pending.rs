//! "Which are still pending": the requests a coordinator has to chase on Monday, oldest
//! first, with how long each has waited.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::summary::RequestRow;

/// How many pending requests the summary lists; the rest are counted and one link away
/// (the queue with the same region).
pub const PENDING_SHOWN: usize = 50;

/// Open or acknowledged: nobody closed it yet.
pub fn is_pending(status: &str) -> bool {
    matches!(status, "open" | "acknowledged")
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingItem {
    pub folio: String,
    /// Region id (the summary may cover every region).
    pub region: String,
    pub received_at: DateTime<Utc>,
    /// Seconds between reception and when the figures were computed.
    pub age_secs: i64,
    pub category: String,
    pub priority: String,
    pub status: String,
    pub group_name: String,
    pub colonia: Option<String>,
    pub handler: Option<String>,
    /// The acknowledgement deadline had passed without an acknowledgement.
    pub overdue: bool,
}

/// Pending requests received before `until`, oldest first, at most [`PENDING_SHOWN`], and
/// how many there are in all. Rows may repeat (callers pass overlapping slices); a folio
/// counts once.
pub fn pending<'a>(
    rows: impl IntoIterator<Item = &'a RequestRow>,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> (Vec<PendingItem>, u64) {
    let mut by_folio: BTreeMap<(DateTime<Utc>, &str), &RequestRow> = BTreeMap::new();
    for r in rows {
        if is_pending(&r.status) && r.received_at < until {
            by_folio.insert((r.received_at, r.folio.as_str()), r);
        }
    }
    let total = by_folio.len() as u64;
    let items = by_folio
        .into_values()
        .take(PENDING_SHOWN)
        .map(|r| PendingItem {
            folio: r.folio.clone(),
            region: r.region.clone(),
            received_at: r.received_at,
            age_secs: (now - r.received_at).num_seconds().max(0),
            category: r.category.clone(),
            priority: r.priority.clone(),
            status: r.status.clone(),
            group_name: r.group_name.clone(),
            colonia: r.colonia.clone(),
            handler: r.handler.clone(),
            overdue: r.acknowledged_at.is_none() && r.ack_deadline.is_some_and(|d| d <= now),
        })
        .collect();
    (items, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::test_support::{row, utc};

    #[test]
    fn oldest_first_once_each_with_age() {
        let a = row("A", "2026-02-10T15:00:00Z");
        let b = row("B", "2026-02-09T15:00:00Z");
        let mut closed = row("C", "2026-02-08T15:00:00Z");
        closed.status = "resolved".into();
        let late = row("D", "2026-02-20T15:00:00Z");
        let mut due = row("E", "2026-02-11T15:00:00Z");
        due.ack_deadline = Some(utc("2026-02-11T15:15:00Z"));
        let rows = [a.clone(), b, closed, late, a, due];
        let now = utc("2026-02-16T15:00:00Z");
        let (items, total) = pending(&rows, utc("2026-02-16T07:00:00Z"), now);
        let folios: Vec<&str> = items.iter().map(|i| i.folio.as_str()).collect();
        assert_eq!(folios, ["B", "A", "E"]);
        assert_eq!(total, 3);
        assert_eq!(items[0].age_secs, 7 * 86_400);
        assert!(items[2].overdue && !items[0].overdue);
    }
}
