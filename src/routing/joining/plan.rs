//! Which messages ask something of the registry, decided during planning (pure: no I/O).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::kind;
use crate::registry::Registry;
use crate::routing::attribution::Attributed;
use crate::routing::message_plan::UNREGISTERED_REGION;
use crate::store::{Attribution, MessagePlan, NewRegistryRequest};
use crate::triage::{Category, Classification};
use crate::vocab::joining::words;
use crate::vocab::{JoinWords, RegistryAsk};
use crate::whatsapp::address::reply_target;
use crate::whatsapp::InboundMessage;

/// The request `msg` makes of the registry, if any. Only 1:1 chats ask (a Cloud API group
/// is not a person); a join phrase in a message the classifier would answer with the 9-1-1
/// or 089 reply is not read as a request, so an emergency is never swallowed by the join
/// flow.
pub fn plan_registry_request(
    registry: &Registry,
    join_words: &JoinWords,
    msg: &InboundMessage,
    who: &Attributed,
    triage: Option<&Classification>,
    now: DateTime<Utc>,
) -> Option<MessagePlan> {
    if msg.cloud_group_id.is_some() {
        return None;
    }
    let (sender_key, recipient) =
        reply_target(None, msg.from_phone.as_deref(), msg.from_bsuid.as_deref())?;
    let request =
        |kind: &'static str, region: String, group_id: Option<String>| NewRegistryRequest {
            kind,
            received_at: now,
            sender_key: sender_key.clone(),
            recipient: recipient.clone(),
            phone: msg.from_phone.clone(),
            bsuid: msg.from_bsuid.clone(),
            profile_name: msg.profile_name.clone(),
            privacy_keys: Vec::new(),
            region,
            group_id,
            code: None,
            new_phone: None,
            new_bsuid: None,
        };
    let member = matches!(who.how, Attribution::MemberBsuid | Attribution::MemberPhone);
    if msg.kind == "system" {
        let (new_phone, new_bsuid) = number_change(&msg.raw)?;
        if !member && who.how != Attribution::Coordinator {
            return None;
        }
        let region = who
            .coordinator_region
            .clone()
            .unwrap_or_else(|| UNREGISTERED_REGION.to_owned());
        let mut r = request(kind::NUMBER_CHANGE, region, who.group.clone());
        r.new_phone = new_phone;
        r.new_bsuid = new_bsuid;
        return Some(MessagePlan::Registry(r));
    }
    let ask = join_words.parse(msg.body.as_deref(), msg.reply_id.as_deref())?;
    // Only free text can carry an emergency: `ALTA 4F7K`, `ALTA`, `BAJA` and the button are
    // commands, whatever the classifier makes of a random code.
    let free_text = ask == RegistryAsk::Join && msg.reply_id.is_none();
    if free_text
        && triage.is_some_and(|t| {
            t.emergency_reply || matches!(t.category, Category::Emergency911 | Category::Tip089)
        })
    {
        return None;
    }
    let region_of = |g: &str| registry.group(g).map(|g| g.region.clone());
    let plan = match (who.how, ask) {
        (Attribution::Unregistered, RegistryAsk::Join | RegistryAsk::Alta) => {
            let (region, group) = mentioned_place(registry, msg.body.as_deref().unwrap_or(""));
            request(kind::ALTA, region, group)
        }
        (Attribution::Unregistered, RegistryAsk::InviteJoin(code)) => {
            let mut r = request(kind::INVITE_JOIN, UNREGISTERED_REGION.to_owned(), None);
            r.code = Some(code);
            r
        }
        (_, RegistryAsk::Alta) if member => {
            let group = who.group.clone()?;
            request(kind::INVITE_CODE, region_of(&group)?, Some(group))
        }
        (_, RegistryAsk::Leave) if member => {
            let group = who.group.clone()?;
            request(kind::BAJA, region_of(&group)?, Some(group))
        }
        _ => return None,
    };
    Some(MessagePlan::Registry(plan))
}

/// `user_changed_number`'s new number (`system.wa_id`) and new BSUID when the webhook
/// carries one; `None` for other system messages.
fn number_change(raw: &str) -> Option<(Option<String>, Option<String>)> {
    let v: Value = serde_json::from_str(raw).ok()?;
    let system = v.get("system")?;
    if system.get("type").and_then(Value::as_str) != Some("user_changed_number") {
        return None;
    }
    let text = |k: &str| {
        system
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let phone = text("wa_id");
    let bsuid = text("user_id").or_else(|| text("new_user_id"));
    (phone.is_some() || bsuid.is_some()).then_some((phone, bsuid))
}

/// Where an alta belongs: a group it names (by id or by its name), else a municipality it
/// names, else no region (seen by those who see every region, like unregistered senders'
/// reports).
fn mentioned_place(registry: &Registry, text: &str) -> (String, Option<String>) {
    let said = words(text);
    let lower = text.to_lowercase();
    let names = |phrase: &str| {
        let p = words(phrase);
        !p.is_empty() && said.windows(p.len()).any(|w| w == p.as_slice())
    };
    if let Some(g) = registry
        .groups()
        .iter()
        .find(|g| lower.contains(&g.id) || names(&g.name))
    {
        return (g.region.clone(), Some(g.id.clone()));
    }
    registry
        .regions()
        .iter()
        .find(|r| r.municipalities.iter().any(|m| names(m)))
        .map_or_else(
            || (UNREGISTERED_REGION.to_owned(), None),
            |r| (r.id.clone(), None),
        )
}
