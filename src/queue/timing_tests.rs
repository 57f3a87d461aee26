//! Age, deadline and escalation sentences, without a database.

use chrono::{Duration, TimeZone, Utc};

use super::*;

const TZ: Tz = chrono_tz::America::Hermosillo;

fn report(priority: &str) -> ReportRow {
    let t = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
    ReportRow {
        id: 3,
        folio: "SON-2026-000003".into(),
        message_id: 1,
        group_ref: "hmo-villa-de-seris".into(),
        region: "son-centro".into(),
        category: "patrol".into(),
        priority: priority.into(),
        status: "open".into(),
        created_at: t,
        escalation_level: 0,
        escalate_at: Some(t + Duration::hours(4)),
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: None,
        resolved_by: None,
        updated_at: t,
        version: 0,
        claimed_by: None,
        claim_expires_at: None,
        assigned_to: None,
        duplicate_of: None,
        needs_review: false,
        follow_ups_unseen: 0,
    }
}

fn at(r: &ReportRow, minutes: i64) -> DateTime<Utc> {
    r.created_at + Duration::minutes(minutes)
}

#[test]
fn a_fresh_report_counts_down_to_its_deadline() {
    let r = report("normal");
    let t = timing(&r, None, TZ, &Deadlines::default(), true, at(&r, 12));
    assert_eq!(t.age_minutes, 12);
    assert_eq!(t.age_es, "hace 12 min");
    let d = t.deadline.unwrap();
    assert_eq!(d.state, "pending");
    assert_eq!(d.text_es, "vence en 3:48");
    assert_eq!(t.summary_es, "vence en 3:48");
    assert!(!t.overdue);
    assert_eq!(t.escalation.state, "waiting");
    assert!(t.late_delivery.is_none());
}

#[test]
fn an_overdue_report_says_where_escalation_is() {
    let mut r = report("critical");
    r.escalation_level = 1;
    r.escalate_at = Some(at(&r, 4));
    let t = timing(&r, None, TZ, &Deadlines::default(), true, at(&r, 3));
    assert!(t.overdue);
    assert_eq!(t.deadline.as_ref().unwrap().state, "overdue");
    assert_eq!(
        t.summary_es,
        "vencido · escalado a respaldo · escalamiento a supervisión en 0:01"
    );
    r.escalation_level = 2;
    r.escalate_at = None;
    let t = timing(&r, None, TZ, &Deadlines::default(), true, at(&r, 30));
    assert_eq!(t.summary_es, "vencido · escalado a supervisión");
    assert_eq!(t.escalation.level_es, "supervisión");
}

#[test]
fn a_claim_pauses_escalation_and_says_until_when() {
    let mut r = report("critical");
    r.claimed_by = Some("ana".into());
    r.claim_expires_at = Some(at(&r, 30));
    let t = timing(&r, None, TZ, &Deadlines::default(), true, at(&r, 5));
    assert_eq!(t.escalation.state, "paused");
    // 12:30 UTC is 05:30 in Hermosillo.
    assert_eq!(
        t.summary_es,
        "vencido · escalamiento en pausa mientras ana lo tenga (hasta las 05:30)"
    );
    // An expired claim pauses nothing.
    let t = timing(&r, None, TZ, &Deadlines::default(), true, at(&r, 31));
    assert_eq!(t.escalation.state, "waiting");
}

#[test]
fn acknowledged_closed_and_unregistered_reports() {
    let mut r = report("high");
    r.status = "acknowledged".into();
    r.acknowledged_at = Some(at(&r, 10));
    r.escalate_at = None;
    let t = timing(&r, None, TZ, &Deadlines::default(), true, at(&r, 60));
    assert_eq!(t.deadline.as_ref().unwrap().state, "met");
    assert_eq!(t.escalation.state, "stopped");
    assert_eq!(t.summary_es, "");
    r.acknowledged_at = Some(at(&r, 20));
    let t = timing(&r, None, TZ, &Deadlines::default(), true, at(&r, 60));
    assert_eq!(t.deadline.unwrap().text_es, "acuse fuera de plazo");
    let r = report("critical");
    let t = timing(&r, None, TZ, &Deadlines::default(), false, at(&r, 60));
    assert_eq!(t.summary_es, "vencido");
    assert_eq!(t.escalation.state, "none");
}

#[test]
fn a_late_delivery_counts_from_when_it_was_written() {
    let r = report("normal");
    let written = Written {
        sent_at: r.created_at - Duration::days(2),
        received_at: r.created_at,
    };
    let t = timing(
        &r,
        Some(&written),
        TZ,
        &Deadlines::default(),
        true,
        at(&r, 1),
    );
    let late = t.late_delivery.unwrap();
    assert_eq!(late.text_es, "entregado con retraso · escrito hace 2 días");
    assert_eq!(late.delay_minutes, 2 * 24 * 60);
    assert_eq!(t.age_minutes, 2 * 24 * 60 + 1);
    assert_eq!(t.age_es, "hace 2 días");
    // A few minutes of network delay is not "late".
    let on_time = Written {
        sent_at: r.created_at - Duration::minutes(LATE_AFTER_MINUTES),
        received_at: r.created_at,
    };
    let t = timing(
        &r,
        Some(&on_time),
        TZ,
        &Deadlines::default(),
        true,
        at(&r, 1),
    );
    assert!(t.late_delivery.is_none());
    assert_eq!(t.age_minutes, 1);
}

#[test]
fn spans_and_ages_read_naturally() {
    assert_eq!(span(Duration::minutes(80)), "1:20");
    assert_eq!(span(Duration::minutes(5)), "0:05");
    assert_eq!(span(Duration::minutes(51 * 60)), "2 d 3 h");
    assert_eq!(ago(Duration::seconds(20)), "hace menos de 1 min");
    assert_eq!(ago(Duration::minutes(180)), "hace 3 h");
    assert_eq!(ago(Duration::minutes(185)), "hace 3 h 5 min");
    assert_eq!(ago(Duration::minutes(1500)), "hace 1 día");
}
