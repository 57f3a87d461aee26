//! Turns a parsed notification into the rows of one ingest transaction, classifying every
//! text and caption on the way (a pure function call, so it costs microseconds, not I/O).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::registry::Registry;
use crate::routing::attribute;
use crate::routing::{plan_message, Deadlines, PlanContext};
use crate::store::{
    Attribution, DeliveryOutcome, IngestBatch, MessagePlan, NewDelivery, NewEvent, NewInbound,
    NewOutbox, NewPricing, NewStatus, NewTriage,
};
use crate::triage::{Classification, Classifier, Input};
use crate::whatsapp::address::reply_target;
use crate::whatsapp::{parse_notification, InboundMessage, ParseError, StatusUpdate};

/// Time zone used for messages that belong to no registered region.
const DEFAULT_TZ: chrono_tz::Tz = chrono_tz::America::Mexico_City;

/// Kinds that are not something a citizen wrote to us, so they never earn a safety reply.
const NOT_A_REPORT: [&str; 7] = [
    "reaction",
    "system",
    "revoke",
    "edit",
    "order",
    "button",
    "interactive",
];

/// Everything `build_batch` needs besides the body.
pub struct BatchContext<'a> {
    pub registry: &'a Registry,
    pub classifier: &'a Classifier,
    pub deadlines: &'a Deadlines,
    pub received_at: DateTime<Utc>,
    pub location_window: chrono::Duration,
    pub pseudonyms: &'a crate::privacy::Pseudonymizer,
    /// The join phrases (`[join]` in `config/replies.toml`).
    pub join_words: &'a crate::vocab::JoinWords,
    /// Link to the full privacy notice, for the short one.
    pub notice_url: &'a str,
}

/// Parses `body` and prepares the rows to store. A body that does not parse still yields a
/// batch: the raw delivery, flagged, with no messages.
pub fn build_batch(body: &[u8], ctx: &BatchContext<'_>) -> IngestBatch {
    let body_sha256 = hex::encode(Sha256::digest(body));
    let parsed = parse_notification(body, &body_sha256[..16]);
    let (outcome, detail) = match &parsed {
        Ok(n) if n.repaired > 0 => (
            DeliveryOutcome::Parsed,
            // The delivery's record says which bodies were read only after a repair.
            Some(format!(
                "repaired: {} lone surrogate(s) or invalid UTF-8 sequence(s) read as U+FFFD",
                n.repaired
            )),
        ),
        Ok(_) => (DeliveryOutcome::Parsed, None),
        Err(ParseError::InvalidJson(e)) => (DeliveryOutcome::InvalidJson, Some(e.clone())),
        Err(ParseError::UnknownShape(e)) => (DeliveryOutcome::UnknownShape, Some((*e).to_owned())),
    };
    let mut batch = IngestBatch {
        delivery: NewDelivery {
            received_at: ctx.received_at,
            body: body.to_vec(),
            body_sha256,
            outcome,
            detail,
        },
        messages: Vec::new(),
        statuses: Vec::new(),
        events: Vec::new(),
        location_window: ctx.location_window,
    };
    if let Ok(n) = parsed {
        batch.messages = n.messages.iter().map(|m| new_inbound(m, ctx)).collect();
        batch.statuses = n.statuses.iter().map(|s| new_status(s, ctx)).collect();
        batch.events = n
            .events
            .into_iter()
            .map(|e| NewEvent {
                field: e.field,
                payload: e.value.to_string(),
            })
            .collect();
    }
    batch
}

