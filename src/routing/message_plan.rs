//! What a classified message sets in motion: which report to open, whom to tell, what to
//! answer. Pure: the result is carried out by the store in the message's own transaction.

use chrono::{DateTime, Datelike, Utc};
use regex::Regex;
use serde_json::json;

use super::attribution::Attributed;
use super::{ack_deadline, find_folios, parse_button, parse_command, CoordinatorAction, Deadlines};
use crate::registry::{Coordinator, Region, Registry};
use crate::store::{
    Attribution, FollowUp, MessagePlan, NewCommand, NewOutbox, NewReport, ReportAction,
};
use crate::triage::{Category, Classification, Priority};
use crate::vocab::JoinWords;
use crate::whatsapp::address::{recipient_key, reply_target};
use crate::whatsapp::outbound::Recipient;
use crate::whatsapp::InboundMessage;

/// What planning needs besides the message.
pub struct PlanContext<'a> {
    pub registry: &'a Registry,
    /// The join phrases (`[join]` in `config/replies.toml`).
    pub join_words: &'a JoinWords,
    pub deadlines: &'a Deadlines,
    pub now: DateTime<Utc>,
}

/// Decides what `msg` sets in motion; `None` when it needs nothing (greetings, reactions).
pub fn plan_message(
    ctx: &PlanContext<'_>,
    msg: &InboundMessage,
    who: &Attributed,
    triage: Option<&Classification>,
) -> Option<MessagePlan> {
    let (key, recipient) = reply_target(
        msg.cloud_group_id.as_deref(),
        msg.from_phone.as_deref(),
        msg.from_bsuid.as_deref(),
    )?;
    let answer = |purpose: &str, priority: i32, params: serde_json::Value| NewOutbox {
        purpose: purpose.to_owned(),
        priority,
        recipient_key: key.clone(),
        recipient: recipient.clone(),
        reply_to: Some(msg.wamid.clone()),
        params: params.to_string(),
        use_template: false,
        not_before: ctx.now,
    };
    // Joining, leaving, invite codes and changed numbers (rare; cheap to rule out).
    if asks_of_registry(msg, who) {
        let plan = super::joining::plan_registry_request(
            ctx.registry,
            ctx.join_words,
            msg,
            who,
            triage,
            ctx.now,
        );
        if plan.is_some() {
            return plan;
        }
    }
    if who.how == Attribution::Coordinator {
        return coordinator_command(ctx, msg, who, &answer);
    }
    let Some(triage) = triage else {
        return media_for_review(ctx, msg, who, &answer);
    };
    let Some(group) = who.group.as_deref().and_then(|g| ctx.registry.group(g)) else {
        return unregistered(ctx, triage, &answer);
    };
    let region = ctx.registry.region(&group.region)?;
    // The 9-1-1 safety net: a message the classifier thinks may be an emergency gets the
    // emergency reply and a critical report whatever category won; the stored rules name
    // `SAFETY_NET_RULE`, and the queue marks it "posible emergencia".
    let net = triage.emergency_reply;
    match triage.category {
        Category::Other if !net => None,
        Category::FollowUp if !net => {
            let text = msg.body.as_deref().unwrap_or_default();
            let folio = find_folios(text).first().map(ToString::to_string);
            let params = json!({
                "folio": folio,
                "reply_to": msg.context.reply_to,
                "group": group.id,
            });
            Some(MessagePlan::FollowUp {
                follow_up: FollowUp {
                    group_ref: group.id.clone(),
                    folio,
                    reply_to: msg.context.reply_to.clone(),
                },
                outbox: vec![answer("reply_follow_up", 2, params)],
            })
        }
        category => {
            let (purpose, priority, params) = match category {
                _ if net => ("reply_emergency", 0, json!({ "numeros": numbers(region) })),
                Category::Tip089 => ("reply_tip", 1, json!({})),
                _ => ("reply_ack", 2, json!({ "region": region.name })),
            };
            // Coordinators are not told here: the incident worker (`crate::incidents`) tells
            // them once per incident, after grouping this report with its neighbours'.
            let outbox = vec![answer(purpose, priority, params)];
            let report_priority = if net {
                Priority::Critical
            } else {
                triage.priority
            };
            Some(MessagePlan::Report {
                report: NewReport {
                    state: region.state.clone(),
                    year: ctx.now.with_timezone(&region.time_zone).year(),
                    group_ref: group.id.clone(),
                    region: region.id.clone(),
                    category: category.as_str().to_owned(),
                    priority: report_priority.as_str().to_owned(),
                    needs_review: triage.needs_review,
                    created_at: ctx.now,
                    escalate_at: ack_deadline(
                        report_priority,
                        ctx.now,
                        region.time_zone,
                        ctx.deadlines,
                    ),
                },
                outbox,
            })
        }
    }
}

