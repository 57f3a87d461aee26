//! The action rules, without a database.

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::access::principal::Role;

fn who(name: &str, role: Role) -> Principal {
    Principal {
        user_id: 1,
        name: name.into(),
        role,
        regions: Vec::new(),
        may_reveal: false,
    }
}

fn report() -> ReportRow {
    let t = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
    ReportRow {
        id: 7,
        folio: "SON-2026-000007".into(),
        message_id: 1,
        group_ref: "hmo-villa-de-seris".into(),
        region: "son-centro".into(),
        category: "patrol".into(),
        priority: "normal".into(),
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

static DEADLINES: std::sync::LazyLock<crate::routing::Deadlines> =
    std::sync::LazyLock::new(Default::default);

fn judge(action: &Action, r: &ReportRow, who: &Principal) -> Result<Planned, ActionError> {
    let coordinators = vec!["son-centro-patrulla-1".to_owned()];
    let ctx = Context {
        who,
        now: r.created_at + Duration::minutes(5),
        claim_for: Duration::minutes(30),
        coordinators: &coordinators,
        primary: None,
        tz: chrono_tz::America::Hermosillo,
        deadlines: &DEADLINES,
    };
    plan(action, r, &ctx)
}

#[test]
fn a_claim_expires_and_only_a_supervisor_overrides_it() {
    let ana = who("ana", Role::Operator);
    let mut r = report();
    let p = judge(&Action::Claim { force: false }, &r, &ana).unwrap();
    assert_eq!(p.fields.claimed_by.as_deref(), Some("ana"));
    assert_eq!(
        p.fields.claim_expires_at,
        Some(r.created_at + Duration::minutes(35))
    );
    r.claimed_by = p.fields.claimed_by;
    r.claim_expires_at = p.fields.claim_expires_at;
    let beto = who("beto", Role::Operator);
    match judge(&Action::Claim { force: false }, &r, &beto) {
        // 12:35 UTC is 05:35 in Hermosillo: operators read their own clock.
        Err(ActionError::Conflict(m)) => assert!(m.contains("ana") && m.contains("05:35"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        judge(&Action::Claim { force: true }, &r, &beto),
        Err(ActionError::Forbidden)
    );
    let sup = who("sup", Role::Admin);
    let p = judge(&Action::Claim { force: true }, &r, &sup).unwrap();
    assert_eq!(p.detail["override"], "ana");
    // Expired: anyone may take it.
    r.claim_expires_at = Some(r.created_at);
    assert!(judge(&Action::Claim { force: false }, &r, &beto).is_ok());
}

#[test]
fn resolving_closes_stops_escalation_and_tells_the_reporter() {
    let ana = who("ana", Role::Operator);
    let r = report();
    let p = judge(&Action::Resolve { comment: None }, &r, &ana).unwrap();
    assert_eq!(p.fields.status, "resolved");
    assert_eq!(p.fields.escalate_at, None);
    assert!(p.fields.acknowledged_at.is_some() && p.fields.resolved_at.is_some());
    assert_eq!(p.notice, Some(Notice::ReporterStatus("resolved")));
    assert_eq!(p.detail["changes"]["status"]["before"], "open");
    let mut closed = r.clone();
    closed.status = "resolved".into();
    assert!(matches!(
        judge(&Action::Resolve { comment: None }, &closed, &ana),
        Err(ActionError::Conflict(_))
    ));
    let p = judge(&Action::Reopen { reason: None }, &closed, &ana).unwrap();
    assert_eq!(
        (p.fields.status.as_str(), p.fields.resolved_at),
        ("open", None)
    );
}

#[test]
fn reclassifying_keeps_the_correction_and_emergencies_become_critical() {
    let ana = who("ana", Role::Operator);
    let r = report();
    let a = Action::Reclassify {
        category: "emergency_911".into(),
        priority: None,
        reason: Some("  es un robo en curso ".into()),
    };
    let p = judge(&a, &r, &ana).unwrap();
    assert_eq!(
        (p.fields.category.as_str(), p.fields.priority.as_str()),
        ("emergency_911", "critical")
    );
    let c = p.correction.unwrap();
    assert_eq!(
        (c.from_category.as_str(), c.to_category.as_str()),
        ("patrol", "emergency_911")
    );
    assert_eq!(c.reason.as_deref(), Some("es un robo en curso"));
    // "Según la categoría" is the new category's priority, not the old one kept.
    let to_workshop = Action::Reclassify {
        category: "workshop".into(),
        priority: None,
        reason: None,
    };
    let p = judge(&to_workshop, &r, &ana).unwrap();
    assert_eq!(p.fields.priority, "low");
    let to_tip = Action::Reclassify {
        category: "tip_089".into(),
        priority: Some("".into()),
        reason: None,
    };
    assert_eq!(judge(&to_tip, &r, &ana).unwrap().fields.priority, "high");
    let same = Action::Reclassify {
        category: "patrol".into(),
        priority: Some("normal".into()),
        reason: None,
    };
    assert!(matches!(
        judge(&same, &r, &ana),
        Err(ActionError::Invalid(_))
    ));
    let unknown = Action::Reclassify {
        category: "robo".into(),
        priority: None,
        reason: None,
    };
    assert!(matches!(
        judge(&unknown, &r, &ana),
        Err(ActionError::Invalid(_))
    ));
}

#[test]
fn coordinators_act_within_their_permissions() {
    let coord = who("coord", Role::Coordinator);
    let r = report();
    assert_eq!(
        judge(
            &Action::Dismiss {
                reason: "spam".into()
            },
            &r,
            &coord
        ),
        Err(ActionError::Forbidden)
    );
    let p = judge(
        &Action::Assign {
            coordinator: "son-centro-patrulla-1".into(),
        },
        &r,
        &coord,
    )
    .unwrap();
    assert_eq!(
        p.notice,
        Some(Notice::Coordinator("son-centro-patrulla-1".into()))
    );
    assert!(matches!(
        judge(
            &Action::Assign {
                coordinator: "otra-region-1".into()
            },
            &r,
            &coord
        ),
        Err(ActionError::Invalid(_))
    ));
    assert!(matches!(
        judge(&Action::Note { text: "   ".into() }, &r, &coord),
        Err(ActionError::Invalid(_))
    ));
    let long = "x".repeat(MAX_TEXT + 1);
    assert!(matches!(
        judge(&Action::Reply { text: long }, &r, &coord),
        Err(ActionError::Invalid(_))
    ));
}

#[test]
fn a_duplicate_needs_another_primary() {
    let ana = who("ana", Role::Operator);
    let r = report();
    let mut primary = report();
    primary.id = 3;
    primary.folio = "SON-2026-000003".into();
    let coordinators = Vec::new();
    fn ctx<'a>(who: &'a Principal, c: &'a [String], p: Option<&'a ReportRow>) -> Context<'a> {
        Context {
            who,
            now: Utc::now(),
            claim_for: Duration::minutes(30),
            coordinators: c,
            primary: p,
            tz: chrono_tz::UTC,
            deadlines: &DEADLINES,
        }
    }
    let a = Action::MarkDuplicate {
        of: primary.folio.clone(),
    };
    let p = plan(&a, &r, &ctx(&ana, &coordinators, Some(&primary))).unwrap();
    assert_eq!(p.fields.duplicate_of.as_deref(), Some("SON-2026-000003"));
    assert_eq!(p.fields.status, "duplicate");
    assert!(
        plan(&a, &r, &ctx(&ana, &coordinators, Some(&r))).is_err(),
        "not itself"
    );
    assert!(
        plan(&a, &r, &ctx(&ana, &coordinators, None)).is_err(),
        "unknown folio"
    );
}

#[test]
fn actions_parse_from_the_api_shape() {
    let a: Action = serde_json::from_str(r#"{"action":"claim","force":true}"#).unwrap();
    assert_eq!(a, Action::Claim { force: true });
    assert!(serde_json::from_str::<Action>(r#"{"action":"claim","extra":1}"#).is_err());
    assert!(serde_json::from_str::<Action>(r#"{"action":"fly"}"#).is_err());
}

#[test]
fn a_new_priority_moves_the_next_escalation_to_its_own_deadline() {
    let ana = who("ana", Role::Operator);
    let r = report();
    let to_emergency = Action::Reclassify {
        category: "emergency_911".into(),
        priority: None,
        reason: None,
    };
    let p = judge(&to_emergency, &r, &ana).unwrap();
    // Critical: two minutes from when the report arrived (the default deadlines).
    assert_eq!(
        p.fields.escalate_at,
        Some(r.created_at + Duration::seconds(120))
    );
    let raise = Action::SetPriority {
        priority: "high".into(),
    };
    let high = DEADLINES.high_secs as i64;
    assert_eq!(
        judge(&raise, &r, &ana).unwrap().fields.escalate_at,
        Some(r.created_at + Duration::seconds(high))
    );
    // Once escalated, the escalation ladder owns the next step.
    let mut escalated = report();
    escalated.escalation_level = 1;
    escalated.escalate_at = Some(escalated.created_at + Duration::hours(3));
    assert_eq!(
        judge(&raise, &escalated, &ana).unwrap().fields.escalate_at,
        escalated.escalate_at
    );
}