fn new_inbound(m: &InboundMessage, ctx: &BatchContext<'_>) -> NewInbound {
    let who = attribute(ctx.registry, m);
    let sent_at = m.sent_at.unwrap_or(ctx.received_at);
    let tz = who
        .group
        .as_deref()
        .and_then(|g| ctx.registry.group(g))
        .and_then(|g| ctx.registry.region(&g.region))
        .map_or(DEFAULT_TZ, |r| r.time_zone);
    let classification: Option<Classification> = m
        .body
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .map(|text| {
            ctx.classifier.classify(&Input {
                text,
                forwarded: m.context.forwarded,
                frequently_forwarded: m.context.frequently_forwarded,
                is_reply: m.context.reply_to.is_some(),
                local_date: Some(sent_at.with_timezone(&tz).date_naive()),
            })
        });
    let plan_ctx = PlanContext {
        registry: ctx.registry,
        join_words: ctx.join_words,
        deadlines: ctx.deadlines,
        now: ctx.received_at,
    };
    let mut plan = plan_message(&plan_ctx, m, &who, classification.as_ref());
    let triage = classification.map(|c| NewTriage {
        category: c.category.as_str().to_owned(),
        priority: c.priority.as_str().to_owned(),
        confidence: f64::from(c.confidence),
        needs_review: c.needs_review,
        rules: c.rules,
        cnie_code: c.cnie.and_then(|n| i32::try_from(n.code).ok()),
        classifier_version: ctx.classifier.version().to_owned(),
    });
    let media = m.media.clone().unwrap_or_default();
    let location = m.location.clone().unwrap_or_default();
    let privacy_keys = ctx
        .pseudonyms
        .of_sender(m.from_phone.as_deref(), m.from_bsuid.as_deref());
    if let Some(MessagePlan::Registry(r)) = &mut plan {
        // The welcome after an approval must know whether this person had the notice.
        r.privacy_keys = privacy_keys.clone();
    }
    // Citizens get the notice with their first message; coordinators are staff, and a
    // reaction or a system event is not someone writing to us.
    let privacy_notice = (who.how != Attribution::Coordinator
        && !NOT_A_REPORT.contains(&m.kind.as_str()))
    .then(|| {
        reply_target(
            m.cloud_group_id.as_deref(),
            m.from_phone.as_deref(),
            m.from_bsuid.as_deref(),
        )
    })
    .flatten()
    .map(|(key, recipient)| NewOutbox {
        purpose: "privacy_notice".into(),
        priority: 2,
        recipient_key: key,
        recipient,
        reply_to: None,
        params: serde_json::json!({ "aviso": ctx.notice_url }).to_string(),
        use_template: false,
        not_before: ctx.received_at,
    });
    NewInbound {
        privacy_keys,
        privacy_notice,
        wamid: m.wamid.clone(),
        kind: m.kind.clone(),
        phone_number_id: m.phone_number_id.clone(),
        sender_phone: m.from_phone.clone(),
        sender_bsuid: m.from_bsuid.clone(),
        sender_name: m.profile_name.clone(),
        cloud_group_id: m.cloud_group_id.clone(),
        safety_reply_due: who.how == Attribution::Unregistered
            && m.body.is_some()
            && !NOT_A_REPORT.contains(&m.kind.as_str()),
        group_ref: who.group,
        coordinator_ref: who.coordinator,
        attribution: Some(who.how),
        sent_at,
        received_at: ctx.received_at,
        body: m.body.clone(),
        note: m.note.clone(),
        refers_to: m.refers_to.clone(),
        reply_to: m.context.reply_to.clone(),
        forwarded: m.context.forwarded || m.context.frequently_forwarded,
        frequently_forwarded: m.context.frequently_forwarded,
        media_id: media.id,
        media_mime: media.mime_type,
        media_sha256: media.sha256,
        media_filename: media.filename,
        media_voice: media.voice,
        latitude: location.latitude,
        longitude: location.longitude,
        location_name: location.name,
        location_address: location.address,
        error_code: m.errors.first().and_then(|e| e.code),
        payload: m.raw.clone(),
        triage,
        plan,
    }
}

fn new_status(s: &StatusUpdate, ctx: &BatchContext<'_>) -> NewStatus {
    let error = s.errors.first();
    NewStatus {
        wamid: s.wamid.clone(),
        status: s.status.clone(),
        rank: s.rank(),
        status_at: s.at,
        recipient_id: s.recipient_id.clone(),
        recipient_user_id: s.recipient_user_id.clone(),
        error_code: error.and_then(|e| e.code),
        error_title: error.and_then(|e| e.title.clone()),
        pricing: s.pricing.as_ref().map(|p| NewPricing {
            // The keyed pseudonym, never the number: the ledger only needs each member once.
            participant: s.participant.as_deref().map_or_else(String::new, |id| {
                let who = if id.chars().all(|c| c.is_ascii_digit() || c == '+') {
                    crate::privacy::Identity::Phone(id)
                } else {
                    crate::privacy::Identity::Bsuid(id)
                };
                ctx.pseudonyms.of(who)
            }),
            category: p.category.clone(),
            kind: p.kind.clone(),
            billable: p.billable,
        }),
    }
}