/// Whether `msg` could ask something of the registry, before any text is folded: a system
/// message, a tapped button, anything from an unknown sender, or a member's one-word
/// `ALTA`/`BAJA` (members' reports, the bulk of traffic, skip the join phrases entirely).
fn asks_of_registry(msg: &InboundMessage, who: &Attributed) -> bool {
    match who.how {
        _ if msg.kind == "system" || msg.reply_id.is_some() => true,
        Attribution::Unregistered => true,
        Attribution::MemberBsuid | Attribution::MemberPhone => {
            msg.body.as_deref().is_some_and(|b| b.trim().len() <= 12)
        }
        _ => false,
    }
}

/// The `region` of reports from numbers in no registered group: no region's coordinators
/// are told, and only those who see every region (all-region operators, admins) see them.
pub const UNREGISTERED_REGION: &str = "sin-region";
/// The `group_ref` of those reports.
pub const UNREGISTERED_GROUP: &str = "no-registrado";

/// A sender in no registered group gets the safety reply (and how to register). A 9-1-1 or
/// 089 message also opens a report in no region, so that an operator sees it, takes it and
/// records what was done: a reply alone would leave an armed man at a bus stop known to
/// nobody but the sender. Other categories from strangers stay a reply only (the service is
/// for registered groups; the queue is not a public inbox).
fn unregistered(
    ctx: &PlanContext<'_>,
    triage: &Classification,
    answer: &dyn Fn(&str, i32, serde_json::Value) -> NewOutbox,
) -> Option<MessagePlan> {
    let category = triage.category;
    let net = triage.emergency_reply;
    let priority = if net { 0 } else { 1 };
    // The safety net gives strangers the emergency wording too.
    let worded = if net {
        Category::Emergency911
    } else {
        category
    };
    let reply = answer(
        "reply_unregistered",
        priority,
        json!({ "category": worded.as_str() }),
    );
    // Folios need a state: the deployment's (its first region's), as the agency numbers
    // everything it receives.
    let home = ctx.registry.regions().first();
    let Some(home) = home.filter(|_| net || category == Category::Tip089) else {
        return Some(MessagePlan::Outbox(vec![reply]));
    };
    let report_priority = if net {
        Priority::Critical
    } else {
        triage.priority
    };
    Some(MessagePlan::Report {
        report: NewReport {
            state: home.state.clone(),
            year: ctx.now.with_timezone(&home.time_zone).year(),
            group_ref: UNREGISTERED_GROUP.to_owned(),
            region: UNREGISTERED_REGION.to_owned(),
            category: category.as_str().to_owned(),
            priority: report_priority.as_str().to_owned(),
            needs_review: triage.needs_review,
            created_at: ctx.now,
            // No region, so no coordinators to escalate to: the operators' attention
            // banner is what makes it seen.
            escalate_at: None,
        },
        outbox: vec![reply],
    })
}

