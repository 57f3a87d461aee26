//! Hand-built fixture shared by the module's tests (2026-W07, Sonora).
//!
//! Expected figures are worked out by hand in summary/tests.rs; change the
//! rows here and those numbers must be recomputed.

use chrono::{DateTime, Duration, Utc};

use super::summary::RequestRow;
use super::week::IsoWeek;

pub fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub fn week() -> IsoWeek {
    "2026-W07".parse().unwrap()
}

/// A plain open patrol request in Hermosillo; tests override fields.
pub fn row(folio: &str, received: &str) -> RequestRow {
    RequestRow {
        folio: folio.to_string(),
        region: "sonora".to_string(),
        region_name: "Sonora".to_string(),
        received_at: utc(received),
        acknowledged_at: None,
        resolved_at: None,
        ack_deadline: None,
        group_ref: "g1".to_string(),
        group_name: "Comité Villa Bonita".to_string(),
        group_kind: "comité vecinal".to_string(),
        municipality: "Hermosillo".to_string(),
        colonia: None,
        text: None,
        category: "patrol".to_string(),
        priority: "normal".to_string(),
        status: "open".to_string(),
        coordinator: None,
        handler: None,
        merged_count: 0,
    }
}

fn mins(n: i64) -> Duration {
    Duration::minutes(n)
}

fn group(mut r: RequestRow, gref: &str, name: &str, kind: &str) -> RequestRow {
    r.group_ref = gref.to_string();
    r.group_name = name.to_string();
    r.group_kind = kind.to_string();
    r
}

/// Five rows in 2026-W07 (America/Hermosillo) plus one just after it.
pub fn this_week() -> Vec<RequestRow> {
    let mut f1 = row("SON-0001", "2026-02-10T15:00:00Z");
    f1.category = "emergency_911".into();
    f1.priority = "critical".into();
    f1.acknowledged_at = Some(f1.received_at + mins(10));
    f1.ack_deadline = Some(f1.received_at + mins(15));
    f1.resolved_at = Some(f1.received_at + mins(120));
    f1.status = "resolved".into();
    f1.coordinator = Some("Lucía Ramírez".into());
    f1.merged_count = 2;

    let mut f2 = row("SON-0002", "2026-02-11T18:00:00Z");
    f2.acknowledged_at = Some(f2.received_at + mins(30));
    f2.ack_deadline = Some(f2.received_at + mins(15));
    f2.status = "acknowledged".into();
    f2.colonia = Some("Centro, \"Norte\"".into());

    let mut f3 = group(
        row("SON-0003", "2026-02-12T20:00:00Z"),
        "g2",
        "Escuela Primaria Benito Juárez",
        "escuela",
    );
    f3.municipality = "Cajeme".into();
    f3.acknowledged_at = Some(f3.received_at + mins(120));
    f3.ack_deadline = Some(f3.received_at + mins(60));
    // Closed after the week ended: still open at week end.
    f3.resolved_at = Some(utc("2026-02-20T00:00:00Z"));
    f3.status = "resolved".into();

    // Sunday 23:30 in Hermosillo, already Monday in UTC.
    let mut f4 = group(
        row("SON-0004", "2026-02-16T06:30:00Z"),
        "g2",
        "Escuela Primaria Benito Juárez",
        "escuela",
    );
    f4.category = "workshop".into();
    f4.municipality = "Puerto Peñasco".into();
    f4.colonia = Some("Peñasco".into());
    f4.ack_deadline = Some(f4.received_at + mins(15));

    let mut f5 = group(
        row("SON-0005", "2026-02-13T10:00:00Z"),
        "g3",
        "=HYPERLINK(\"http://x\")",
        "comercio",
    );
    f5.category = "other".into();
    f5.priority = "low".into();
    f5.municipality = "Cajeme".into();
    f5.acknowledged_at = Some(f5.received_at + mins(5));
    f5.resolved_at = Some(f5.received_at + mins(20));
    f5.status = "dismissed".into();

    // Monday 00:30 Hermosillo: next week, must be ignored by the summary.
    let late = row("SON-0006", "2026-02-16T07:30:00Z");
    vec![f1, f2, f3, f4, f5, late]
}

/// Rows for W03..W06 plus one in W02 and one in W07 that must be ignored.
pub fn previous_weeks() -> Vec<RequestRow> {
    let mut rows = Vec::new();
    let mut add = |at: &str, cat: &str| {
        let mut r = row("OLD", at);
        r.category = cat.to_string();
        rows.push(r);
    };
    for at in ["2026-02-04T19:00:00Z", "2026-01-28T19:00:00Z"] {
        add(at, "patrol");
        add(at, "patrol");
    }
    for at in [
        "2026-01-14T19:00:00Z",
        "2026-01-21T19:00:00Z",
        "2026-01-28T19:00:00Z",
        "2026-02-04T19:00:00Z",
    ] {
        add(at, "emergency_911");
    }
    add("2026-02-04T19:00:00Z", "follow_up");
    add("2026-02-05T19:00:00Z", "follow_up");
    add("2026-01-07T19:00:00Z", "patrol"); // W02: too old
    add("2026-02-10T19:00:00Z", "patrol"); // W07: not previous
    rows
}