/// Photos, voice notes, videos and documents without a caption: there is nothing to
/// classify, so a registered group's gets a report that an operator must look at or listen
/// to (`needs_review`), and anyone else still gets the safety reply.
fn media_for_review(
    ctx: &PlanContext<'_>,
    msg: &InboundMessage,
    who: &Attributed,
    answer: &dyn Fn(&str, i32, serde_json::Value) -> NewOutbox,
) -> Option<MessagePlan> {
    const REVIEWABLE: [&str; 4] = ["image", "audio", "video", "document"];
    if !REVIEWABLE.contains(&msg.kind.as_str()) || msg.media.is_none() {
        return None;
    }
    let Some(group) = who.group.as_deref().and_then(|g| ctx.registry.group(g)) else {
        return Some(MessagePlan::Outbox(vec![answer(
            "reply_unregistered",
            1,
            json!({}),
        )]));
    };
    let region = ctx.registry.region(&group.region)?;
    // Unheard content may be an emergency: high priority until someone has looked.
    Some(MessagePlan::Report {
        report: NewReport {
            state: region.state.clone(),
            year: ctx.now.with_timezone(&region.time_zone).year(),
            group_ref: group.id.clone(),
            region: region.id.clone(),
            category: Category::Other.as_str().to_owned(),
            priority: Priority::High.as_str().to_owned(),
            needs_review: true,
            created_at: ctx.now,
            escalate_at: None,
        },
        outbox: vec![answer("reply_ack", 2, json!({ "region": region.name }))],
    })
}

/// "ok SON-2026-000123", "atendido …" or a tapped button from a coordinator.
fn coordinator_command(
    ctx: &PlanContext<'_>,
    msg: &InboundMessage,
    who: &Attributed,
    answer: &dyn Fn(&str, i32, serde_json::Value) -> NewOutbox,
) -> Option<MessagePlan> {
    let command = msg
        .reply_id
        .as_deref()
        .and_then(parse_button)
        .or_else(|| msg.body.as_deref().and_then(parse_command))?;
    let folio = command.folio.to_string();
    // Attribution always names the region of a coordinator it recognised; without one there
    // is no scope to act in, so nothing is planned.
    let region = who.coordinator_region.clone()?;
    Some(MessagePlan::Command(NewCommand {
        action: match command.action {
            CoordinatorAction::Acknowledge => ReportAction::Acknowledge,
            CoordinatorAction::Resolve => ReportAction::Resolve,
        },
        actor: format!(
            "coordinator:{}",
            who.coordinator.as_deref().unwrap_or("desconocido")
        ),
        region,
        at: ctx.now,
        reporter_purpose: "reporter_status".into(),
        on_no_match: Some(answer("command_unknown", 2, json!({ "folio": folio }))),
        folio,
    }))
}

/// An outbox row for a coordinator, addressed by phone (as Meta expects: country code, no
/// plus) and/or BSUID.
pub fn to_coordinator(
    c: &Coordinator,
    purpose: &str,
    priority: i32,
    params: &serde_json::Value,
    now: DateTime<Utc>,
) -> Option<NewOutbox> {
    let to = Recipient::Individual {
        wa_id: c
            .phone
            .as_ref()
            .map(|p| p.as_str().trim_start_matches('+').to_owned()),
        bsuid: c.bsuid.clone(),
    };
    if matches!(
        &to,
        Recipient::Individual {
            wa_id: None,
            bsuid: None
        }
    ) {
        return None;
    }
    Some(NewOutbox {
        purpose: purpose.to_owned(),
        priority,
        recipient_key: recipient_key(&to),
        recipient: serde_json::to_string(&to).ok()?,
        reply_to: None,
        params: params.to_string(),
        use_template: false,
        not_before: now,
    })
}

fn numbers(region: &Region) -> Vec<String> {
    region
        .emergency_numbers
        .iter()
        .map(|n| format!("• {}: {}", n.label, n.number))
        .collect()
}

/// The first words of a report with anything that looks like a phone number hidden.
pub fn excerpt(text: &str) -> String {
    static PHONE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let phone = PHONE.get_or_init(|| Regex::new(r"\+?\d[\d\s().-]{5,}\d").expect("static regex"));
    let masked = phone.replace_all(text, "[número oculto]");
    let one_line = masked.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(160) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_hide_phone_numbers_and_stay_short() {
        let e = excerpt("llamen al 662 123 4567 o al +52 (662) 100-0101 urgente");
        assert!(!e.contains("4567") && !e.contains("0101"), "{e}");
        assert!(e.contains("urgente"));
        assert!(excerpt(&"palabra ".repeat(100)).chars().count() <= 161);
        assert_eq!(excerpt("a las 10 en la calle 5"), "a las 10 en la calle 5");
    }
}
